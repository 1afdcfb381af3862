// One writer per key, with real `facilitator start` processes. On SQLite a second process on the same
// books is refused and `facilitator stop` stops the first. On a real PostgreSQL a second process
// stands by; the writer is killed (SIGKILL) right after it sent a transaction, the standby takes over
// and completes every flow, and the chains show no step sent twice; a holder paused while another
// took over stops when it resumes.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { parseEther, parseUnits, type JsonRpcProvider } from "ethers";
import { devWallet, ROLE_INDEX } from "../devnet/accounts.ts";
import { auditChains } from "../devnet/faults/chain-audit.ts";
import { startExecutorStack, type ExecutorStack } from "./helpers/executor-stack.ts";
import { spawnExecutor, type ExecutorProcess } from "./helpers/executor-process.ts";
import { progressedOnBoth } from "./helpers/executor-watch.ts";
import { requestRedeem, requestStake } from "./helpers/manual-flows.ts";
import { startPostgres, type ThrowawayPostgres } from "./helpers/postgres.ts";

const STAKERS = [2, 3];
const facilitator = devWallet(ROLE_INDEX.facilitator).address;
const PROJECT_ROOT = path.resolve(import.meta.dirname, "..");
let stack: ExecutorStack;
let postgres: ThrowawayPostgres;
let miner: NodeJS.Timeout | undefined;
const processes: ExecutorProcess[] = [];

const providers = () => [stack.net.origin.provider, stack.net.auxiliary.provider];
const mineAll = () => Promise.all(providers().map((provider) => provider.send("evm_mine", [])));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function start(configFile: string): ExecutorProcess {
  const started = spawnExecutor(configFile);
  processes.push(started);
  return started;
}

/** The JSON log lines of a process with this message. */
function logged(process: ExecutorProcess, msg: string): Record<string, unknown>[] {
  return process
    .output()
    .split("\n")
    .filter((line) => line.startsWith("{"))
    .map((line) => JSON.parse(line) as Record<string, unknown>)
    .filter((line) => line.msg === msg);
}

async function waitForLog(process: ExecutorProcess, msg: string, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const [line] = logged(process, msg);
    if (line) return line;
    assert.ok(Date.now() < deadline, `no "${msg}" in the log:\n${process.output()}`);
    await sleep(100);
  }
}

