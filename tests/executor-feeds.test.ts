// The subscription feed and the polling feed, watching the same subgraphs in the same run while a
// stake is driven by hand, lead to the same decisions: for every pair of blocks both saw, the
// final heads included.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { parseEther, parseUnits } from "ethers";
import { devWallet, ROLE_INDEX } from "../devnet/accounts.ts";
import { decide, type Decision, type Policy } from "../executor/decide/index.ts";
import { ChangeFeed, type FeedMode } from "../executor/feed/change-feed.ts";
import { readIndexedState, SubgraphReader } from "../executor/feed/indexed-state.ts";
import { SUBGRAPH_NAMES } from "../subgraph/hosting.ts";
import { startExecutorStack, type ExecutorStack } from "./helpers/executor-stack.ts";
import {
  acceptStake,
  anchorOriginOnAuxiliary,
  progressStakeAndMint,
  proveAndConfirmStake,
  requestStake,
} from "./helpers/manual-flows.ts";

let stack: ExecutorStack;
const feeds: ChangeFeed[] = [];
/** Each watcher's decisions in progress, awaited before the stack stops under them. */
const pending: Array<() => Promise<void>> = [];

before(async () => {
  stack = await startExecutorStack();
  // This test anchors by hand; the stack's anchorer would race it for the owner's nonces.
  await stack.anchorer.stop();
});
after(async () => {
  for (const feed of feeds) await feed.stop();
  for (const idle of pending) await idle();
  await stack?.stop();
});

/** What a decision says, as comparable text. */
function summary(decision: Decision): string {
  return JSON.stringify({
    actions: decision.actions.map((action) => `${action.step}:${action.subject}`).sort(),
    skips: decision.skips.map((skip) => `${skip.reason}:${skip.subject}`).sort(),
  });
}

function watch(mode: FeedMode, policy: Policy): { decisions: Map<string, string>; errors: Error[] } {
  const readers = {
    origin: new SubgraphReader(stack.host.httpUrl(SUBGRAPH_NAMES.origin)),
    auxiliary: new SubgraphReader(stack.host.httpUrl(SUBGRAPH_NAMES.auxiliary)),
  };
  const decisions = new Map<string, string>();
  const errors: Error[] = [];
  let busy = Promise.resolve();
  const onBlock = () => {
    busy = busy
      .then(async () => {
        const snapshot = await readIndexedState(readers.origin, readers.auxiliary);
        if (!snapshot) return;
        const decided = summary(decide(snapshot.state, { intents: [], acceptances: [] }, policy));
        decisions.set(`${snapshot.blocks.origin.number}/${snapshot.blocks.auxiliary.number}`, decided);
      })
      .catch((error: Error) => void errors.push(error));
  };
  pending.push(() => busy);
  for (const chain of ["origin", "auxiliary"] as const) {
    const feed = new ChangeFeed({
      name: `${mode}-${chain}`,
      reader: readers[chain],
      wsUrl: mode === "polling" ? undefined : stack.host.wsUrl(SUBGRAPH_NAMES[chain]),
      mode,
      pollIntervalMs: 150,
      onBlock,
    });
    feed.start();
    feeds.push(feed);
  }
  return { decisions, errors };
}

test("subscriptions and polling reach the same decisions", { timeout: 120_000 }, async () => {
  const policy: Policy = {
    facilitator: devWallet(ROLE_INDEX.facilitator).address,
    gateway: stack.config.deployment.origin.contracts.gateway,
    coGateway: stack.config.deployment.auxiliary.contracts.coGateway,
    composer: stack.config.deployment.origin.contracts.ostComposer,
    redeemPool: stack.config.deployment.auxiliary.contracts.redeemPool,
    confirmations: { origin: 0n, auxiliary: 0n },
    minGasPrice: 0n,
    minGasLimit: 0n,
    anchoring: null,
    takeoverBlocks: 10n,
  };
  const subscribed = watch("subscriptions", policy);
  const polled = watch("polling", policy);
  const requested = await requestStake(stack.net, devWallet(2), {
    amount: parseEther("10"),
    beneficiary: devWallet(2).address,
    gasPrice: parseUnits("1", "gwei"),
    gasLimit: 200_000n,
  });
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const { stake } = await acceptStake(stack.net, requested);
  const { blockHeight } = await anchorOriginOnAuxiliary(stack.net);
  await proveAndConfirmStake(stack.net, stake, blockHeight);
  await progressStakeAndMint(stack.net, stake);
  await stack.host.syncAll();
  // Both feeds must reach the final heads before the comparison.
  const final = await readIndexedState(
    new SubgraphReader(stack.host.httpUrl(SUBGRAPH_NAMES.origin)),
    new SubgraphReader(stack.host.httpUrl(SUBGRAPH_NAMES.auxiliary)),
  );
  const finalKey = `${final!.blocks.origin.number}/${final!.blocks.auxiliary.number}`;
  const deadline = Date.now() + 15_000;
  while (!(subscribed.decisions.has(finalKey) && polled.decisions.has(finalKey)) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  assert.ok(subscribed.decisions.has(finalKey), `the subscription feed reached blocks ${finalKey}`);
  assert.ok(polled.decisions.has(finalKey), `the polling feed reached blocks ${finalKey}`);

  const common = [...subscribed.decisions.keys()].filter((key) => polled.decisions.has(key));
  assert.ok(common.length >= 2, `both feeds decided at ${common.length} common block pairs`);
  for (const key of common)
    assert.equal(polled.decisions.get(key), subscribed.decisions.get(key), `at blocks ${key}`);
  const acceptedOnce = [...subscribed.decisions.values()].some((text) =>
    text.includes(`acceptStake:${requested.stakeRequestHash.toLowerCase()}`),
  );
  assert.ok(acceptedOnce, "while the request was open, accepting it was decided");
  assert.deepEqual([...subscribed.errors, ...polled.errors], [], "every snapshot was read");
});
