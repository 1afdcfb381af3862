// Crash safety: `facilitator start` is killed with SIGKILL right after each transaction it sends
// (while that transaction waits in the pool, before any receipt), then started again. Every flow
// completes and no step's effect is sent twice.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { parseEther, parseUnits, type JsonRpcProvider } from "ethers";
import { devWallet, ROLE_INDEX } from "../devnet/accounts.ts";
import { openBooks } from "../executor/bookkeeping/index.ts";
import { startExecutorStack, type ExecutorStack } from "./helpers/executor-stack.ts";
import { progressedOnBoth, REDEEM_STEPS, STAKE_STEPS } from "./helpers/executor-watch.ts";
import { spawnExecutor, type ExecutorProcess } from "./helpers/executor-process.ts";
import { requestRedeem, requestStake } from "./helpers/manual-flows.ts";

const STAKERS = [2, 3];
const facilitator = devWallet(ROLE_INDEX.facilitator).address;
let stack: ExecutorStack;
let miner: NodeJS.Timeout | undefined;
let running: ExecutorProcess | undefined;

const providers = () => [stack.net.origin.provider, stack.net.auxiliary.provider];
const mineAll = () => Promise.all(providers().map((provider) => provider.send("evm_mine", [])));

async function facilitatorHasPending(provider: JsonRpcProvider): Promise<boolean> {
  const [pending, latest] = await Promise.all([
    provider.getTransactionCount(facilitator, "pending"),
    provider.getTransactionCount(facilitator, "latest"),
  ]);
  return pending > latest;
}

/** Waits for the executor's start (its start-up done, its first decision scheduled) until `limit`. */
async function started(executor: ExecutorProcess, limit: number): Promise<void> {
  while (!executor.output().includes('"msg":"executor started"')) {
    assert.ok(Date.now() < limit, `the executor did not start:\n${executor.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

before(async () => {
  stack = await startExecutorStack();
  // From here on blocks come only from this test's miner, so a sent transaction waits in the pool.
  await Promise.all(providers().map((provider) => provider.send("evm_setAutomine", [false])));
  miner = setInterval(() => void mineAll().catch(() => undefined), 400);
});
after(async () => {
  clearInterval(miner);
  running?.child.kill("SIGKILL");
  await running?.exited;
  // Automine again, so that whatever still waits in a pool (the anchorer's last root) is mined.
  if (stack) {
    await Promise.all(providers().map((provider) => provider.send("evm_setAutomine", [true])));
    await mineAll();
  }
  await stack?.stop();
});

test(
  "killed after every send and restarted, the executor completes every flow once",
  { timeout: 300_000 },
  async () => {
    const terms = { gasPrice: parseUnits("1", "gwei"), gasLimit: 200_000n };
    let kills = 0;
    let runs = 0;
    let phase: "Stake" | "Redeem" = "Stake";
    await Promise.all(
      STAKERS.map((user) =>
        requestStake(stack.net, devWallet(user), {
          amount: parseEther("20"),
          beneficiary: devWallet(user).address,
          ...terms,
        }),
      ),
    );
    const deadline = Date.now() + 240_000;
    for (;;) {
      if ((await progressedOnBoth(stack, phase)).size === STAKERS.length) {
        if (phase === "Redeem") break;
        phase = "Redeem";
        await Promise.all(
          STAKERS.map((user) =>
            requestRedeem(stack.net, devWallet(user), {
              amount: parseEther("5"),
              beneficiary: devWallet(user).address,
              ...terms,
            }),
          ),
        );
      }
      assert.ok(Date.now() < deadline, `flows still open after ${kills} kills in ${runs} runs`);
      running = spawnExecutor(stack.configFile);
      runs++;
      await started(running, Date.now() + 60_000);
      // Kill the moment one of its transactions is in a pool; give up waiting after a while (the
      // flow may need other blocks first) and just restart. The wait counts from the executor's
      // start: on a loaded machine starting the process took most of a wait counted from the spawn,
      // and runs were killed before they could send anything.
      const watchUntil = Date.now() + 10_000;
      while (Date.now() < watchUntil) {
        const pending = await Promise.all(providers().map(facilitatorHasPending));
        if (pending.some(Boolean)) {
          clearInterval(miner);
          running.child.kill("SIGKILL");
          kills++;
          break;
        }
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      running.child.kill("SIGKILL");
      await running.exited;
      running = undefined;
      await mineAll();
      clearInterval(miner);
      miner = setInterval(() => void mineAll().catch(() => undefined), 400);
    }

    assert.ok(kills >= 8, `the executor was killed after ${kills} sends`);
    // The last kill may have come right after the last send: a final run settles the books.
    running = spawnExecutor(stack.configFile);
    const settled = Date.now() + 30_000;
    await started(running, settled);
    for (;;) {
      const check = await openBooks({ url: stack.config.databaseUrl });
      const inFlight = await check.inFlight();
      await check.close();
      if (inFlight.length === 0) break;
      assert.ok(Date.now() < settled, `${inFlight.length} intents still in flight`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    running.child.kill("SIGTERM");
    assert.equal(await running.exited, 0, running.output());
    running = undefined;
    const books = await openBooks({ url: stack.config.databaseUrl });
    try {
      const intents = await books.recent(10_000);
      const mined = intents.filter((intent) => intent.minedHash !== null);
      for (const step of STAKE_STEPS) {
        assert.equal(
          mined.filter((intent) => intent.step === step).length,
          STAKERS.length,
          `${step} once per stake`,
        );
      }
      for (const step of REDEEM_STEPS) {
        assert.equal(
          mined.filter((intent) => intent.step === step).length,
          STAKERS.length,
          `${step} once per redeem`,
        );
      }
      for (const intent of mined) {
        assert.equal(
          intent.attempts.filter((attempt) => attempt.status === "mined").length,
          1,
          `${intent.subject} ${intent.step}`,
        );
      }
      for (const chain of ["origin", "auxiliary"] as const) {
        const provider = chain === "origin" ? stack.net.origin.provider : stack.net.auxiliary.provider;
        const chainId = stack.net.deployment[chain].chainId;
        const sent = await provider.getTransactionCount(facilitator, "latest");
        const booked = mined.filter((intent) => Number(intent.chainId) === chainId).length;
        assert.equal(sent, booked, `every transaction of the facilitator on ${chain} is one booked effect`);
      }
    } finally {
      await books.close();
    }
  },
);
