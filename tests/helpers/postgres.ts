// A throwaway PostgreSQL server for tests: a fresh cluster (initdb) in a temporary folder, listening on
// a free port on 127.0.0.1 only, removed on stop. It runs under a `sh` watchdog that reads a pipe from
// this process: when the pipe closes (stop, or this process ending in any way) the watchdog shuts the
// server down and removes its folder, so nothing outlives the tests. As root, the server runs as the `postgres` user, since
// initdb and postgres refuse to run as root.
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import os from "node:os";
import path from "node:path";
import pg from "pg";

export interface ThrowawayPostgres {
  /** A new database on the server, empty or a copy of `template`, as a postgresql:// URL. */
  createDatabase(name: string, template?: string): Promise<string>;
  stop(): Promise<void>;
}

const INSTALL_HINT =
  "install them with `apt-get update && apt-get install -y postgresql` (Debian/Ubuntu), " +
  "or set PG_BIN to the folder that holds initdb and postgres";

/** PG_BIN, else the newest /usr/lib/postgresql/<version>/bin (Debian's layout). */
function serverBinaries(): string {
  const candidates: string[] = [];
  if (process.env.PG_BIN) candidates.push(process.env.PG_BIN);
  const root = "/usr/lib/postgresql";
  if (existsSync(root)) {
    const versions = readdirSync(root).sort((a, b) => Number(b) - Number(a));
    candidates.push(...versions.map((version) => path.join(root, version, "bin")));
  }
  const found = candidates.find(
    (dir) => existsSync(path.join(dir, "initdb")) && existsSync(path.join(dir, "postgres")),
  );
  if (found === undefined) {
    throw new Error(`PostgreSQL server binaries (initdb, postgres) were not found: ${INSTALL_HINT}`);
  }
  return found;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (address === null || typeof address === "string") throw new Error("could not find a free port");
  return address.port;
}

/** The command as the user that may run PostgreSQL: the postgres user when we are root. */
function asServerUser(command: string, args: string[]): [string, string[]] {
  return process.getuid?.() === 0 ? ["runuser", ["-u", "postgres", "--", command, ...args]] : [command, args];
}

// $1 is the cluster's folder, the rest the server command. Starts the server in the background, waits
// for the pipe on stdin to close, then stops the server (fast shutdown) and removes the folder.
const WATCHDOG = `
dir=$1
shift
"$@" &
server=$!
cat >/dev/null
kill -INT "$server" 2>/dev/null
wait "$server"
rm -rf "$dir"
`;

export async function startPostgres(): Promise<ThrowawayPostgres> {
  const bin = serverBinaries();
  const dir = mkdtempSync(path.join(os.tmpdir(), "books-pg-"));
  const data = path.join(dir, "data");
  if (process.getuid?.() === 0) {
    const uid = Number(execFileSync("id", ["-u", "postgres"], { encoding: "utf8" }).trim());
    const gid = Number(execFileSync("id", ["-g", "postgres"], { encoding: "utf8" }).trim());
    chownSync(dir, uid, gid);
  }
  const user = "books";
  const [initdb, initdbArgs] = asServerUser(path.join(bin, "initdb"), [
    "-D",
    data,
    "-U",
    user,
    "--auth=trust",
    "--encoding=UTF8",
    "--no-locale",
    "--no-sync",
  ]);
  try {
    execFileSync(initdb, initdbArgs, { stdio: "pipe", cwd: dir });
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    const stderr = (error as { stderr?: Buffer }).stderr?.toString() ?? "";
    throw new Error(`initdb failed: ${stderr || String(error)}`);
  }

  const port = await freePort();
  const [command, args] = asServerUser("sh", [
    "-c",
    WATCHDOG,
    "postgres-watchdog",
    dir,
    path.join(bin, "postgres"),
    "-D",
    data,
    "-p",
    String(port),
    "-c",
    "listen_addresses=127.0.0.1",
    "-c",
    `unix_socket_directories=${dir}`,
    "-c",
    "fsync=off",
  ]);
  const child = spawn(command, args, { stdio: ["pipe", "ignore", "pipe"], cwd: dir });
  const log: Buffer[] = [];
  child.stderr?.on("data", (chunk: Buffer) => log.push(chunk));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));

  const server = { port, user, child, exited };
  try {
    await waitUntilAccepting(server, log);
  } catch (error) {
    await shutDown(server);
    throw error;
  }
  return {
    async createDatabase(name, template) {
      const copy = template === undefined ? "" : ` TEMPLATE "${template}"`;
      await withAdmin(server, (client) => client.query(`CREATE DATABASE "${name}"${copy}`));
      return `postgresql://${user}@127.0.0.1:${port}/${name}`;
    },
    stop: () => shutDown(server),
  };
}

interface RunningServer {
  port: number;
  user: string;
  child: ChildProcess;
  exited: Promise<void>;
}

async function withAdmin<T>(server: RunningServer, use: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({
    host: "127.0.0.1",
    port: server.port,
    user: server.user,
    database: "postgres",
  });
  await client.connect();
  try {
    return await use(client);
  } finally {
    await client.end();
  }
}

async function waitUntilAccepting(server: RunningServer, log: Buffer[], timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exitedEarly = false;
  void server.exited.then(() => (exitedEarly = true));
  for (;;) {
    try {
      await withAdmin(server, (client) => client.query("SELECT 1"));
      return;
    } catch (error) {
      if (exitedEarly || Date.now() > deadline) {
        throw new Error(
          `PostgreSQL did not start on 127.0.0.1:${server.port} (${String(error)}); its log:\n` +
            Buffer.concat(log).toString(),
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

async function shutDown(server: RunningServer): Promise<void> {
  server.child.stdin?.end();
  await server.exited;
}
