// A transaction that sits unmined is replaced with bumped fees at the same nonce, and the flow
// completes with the replacement.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { parseEther, parseUnits } from "ethers";
import { devWallet } from "../devnet/accounts.ts";
import { createLogger } from "../executor/observability/logger.ts";
import { createMetrics, type ExecutorMetrics } from "../executor/observability/metrics.ts";
import type { RunningExecutor } from "../executor/service-api.ts";
import { startExecutor } from "../executor/service.ts";
import {
  KEYSTORE_PASSWORD,
  SECRETS_PASSPHRASE,
  startExecutorStack,
  type ExecutorStack,
} from "./helpers/executor-stack.ts";
import { waitForProgressed } from "./helpers/executor-watch.ts";
import { requestStake } from "./helpers/manual-flows.ts";

let stack: ExecutorStack;
let executor: RunningExecutor;
let metrics: ExecutorMetrics;

before(async () => {
  stack = await startExecutorStack({ config: { gas: { resubmitAfterSeconds: 2 } } });
});
after(async () => {
  await stack?.net.origin.provider.send("evm_setAutomine", [true]);
  await executor?.stop();
  await stack?.stop();
});

test(
  "a transaction left unmined is replaced with higher fees and the flow completes",
  { timeout: 120_000 },
  async () => {
    await requestStake(stack.net, devWallet(2), {
      amount: parseEther("10"),
      beneficiary: devWallet(2).address,
      gasPrice: parseUnits("1", "gwei"),
      gasLimit: 200_000n,
    });
    // Mining stops on origin: the executor's first transaction there waits in the pool.
    await stack.net.origin.provider.send("evm_setAutomine", [false]);
    metrics = createMetrics();
    executor = await startExecutor(
      stack.config,
      { keystorePassword: KEYSTORE_PASSWORD, secretsPassphrase: SECRETS_PASSPHRASE },
      { logger: createLogger({ level: "warn", write: () => undefined }), metrics },
    );
    const deadline = Date.now() + 30_000;
    let attempts: { status: string; maxFeePerGas: bigint }[] = [];
    while (Date.now() < deadline) {
      const [intent] = await executor.books.inFlight();
      attempts = intent?.attempts ?? [];
      if (attempts.some((attempt) => attempt.status === "replaced")) break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    assert.ok(attempts.length >= 2, `a replacement was sent (${attempts.length} attempts)`);
    const [first, second] = attempts as [(typeof attempts)[0], (typeof attempts)[0]];
    assert.equal(first.status, "replaced");
    assert.ok(second.maxFeePerGas * 100n >= first.maxFeePerGas * 110n, "fees rose by at least 10%");
    const bumps = (await metrics.bumps.get()).values.reduce((sum, value) => sum + value.value, 0);
    assert.ok(bumps >= 1, "the bump is counted in the metrics");

    await stack.net.origin.provider.send("evm_setAutomine", [true]);
    await stack.net.origin.provider.send("evm_mine", []);
    await waitForProgressed(stack, "Stake", 1, 60_000);
    const mined = (await executor.books.recent(100)).flatMap((intent) =>
      intent.attempts.filter((attempt) => attempt.status === "mined").map(() => intent.step),
    );
    assert.equal(new Set(mined).size, mined.length, "one mined transaction per step");
  },
);
