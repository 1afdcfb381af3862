// The executor against an indexer without subscriptions (as graph-node >= 0.38): it polls and the
// flows complete. Then the indexer goes down for a while: the executor waits, and when the indexer
// is back it resumes without sending anything twice.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { parseEther, parseUnits } from "ethers";
import { devWallet } from "../devnet/accounts.ts";
import { createLogger } from "../executor/observability/logger.ts";
import { createMetrics } from "../executor/observability/metrics.ts";
import type { RunningExecutor } from "../executor/service-api.ts";
import { startExecutor } from "../executor/service.ts";
import {
  KEYSTORE_PASSWORD,
  SECRETS_PASSPHRASE,
  startExecutorStack,
  type ExecutorStack,
} from "./helpers/executor-stack.ts";
import { waitForProgressed } from "./helpers/executor-watch.ts";
import { requestRedeem, requestStake } from "./helpers/manual-flows.ts";

const terms = { gasPrice: parseUnits("1", "gwei"), gasLimit: 200_000n };
let stack: ExecutorStack;
let executor: RunningExecutor;

before(async () => {
  stack = await startExecutorStack({ subscriptions: false });
  executor = await startExecutor(
    stack.config,
    { keystorePassword: KEYSTORE_PASSWORD, secretsPassphrase: SECRETS_PASSPHRASE },
    { logger: createLogger({ level: "warn", write: () => undefined }), metrics: createMetrics() },
  );
});
after(async () => {
  await executor?.stop();
  await stack?.stop();
});

test("without subscriptions the executor polls, and both flows complete", { timeout: 120_000 }, async () => {
  const users = [2, 3, 4];
  await Promise.all(
    users.map((user) =>
      requestStake(stack.net, devWallet(user), {
        amount: parseEther("10"),
        beneficiary: devWallet(user).address,
        ...terms,
      }),
    ),
  );
  await waitForProgressed(stack, "Stake", users.length);
  await Promise.all(
    users.map((user) =>
      requestRedeem(stack.net, devWallet(user), {
        amount: parseEther("4"),
        beneficiary: devWallet(user).address,
        ...terms,
      }),
    ),
  );
  await waitForProgressed(stack, "Redeem", users.length);
  const health = executor.health();
  assert.equal(health.feeds.origin.mode, "polling");
  assert.equal(health.feeds.auxiliary.mode, "polling");
});

test(
  "with the indexer down for a while the executor waits, then resumes without duplicates",
  { timeout: 120_000 },
  async () => {
    await stack.stopHost();
    await requestStake(stack.net, devWallet(5), {
      amount: parseEther("10"),
      beneficiary: devWallet(5).address,
      ...terms,
    });
    await new Promise((resolve) => setTimeout(resolve, 3000));
    assert.equal(executor.health().status, "degraded", "the executor notices the indexer is gone");
    assert.deepEqual(await executor.books.inFlight(), [], "and sends nothing meanwhile");

    await stack.startHost();
    await waitForProgressed(stack, "Stake", 4);
    const intents = await executor.books.recent(1000);
    const keys = intents
      .filter((intent) => intent.minedHash !== null)
      .map((intent) => `${intent.subject}|${intent.step}`);
    assert.equal(new Set(keys).size, keys.length);
    for (const intent of intents) {
      assert.ok(
        intent.attempts.filter((attempt) => attempt.status === "mined").length <= 1,
        `${intent.subject} ${intent.step}`,
      );
    }
    assert.equal(executor.health().status, "ok");
  },
);
