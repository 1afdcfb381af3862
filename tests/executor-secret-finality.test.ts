// The unlock secret is revealed only over a final confirmation: with 5 confirmations configured on
// both chains and the blocks mined by hand, neither progressStake nor progressMint goes out while
// the confirmStakeIntent on auxiliary has fewer than 5 blocks on top of it; with the fifth, both do.
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { after, before, test } from "node:test";
import { parseEther, parseUnits } from "ethers";
import { bindAuxiliary } from "../chain/mosaic-contracts.ts";
import { devWallet } from "../devnet/accounts.ts";
import { readConfig } from "../executor/config.ts";
import { createLogger } from "../executor/observability/logger.ts";
import { createMetrics } from "../executor/observability/metrics.ts";
import type { RunningExecutor } from "../executor/service-api.ts";
import { startExecutor } from "../executor/service.ts";
import { SUBGRAPH_NAMES } from "../subgraph/hosting.ts";
import {
  KEYSTORE_PASSWORD,
  SECRETS_PASSPHRASE,
  startExecutorStack,
  type ExecutorStack,
} from "./helpers/executor-stack.ts";
import { waitForProgressed } from "./helpers/executor-watch.ts";
import { graphql } from "./helpers/graphql-client.ts";
import { requestStake } from "./helpers/manual-flows.ts";

const CONFIRMATIONS = 5;
const DECLARED = 1n; // MessageBus status
const PROGRESS_STEPS = ["progressStake", "progressMint"];
let stack: ExecutorStack;
let executor: RunningExecutor;
let mining = true;
/** Auxiliary blocks: mined by the miner until the confirmation (free), then by hand, then freely again. */
let auxiliaryBlocks: "free" | "byHand" | "released" = "free";
let messageHash: string | undefined;
let miner: Promise<void> | undefined;

const providers = () => [stack.net.origin.provider, stack.net.auxiliary.provider];

/** The stake's message hash once the origin subgraph shows it (it may not have started syncing yet). */
async function stakeMessageHash(): Promise<string | undefined> {
  const data = await graphql<{ messages: { id: string }[] }>(
    stack.host.httpUrl(SUBGRAPH_NAMES.origin),
    `
      {
        messages(where: { kind: Stake, box: Outbox }) {
          id
        }
      }
    `,
  ).catch(() => ({ messages: [] }));
  return data.messages[0]?.id;
}

/** Origin mines freely; auxiliary until the message is confirmed in its inbox, then only by hand. */
async function mine(): Promise<void> {
  const coGateway = bindAuxiliary(stack.net.deployment, stack.net.auxiliary.provider).coGateway;
  while (mining) {
    await stack.net.origin.provider.send("evm_mine", []);
    messageHash ??= await stakeMessageHash();
    if (auxiliaryBlocks === "free" && messageHash !== undefined) {
      if ((await coGateway.getInboxMessageStatus(messageHash)) === DECLARED) auxiliaryBlocks = "byHand";
    }
    if (auxiliaryBlocks !== "byHand") await stack.net.auxiliary.provider.send("evm_mine", []);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

async function progressIntents(): Promise<string[]> {
  if (messageHash === undefined) return [];
  return (await executor.books.intentsFor(messageHash))
    .filter((intent) => PROGRESS_STEPS.includes(intent.step))
    .map((intent) => `${intent.step} ${intent.status}`);
}

before(async () => {
  stack = await startExecutorStack();
  const base = JSON.parse(readFileSync(stack.configFile, "utf8")) as {
    chains: Record<string, Record<string, unknown>>;
  };
  for (const chain of Object.values(base.chains)) chain.confirmations = CONFIRMATIONS;
  const file = path.join(stack.dir, "confirmations.json");
  writeFileSync(file, JSON.stringify(base));
  await Promise.all(providers().map((provider) => provider.send("evm_setAutomine", [false])));
  miner = mine();
  executor = await startExecutor(
    readConfig(file),
    { keystorePassword: KEYSTORE_PASSWORD, secretsPassphrase: SECRETS_PASSPHRASE },
    { logger: createLogger({ level: "warn", write: () => undefined }), metrics: createMetrics() },
  );
});
after(async () => {
  await executor?.stop();
  mining = false;
  await miner?.catch(() => undefined);
  if (stack) {
    await Promise.all(providers().map((provider) => provider.send("evm_setAutomine", [true])));
    await Promise.all(providers().map((provider) => provider.send("evm_mine", [])));
  }
  await stack?.stop();
});

test(
  "progress waits for the confirmation to have the target chain's confirmations on top",
  { timeout: 300_000 },
  async () => {
    const user = devWallet(2);
    const requesting = requestStake(stack.net, user, {
      amount: parseEther("10"),
      beneficiary: user.address,
      gasPrice: parseUnits("1", "gwei"),
      gasLimit: 200_000n,
    });
    await requesting;
    const deadline = Date.now() + 180_000;
    while (auxiliaryBlocks === "free") {
      if (Date.now() > deadline) throw new Error("the stake was not confirmed on auxiliary");
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const auxiliary = stack.net.auxiliary.provider;
    const confirmedAt = await auxiliary.getBlockNumber();
    for (let onTop = 1; onTop < CONFIRMATIONS; onTop++) {
      await auxiliary.send("evm_mine", []);
      // Time for the indexer to index the block and the executor to decide on it, more than once.
      await new Promise((resolve) => setTimeout(resolve, 3000));
      assert.deepEqual(
        await progressIntents(),
        [],
        `nothing reveals the secret with ${onTop} of ${CONFIRMATIONS} blocks on top of block ${confirmedAt}`,
      );
    }
    auxiliaryBlocks = "released";
    await waitForProgressed(stack, "Stake", 1);
    const sent = (await progressIntents()).map((intent) => intent.split(" ")[0]);
    assert.deepEqual(sent.sort(), ["progressMint", "progressStake"], "each side sent once");
  },
);
