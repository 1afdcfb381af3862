// `facilitator start` as a process of its own, as an operator runs it, so that it can be killed with
// SIGKILL and started again as a supervisor would. Its keystore password and secrets passphrase
// reach it through the environment only, never its arguments.
import { execFile, spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import path from "node:path";

const PROJECT_ROOT = path.resolve(import.meta.dirname, "../..");
/** The line `facilitator start` writes once it has started its work. */
const STARTED = '"msg":"executor started"';

export interface ExecutorSecrets {
  keystorePassword: string;
  secretsPassphrase: string;
}

export interface ExecutorProcess {
  child: ChildProcessWithoutNullStreams;
  /** Everything it wrote to stdout and stderr so far. */
  output(): string;
  /** When it said it started (ms since the epoch), or undefined before. */
  startedAt(): number | undefined;
  /** Its exit code, or null when a signal ended it. */
  exited: Promise<number | null>;
}

export function spawnFacilitator(configFile: string, secrets: ExecutorSecrets): ExecutorProcess {
  const child = spawn(
    process.execPath,
    ["--import", "tsx", "cli/facilitator.ts", "start", "--config", configFile, "--log-level", "info"],
    {
      cwd: PROJECT_ROOT,
      stdio: "pipe",
      env: {
        ...process.env,
        FACILITATOR_KEYSTORE_PASSWORD: secrets.keystorePassword,
        FACILITATOR_SECRETS_PASSPHRASE: secrets.secretsPassphrase,
      },
    },
  );
  child.stdin.end();
  let output = "";
  let startedAt: number | undefined;
  const take = (chunk: Buffer) => {
    output += chunk.toString();
    if (startedAt === undefined && output.includes(STARTED)) startedAt = Date.now();
  };
  child.stdout.on("data", take);
  child.stderr.on("data", take);
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return { child, output: () => output, startedAt: () => startedAt, exited };
}

/** How long one `facilitator status` may take before it is stopped. */
const STATUS_TIMEOUT_MS = 20_000;

/**
 * `facilitator status <hash> --json` against a configuration: where a flow stands and what the
 * executor waits for, as its own tool reads the subgraphs and the books (no password needed).
 */
export function facilitatorStatus(configFile: string, hash: string): Promise<unknown> {
  const name = `facilitator status ${hash.slice(0, 10)}`;
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ["--import", "tsx", "cli/facilitator.ts", "status", hash, "--config", configFile, "--json"],
      { cwd: PROJECT_ROOT, timeout: STATUS_TIMEOUT_MS },
      (error, stdout, stderr) => {
        if (error?.killed)
          return reject(new Error(`${name}: no answer within ${STATUS_TIMEOUT_MS / 1000} s`));
        if (error) return reject(new Error(`${name}: ${stderr.trim() || error.message}`));
        try {
          resolve(JSON.parse(stdout) as unknown);
        } catch {
          reject(new Error(`${name}: its output is not JSON: ${stdout.slice(0, 200)}`));
        }
      },
    );
  });
}
