// A service started by an npm script stops when npm is asked to stop it: npm passes SIGTERM on to
// the script's shell alone, which ends without passing it on, so the service watches for its shell
// to go. Real npm and sh; the service is a small program waiting on the same stop request as
// `npm start`, `npm run indexer` and `facilitator start`. Outside npm, losing the parent shell
// stops nothing (a service started with `nohup … &` runs on).
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, test } from "node:test";

const REPO = path.resolve(import.meta.dirname, "..");
const SERVICE = "node --import tsx tests/helpers/stop-request-child.ts";
const started: ChildProcess[] = [];
after(() => {
  for (const child of started) {
    try {
      process.kill(-child.pid!, "SIGKILL");
    } catch {
      // The group has already ended.
    }
  }
});

/** Starts `command` in a process group of its own; resolves once the service says it waits. */
async function start(command: string[], env: NodeJS.ProcessEnv, cwd = REPO) {
  const child = spawn(command[0]!, command.slice(1), {
    cwd,
    env,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  started.push(child);
  let output = "";
  child.stdout!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  await until(
    () => output.includes("waiting"),
    30_000,
    () => output,
  );
  return { child, output: () => output };
}

async function until(condition: () => boolean, timeoutMs: number, what: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out; output so far: ${JSON.stringify(what())}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

test("SIGTERM to npm alone stops the service its script started", { timeout: 60_000 }, async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "stop-request-"));
  writeFileSync(
    path.join(dir, "package.json"),
    JSON.stringify({
      name: "stop-request",
      private: true,
      scripts: { serve: `cd ${JSON.stringify(REPO)} && ${SERVICE}` },
    }),
  );
  const { child, output } = await start(["npm", "run", "--silent", "serve"], process.env, dir);
  process.kill(child.pid!, "SIGTERM");
  await until(() => output().includes("stopped: parent gone"), 10_000, output);
});

test(
  "outside npm, the service outlives its shell and stops at its own signal",
  { timeout: 60_000 },
  async () => {
    const env = { ...process.env };
    delete env.npm_lifecycle_event;
    const { child, output } = await start(["sh", "-c", `${SERVICE}; true`], env);
    process.kill(child.pid!, "SIGTERM");
    await new Promise((resolve) => setTimeout(resolve, 2500));
    assert.ok(!output().includes("stopped"), output());
    // The service is the shell's child: signalled in the group, it says why it stopped.
    process.kill(-child.pid!, "SIGTERM");
    await until(() => output().includes("stopped: SIGTERM"), 10_000, output);
  },
);
