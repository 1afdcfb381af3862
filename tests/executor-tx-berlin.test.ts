// Both flows end to end with the auxiliary chain on berlin (no base fee): the executor sends legacy
// transactions there, type 2 on origin, and stakes and redeems complete.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { parseEther, parseUnits, Transaction } from "ethers";
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
let stack: ExecutorStack | undefined;
let executor: RunningExecutor | undefined;

before(async () => {
  stack = await startExecutorStack({ network: { auxiliaryHardfork: "berlin" } });
  executor = await startExecutor(
    stack.config,
    { keystorePassword: KEYSTORE_PASSWORD, secretsPassphrase: SECRETS_PASSPHRASE },
    { logger: createLogger({ level: "error", write: () => undefined }), metrics: createMetrics() },
  );
});

after(async () => {
  await executor?.stop();
  await stack?.stop();
});

test(
  "with the auxiliary chain on berlin both flows complete, legacy transactions there",
  { timeout: 180_000 },
  async () => {
    const block = (await stack!.net.auxiliary.provider.send("eth_getBlockByNumber", ["latest", false])) as {
      baseFeePerGas?: string;
    };
    assert.equal(block.baseFeePerGas, undefined, "the auxiliary chain has no base fee");
    const user = devWallet(2);
    await requestStake(stack!.net, user, { amount: parseEther("10"), beneficiary: user.address, ...terms });
    await waitForProgressed(stack!, "Stake", 1);
    await requestRedeem(stack!.net, user, { amount: parseEther("4"), beneficiary: user.address, ...terms });
    await waitForProgressed(stack!, "Redeem", 1);

    const types = { origin: new Set<number>(), auxiliary: new Set<number>() };
    const auxiliaryChainId = BigInt(stack!.net.deployment.auxiliary.chainId);
    for (const intent of await executor!.books.recent(100)) {
      for (const attempt of intent.attempts) {
        const signed = Transaction.from(attempt.rawTransaction);
        types[signed.chainId === auxiliaryChainId ? "auxiliary" : "origin"].add(signed.type!);
      }
    }
    assert.deepEqual([...types.auxiliary], [0], "legacy transactions on the auxiliary chain");
    assert.deepEqual([...types.origin], [2], "type 2 on origin");
  },
);
