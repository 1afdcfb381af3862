// `facilitator start` as a process of its own, as an operator runs it, for tests that kill it.
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { KEYSTORE_PASSWORD, SECRETS_PASSPHRASE } from "./executor-stack.ts";

export interface ExecutorProcess {
  child: ChildProcessWithoutNullStreams;
  output(): string;
  exited: Promise<number | null>;
}

export function spawnExecutor(configFile: string): ExecutorProcess {
  const child = spawn(
    process.execPath,
    ["--import", "tsx", "cli/facilitator.ts", "start", "--config", configFile, "--log-level", "info"],
    {
      stdio: "pipe",
      env: {
        ...process.env,
        FACILITATOR_KEYSTORE_PASSWORD: KEYSTORE_PASSWORD,
        FACILITATOR_SECRETS_PASSPHRASE: SECRETS_PASSPHRASE,
      },
    },
  );
  child.stdin.end();
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return { child, output: () => output, exited };
}
