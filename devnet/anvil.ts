// Runs one anvil chain as a child process bound to loopback.
//
// anvil is started under a small `sh` watchdog that holds the read end of a pipe from this process.
// When this process goes away for any reason (exit, crash, SIGKILL) the pipe closes and the watchdog
// kills anvil, so no chain outlives the program that started it.
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import net from "node:net";
import path from "node:path";

const require = createRequire(import.meta.url);

export const DEV_MNEMONIC = "test test test test test test test test test test test junk";
export const LOOPBACK = "127.0.0.1";

export interface AnvilOptions {
  /** A name for messages, e.g. "origin". */
  name: string;
  chainId: number;
  /** A fixed port; a free one is chosen when left out. */
  port?: number;
  /** Seconds between blocks; automine (a block per transaction) when left out. */
  blockTime?: number;
  /** The anvil executable; by default the one installed by @foundry-rs/anvil. */
  binary?: string;
  accounts?: number;
  startTimeoutMs?: number;
  /** The EVM hardfork, e.g. "berlin" for a chain without a base fee; anvil's latest when left out. */
  hardfork?: string;
}

export interface AnvilChain {
  name: string;
  chainId: number;
  port: number;
  rpcUrl: string;
  /** The anvil process itself (not its watchdog). */
  pid: number;
  stop(): Promise<void>;
}

const WATCHDOG = `
exec 3<&0
"$@" </dev/null 3<&- &
child=$!
echo "watchdog-child-pid $child"
( while read -r _line; do :; done <&3; kill "$child" 2>/dev/null ) &
reader=$!
wait "$child"
status=$?
kill "$reader" 2>/dev/null
exit $status
`;

/** anvil builds installed from npm, by platform. Elsewhere, ANVIL_BINARY names the executable. */
const PLATFORM_PACKAGES: Record<string, string> = {
  "linux-x64": "@foundry-rs/anvil-linux-amd64",
};

/** The anvil executable: $ANVIL_BINARY, or the binary shipped in the platform's npm package. */
export function defaultAnvilBinary(): string {
  if (process.env.ANVIL_BINARY) return process.env.ANVIL_BINARY;
  const pkg = PLATFORM_PACKAGES[`${process.platform}-${process.arch}`];
  if (!pkg) {
    throw new Error(
      `no anvil package from npm for ${process.platform}-${process.arch}: set ANVIL_BINARY to an anvil executable`,
    );
  }
  try {
    return path.join(path.dirname(require.resolve(`${pkg}/package.json`)), "bin", "anvil");
  } catch {
    return path.join("node_modules", pkg, "bin", "anvil");
  }
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, LOOPBACK, () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject()));
    });
  });
}

async function assertPortFree(name: string, port: number): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const server = net.createServer();
    server.once("error", (error: NodeJS.ErrnoException) => {
      reject(
        new Error(
          error.code === "EADDRINUSE"
            ? `${name} chain: port ${port} on ${LOOPBACK} is already in use; stop what holds it or choose another port (leave the port unset to pick a free one)`
            : `${name} chain: cannot listen on ${LOOPBACK}:${port} (${error.message})`,
        ),
      );
    });
    server.listen(port, LOOPBACK, () => server.close(() => resolve()));
  });
}

