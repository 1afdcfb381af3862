// A node that fails while the executor starts: the start-up recovery (which reads each chain's
// transaction count) is tried again with a pause instead of ending the process, health says
// degraded meanwhile, and once the node answers the executor takes up its work.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { parseEther, parseUnits } from "ethers";
import { devWallet } from "../devnet/accounts.ts";
import type { ExecutorConfig } from "../executor/config.ts";
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
import { requestStake } from "./helpers/manual-flows.ts";
import { startRpcFaultProxy, type RpcFaultProxy } from "../devnet/faults/rpc-fault-proxy.ts";

let stack: ExecutorStack | undefined;
let proxy: RpcFaultProxy | undefined;
let executor: RunningExecutor | undefined;

before(async () => {
  stack = await startExecutorStack();
  proxy = await startRpcFaultProxy(stack.config.chains.origin.rpcUrl);
});

after(async () => {
  await executor?.stop();
  await proxy?.stop();
  await stack?.stop();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

test(
  "a node failing at start leaves the executor running and degraded; then it works",
  { timeout: 150_000 },
  async () => {
    const config: ExecutorConfig = {
      ...stack!.config,
      chains: {
        ...stack!.config.chains,
        origin: {
          ...stack!.config.chains.origin,
          rpcUrl: proxy!.url,
          rpcUrls: [proxy!.url],
          rpcTimeoutMs: 1000,
        },
      },
    };
    proxy!.fail("eth_getTransactionCount", "http500");
    executor = await startExecutor(
      config,
      { keystorePassword: KEYSTORE_PASSWORD, secretsPassphrase: SECRETS_PASSPHRASE },
      { logger: createLogger({ level: "error", write: () => undefined }), metrics: createMetrics() },
    );
    while (executor.health().status !== "degraded") await sleep(50);
    assert.match(executor.health().lastError ?? "", /start-up recovery: .*500/);
    const failedSoFar = proxy!.failed("eth_getTransactionCount");
    while (proxy!.failed("eth_getTransactionCount") === failedSoFar) await sleep(50);
    assert.equal(executor.health().status, "degraded", "still degraded while the node fails");

    proxy!.clear();
    await requestStake(stack!.net, devWallet(2), {
      amount: parseEther("10"),
      beneficiary: devWallet(2).address,
      gasPrice: parseUnits("1", "gwei"),
      gasLimit: 200_000n,
    });
    await waitForProgressed(stack!, "Stake", 1);
    assert.equal(executor.health().status, "ok");
    assert.deepEqual(executor.health().followers, { stalled: 0, lastError: null });
  },
);
