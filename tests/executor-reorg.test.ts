// Reorganisations under the executor's own transactions: the test mines both chains by hand and,
// the moment a chosen transaction of the facilitator is in a block, lets it sink 1 to 3 blocks deep
// and replaces those blocks with blocks holding everyone's transactions but the facilitator's
// (anvil_reorg), which takes its transactions out of the chain and out of the pool. Around an accept, a confirm and a progress, on both chains, with
// confirmations 0 and 2: the flows complete, and the chains show each effect once.
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { after, before, test } from "node:test";
import { Interface, parseEther, parseUnits, type JsonRpcProvider } from "ethers";
import { mosaicAbi } from "../chain/mosaic-artifacts.ts";
import { startAnchorer, type Anchorer } from "../devnet/anchorer.ts";
import { devWallet, ROLE_INDEX } from "../devnet/accounts.ts";
import { readConfig } from "../executor/config.ts";
import { createLogger } from "../executor/observability/logger.ts";
import { createMetrics } from "../executor/observability/metrics.ts";
import type { RunningExecutor } from "../executor/service-api.ts";
import { startExecutor } from "../executor/service.ts";
import { auditChains } from "../devnet/faults/chain-audit.ts";
import {
  KEYSTORE_PASSWORD,
  SECRETS_PASSPHRASE,
  startExecutorStack,
  type ExecutorStack,
} from "./helpers/executor-stack.ts";
import { waitForProgressed } from "./helpers/executor-watch.ts";
import { reorgWithout } from "../devnet/faults/reorgs.ts";
import { requestRedeem, requestStake } from "./helpers/manual-flows.ts";

type ChainName = "origin" | "auxiliary";
interface Target {
  chain: ChainName;
  method: string;
  depth: number;
  done?: boolean;
}

const facilitator = devWallet(ROLE_INDEX.facilitator).address;
const CALLS = [
  new Interface(mosaicAbi("OSTComposer")),
  new Interface(mosaicAbi("RedeemPool")),
  new Interface(mosaicAbi("EIP20Gateway")),
  new Interface(mosaicAbi("EIP20CoGateway")),
];
let stack: ExecutorStack;
let anchorer: Anchorer | undefined;
let executor: RunningExecutor | undefined;
let mining: Promise<void> | undefined;
let stopMining = false;
let targets: Target[] = [];
const reorgs: string[] = [];

const provider = (chain: ChainName): JsonRpcProvider => stack.net[chain].provider;

function methodOf(data: string): string | undefined {
  for (const calls of CALLS) {
    const parsed = calls.parseTransaction({ data });
    if (parsed) return parsed.name;
  }
  return undefined;
}

/** The facilitator's calls in the chain's latest block. */
async function latestCalls(chain: ChainName): Promise<string[]> {
  const block = await provider(chain).getBlock("latest", true);
  return (block?.prefetchedTransactions ?? [])
    .filter((transaction) => transaction.from.toLowerCase() === facilitator.toLowerCase())
    .map((transaction) => methodOf(transaction.data) ?? "other");
}

/** Mines both chains; a target's transaction, once in a block, sinks `depth` deep and is reorganised away. */
async function mine(): Promise<void> {
  while (!stopMining) {
    for (const chain of ["origin", "auxiliary"] as const) {
      await provider(chain).send("evm_mine", []);
      const calls = await latestCalls(chain);
      const target = targets.find(
        (candidate) => !candidate.done && candidate.chain === chain && calls.includes(candidate.method),
      );
      if (!target) continue;
      target.done = true;
      for (let deeper = 1; deeper < target.depth; deeper++) await provider(chain).send("evm_mine", []);
      await reorgWithout(provider(chain), facilitator, target.depth);
      reorgs.push(`${target.method} on ${chain}, ${target.depth} deep`);
    }
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
}

async function startWith(confirmations: number, database: string): Promise<RunningExecutor> {
  const base = JSON.parse(readFileSync(stack.configFile, "utf8")) as {
    chains: Record<string, Record<string, unknown>>;
  };
  for (const chain of Object.values(base.chains)) chain.confirmations = confirmations;
  const file = path.join(stack.dir, `${database}.json`);
  writeFileSync(file, JSON.stringify({ ...base, database: `file:${database}.sqlite` }));
  return startExecutor(
    readConfig(file),
    { keystorePassword: KEYSTORE_PASSWORD, secretsPassphrase: SECRETS_PASSPHRASE },
    { logger: createLogger({ level: "warn", write: () => undefined }), metrics: createMetrics() },
  );
}

before(async () => {
  stack = await startExecutorStack();
  await stack.anchorer.stop();
  // The organization anchors final roots only: a root that a reorg replaces would fail every proof.
  anchorer = startAnchorer({
    deployment: stack.net.deployment,
    providers: { origin: provider("origin"), auxiliary: provider("auxiliary") },
    intervalMs: 300,
    confirmations: 5,
  });
  await Promise.all(
    ["origin", "auxiliary"].map((chain) => provider(chain as ChainName).send("evm_setAutomine", [false])),
  );
  mining = mine();
});
after(async () => {
  await executor?.stop();
  stopMining = true;
  await mining?.catch(() => undefined);
  await anchorer?.stop();
  await stack?.stop();
});

const terms = { gasPrice: parseUnits("1", "gwei"), gasLimit: 200_000n };

/** Waits until every target was reorganised away and the subgraphs caught up, then for the flows. */
async function completedAfterReorgs(kind: "Stake" | "Redeem", count: number): Promise<void> {
  const deadline = Date.now() + 240_000;
  while (targets.some((target) => !target.done)) {
    assert.ok(Date.now() < deadline, `targets not reorganised: ${JSON.stringify(targets)}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  await new Promise((resolve) => setTimeout(resolve, 2000));
  await waitForProgressed(stack, kind, count, 240_000);
}

for (const [index, confirmations] of [0, 2].entries()) {
  test(
    `confirmations ${confirmations}: reorganised accepts, confirms and progresses are done again, once`,
    { timeout: 300_000 },
    async () => {
      executor = await startWith(confirmations, `reorg-${confirmations}`);
      const user = devWallet(2 + index);
      const before = reorgs.length;
      targets = [
        { chain: "origin", method: "acceptStakeRequest", depth: 1 },
        { chain: "auxiliary", method: "confirmStakeIntent", depth: 2 },
        { chain: "origin", method: "progressStake", depth: 3 },
      ];
      await requestStake(stack.net, user, { amount: parseEther("10"), beneficiary: user.address, ...terms });
      await completedAfterReorgs("Stake", index + 1);

      targets = [
        { chain: "auxiliary", method: "acceptRedeemRequest", depth: 3 },
        { chain: "origin", method: "confirmRedeemIntent", depth: 1 },
        { chain: "auxiliary", method: "progressRedeem", depth: 2 },
      ];
      await requestRedeem(stack.net, user, { amount: parseEther("4"), beneficiary: user.address, ...terms });
      await completedAfterReorgs("Redeem", index + 1);
      await executor.stop();
      executor = undefined;

      assert.equal(reorgs.length - before, 6, `every target was reorganised away: ${reorgs.join("; ")}`);
      const audit = await auditChains(
        { origin: provider("origin"), auxiliary: provider("auxiliary") },
        facilitator,
      );
      assert.deepEqual(audit.duplicates, [], "each effect once on the chains");
      assert.deepEqual(audit.reverted, [], "no reverted transaction");
    },
  );
}