export async function startAnvil(options: AnvilOptions): Promise<AnvilChain> {
  const binary = options.binary ?? defaultAnvilBinary();
  if (!existsSync(binary)) {
    throw new Error(
      `${options.name} chain: the anvil binary was not found at ${binary}; run \`npm ci\` (it installs @foundry-rs/anvil) or set ANVIL_BINARY to an anvil executable`,
    );
  }
  if (options.port !== undefined) await assertPortFree(options.name, options.port);
  const port = options.port ?? (await freePort());
  const args = [
    "--host",
    LOOPBACK,
    "--port",
    String(port),
    "--chain-id",
    String(options.chainId),
    "--accounts",
    String(options.accounts ?? 20),
    "--balance",
    "1000000",
    "--mnemonic",
    DEV_MNEMONIC,
  ];
  if (options.blockTime !== undefined) args.push("--block-time", String(options.blockTime));
  if (options.hardfork !== undefined) args.push("--hardfork", options.hardfork);

  const child = spawn("sh", ["-c", WATCHDOG, "anvil-watchdog", binary, ...args], {
    stdio: ["pipe", "pipe", "pipe"],
    detached: true, // its own process group: a terminal's Ctrl-C reaches us, and we stop it in order
  });
  const output = new OutputTail();
  child.stdout.on("data", (chunk: Buffer) => output.push(chunk));
  child.stderr.on("data", (chunk: Buffer) => output.push(chunk));

  const pid = await waitUntilListening(child, output, options, port);
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once("exit", () => resolve());
  });
  // Neither the process nor its pipes keep this program alive; the watchdog covers our exit.
  child.unref();
  for (const stream of [child.stdin, child.stdout, child.stderr]) (stream as unknown as net.Socket).unref();

  let stopping: Promise<void> | undefined;
  return {
    name: options.name,
    chainId: options.chainId,
    port,
    rpcUrl: `http://${LOOPBACK}:${port}`,
    pid,
    stop() {
      stopping ??= (async () => {
        child.stdin.end();
        // anvil waits for open keep-alive connections before it exits; past a grace period it is
        // killed outright (its state is in memory, nothing is lost). The interval keeps this
        // program alive until the exit is seen.
        const keepAlive = setInterval(() => undefined, 100);
        const timer = setTimeout(() => killQuietly(pid, "SIGKILL"), 2000);
        await exited;
        clearTimeout(timer);
        clearInterval(keepAlive);
      })();
      return stopping;
    },
  };
}

function killQuietly(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // already gone
  }
}

/** anvil's output: its first lines (the watchdog's pid line comes first) and its latest ones. */
class OutputTail {
  private text = "";
  private first = "";
  private listeners: (() => void)[] = [];
  push(chunk: Buffer): void {
    const text = chunk.toString("utf8");
    // With many accounts, anvil's listing alone outgrows the tail.
    if (this.first.length < 1000) this.first = (this.first + text).slice(0, 1000);
    this.text = (this.text + text).slice(-8000);
    for (const listener of this.listeners) listener();
  }
  get head(): string {
    return this.first;
  }
  onChange(listener: () => void): void {
    this.listeners.push(listener);
  }
  get value(): string {
    return this.text;
  }
}

async function waitUntilListening(
  child: ChildProcess,
  output: OutputTail,
  options: AnvilOptions,
  port: number,
): Promise<number> {
  const timeoutMs = options.startTimeoutMs ?? 20_000;
  return new Promise<number>((resolve, reject) => {
    let settled = false;
    const settle = () => {
      settled = true;
      clearTimeout(timer);
      child.off("exit", onExit);
      child.off("error", onError);
    };
    const fail = (reason: string) => {
      if (settled) return;
      settle();
      child.stdin?.end();
      reject(new Error(`${options.name} chain: anvil did not start on ${LOOPBACK}:${port}: ${reason}`));
    };
    const onError = (error: Error) => fail(error.message);
    const onExit = (code: number | null, signal: NodeJS.Signals | null) => {
      const tail = output.value.trim().split("\n").slice(-5).join("\n");
      const reason = /address already in use/i.test(tail)
        ? `port ${port} is already in use; choose another port or leave it unset to pick a free one`
        : `it exited (${signal ?? `code ${code}`})`;
      fail(`${reason}\n${tail}`);
    };
    const timer = setTimeout(() => fail(`no "Listening on" within ${timeoutMs} ms`), timeoutMs);
    child.on("error", onError);
    child.on("exit", onExit);
    output.onChange(() => {
      const pidMatch = /watchdog-child-pid (\d+)/.exec(output.head);
      if (settled || !pidMatch || !output.value.includes("Listening on")) return;
      settle();
      resolve(Number(pidMatch[1]));
    });
  });
}