/** The process's exit code; fails with its output when it has not exited within `timeoutMs`. */
async function exitWithin(process: ExecutorProcess, timeoutMs = 60_000): Promise<number | null> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`still running after ${timeoutMs} ms:\n${process.output()}`)),
      timeoutMs,
    );
  });
  try {
    return await Promise.race([process.exited, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** `facilitator stop`: its exit code and output. */
async function runStop(configFile: string): Promise<{ code: number | null; output: string }> {
  const child = spawn(
    process.execPath,
    ["--import", "tsx", "cli/facilitator.ts", "stop", "--config", configFile],
    { cwd: PROJECT_ROOT, stdio: ["ignore", "pipe", "pipe"] },
  );
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
  return { code, output };
}

async function facilitatorHasPending(provider: JsonRpcProvider): Promise<boolean> {
  const [pending, latest] = await Promise.all([
    provider.getTransactionCount(facilitator, "pending"),
    provider.getTransactionCount(facilitator, "latest"),
  ]);
  return pending > latest;
}

before(async () => {
  [stack, postgres] = await Promise.all([startExecutorStack(), startPostgres()]);
});
after(async () => {
  clearInterval(miner);
  for (const running of processes) running.child.kill("SIGKILL");
  await Promise.all(processes.map((running) => running.exited));
  if (stack) {
    await Promise.all(providers().map((provider) => provider.send("evm_setAutomine", [true])));
    await mineAll();
  }
  await stack?.stop();
  await postgres?.stop();
});

test(
  "SQLite: a second process on the same books is refused; `facilitator stop` stops the first",
  { timeout: 120_000 },
  async () => {
    const first = start(stack.configFile);
    await waitForLog(first, "executor started");
    const second = start(stack.configFile);
    assert.equal(await exitWithin(second), 1, second.output());
    const file = path.join(stack.dir, "books.sqlite");
    assert.ok(second.output().includes(file), second.output());
    assert.ok(second.output().includes(`pid ${first.child.pid} on host ${os.hostname()}`), second.output());
    assert.match(second.output(), /facilitator -- stop/);

    const stopped = await runStop(stack.configFile);
    assert.equal(stopped.code, 0, stopped.output);
    assert.ok(stopped.output.includes(`pid ${first.child.pid}`), stopped.output);
    assert.equal(await exitWithin(first), 0, first.output());
    assert.ok(logged(first, "stopped").length === 1, first.output());
  },
);

test(
  "PostgreSQL: the standby takes over from a writer killed mid-flow and completes every flow once",
  { timeout: 300_000 },
  async () => {
    const configFile = path.join(stack.dir, "facilitator-pg.json");
    const config = JSON.parse(readFileSync(stack.configFile, "utf8")) as Record<string, unknown>;
    writeFileSync(
      configFile,
      JSON.stringify({ ...config, database: await postgres.createDatabase("books") }),
    );

    const writer = start(configFile);
    await waitForLog(writer, "executor started", 120_000);
    const standby = start(configFile);
    const standing = await waitForLog(standby, "standing by");
    assert.equal(standing.holderPid, writer.child.pid);
    assert.equal(standing.holderHost, os.hostname());
    const { url } = await waitForLog(standby, "serving /health and /metrics");
    const health = await fetch(`${url as string}/health`);
    assert.equal(health.status, 200);
    assert.equal(((await health.json()) as { status: string }).status, "standby");
    assert.equal(logged(standby, "executor started").length, 0, "the standby sends nothing");

    // From here on blocks come only from this test's miner, so a sent transaction waits in the pool.
    await Promise.all(providers().map((provider) => provider.send("evm_setAutomine", [false])));
    miner = setInterval(() => void mineAll().catch(() => undefined), 400);
    const terms = { gasPrice: parseUnits("1", "gwei"), gasLimit: 200_000n };
    await Promise.all(
      STAKERS.map((user) =>
        requestStake(stack.net, devWallet(user), {
          amount: parseEther("20"),
          beneficiary: devWallet(user).address,
          ...terms,
        }),
      ),
    );
    // Kill the writer the moment one of its transactions waits in a pool.
    const killBy = Date.now() + 60_000;
    while (!(await Promise.all(providers().map(facilitatorHasPending))).some(Boolean)) {
      assert.ok(Date.now() < killBy, `the writer sent nothing:\n${writer.output()}`);
      await sleep(10);
    }
    writer.child.kill("SIGKILL");
    await writer.exited;
    await waitForLog(standby, "executor started", 30_000);

    // Well inside the test's timeout, so that a stall fails with the standby's output.
    const deadline = Date.now() + 150_000;
    while ((await progressedOnBoth(stack, "Stake")).size < STAKERS.length) {
      assert.ok(Date.now() < deadline, `stakes still open:\n${standby.output()}`);
      await sleep(250);
    }
    await Promise.all(
      STAKERS.map((user) =>
        requestRedeem(stack.net, devWallet(user), {
          amount: parseEther("5"),
          beneficiary: devWallet(user).address,
          ...terms,
        }),
      ),
    );
    while ((await progressedOnBoth(stack, "Redeem")).size < STAKERS.length) {
      assert.ok(Date.now() < deadline, `redeems still open:\n${standby.output()}`);
      await sleep(250);
    }

    const audit = await auditChains(
      { origin: stack.net.origin.provider, auxiliary: stack.net.auxiliary.provider },
      facilitator,
    );
    assert.deepEqual(audit.duplicates, [], "no step mined twice for the same subject");
    for (const step of ["acceptStakeRequest", "progressMint", "acceptRedeemRequest", "progressUnstake"]) {
      const done = audit.transactions.filter((item) => item.step === step && !item.reverted);
      assert.equal(done.length, STAKERS.length, `${step} once per flow`);
    }

    // The holder is paused (SIGSTOP) while a third process stands by: its beat stops, the third takes
    // over, and the paused one, resumed, finds its lease lost and stops with the reason.
    const third = start(configFile);
    await waitForLog(third, "standing by");
    standby.child.kill("SIGSTOP");
    await waitForLog(third, "writer lease acquired", 60_000);
    standby.child.kill("SIGCONT");
    assert.equal(await exitWithin(standby), 1, standby.output());
    const [lost] = logged(standby, "writer lease lost");
    assert.match(String(lost?.error), /no longer holds the writer lease/, standby.output());
    assert.match(String(lost?.error), new RegExp(`pid ${third.child.pid} on host ${os.hostname()}`));

    const stopped = await runStop(configFile);
    assert.equal(stopped.code, 0, stopped.output);
    assert.ok(stopped.output.includes(`pid ${third.child.pid}`), stopped.output);
    assert.equal(await exitWithin(third), 0, third.output());
    const audited = await auditChains(
      { origin: stack.net.origin.provider, auxiliary: stack.net.auxiliary.provider },
      facilitator,
    );
    assert.deepEqual(audited.duplicates, []);
  },
);
