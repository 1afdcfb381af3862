// A node that fails while a transaction is followed, or hangs: behind a JSON-RPC fault proxy, the
// follower keeps trying with a pause (and shows as stalled meanwhile) until the intent is confirmed;
// a read that hangs at the first RPC URL is answered by the second one.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { JsonRpcProvider } from "ethers";
import { connectChain } from "../chain/provider.ts";
import { mined } from "../chain/receipts.ts";
import { devWallet } from "../devnet/accounts.ts";
import { startAnvil, type AnvilChain } from "../devnet/anvil.ts";
import type { Books } from "../executor/bookkeeping/index.ts";
import { createLogger } from "../executor/observability/logger.ts";
import type { ExecutorMetrics } from "../executor/observability/metrics.ts";
import type { TransactionManager } from "../executor/transactions/tx-manager.ts";
import { startManagerChains, testGasPolicy, type ManagerChains } from "./helpers/manager-chains.ts";
import { startRpcFaultProxy, type RpcFaultProxy } from "../devnet/faults/rpc-fault-proxy.ts";

let books: Books;
let manager: TransactionManager;
let metrics: ExecutorMetrics;
let stack: ManagerChains | undefined;
const proxies: RpcFaultProxy[] = [];
let originProxy: RpcFaultProxy;

before(async () => {
  stack = await startManagerChains({
    chainIds: { origin: 4141, auxiliary: 4142 },
    gas: testGasPolicy(30_000),
    logger: createLogger({ level: "error", write: () => undefined }),
    rpcUrls: async (_name, rpcUrl) => {
      const proxy = await startRpcFaultProxy(rpcUrl);
      proxies.push(proxy);
      return [proxy.url];
    },
  });
  ({ books, manager, metrics } = stack);
  originProxy = proxies[0]!;
});

after(async () => {
  await stack?.stop();
  await Promise.all(proxies.map((proxy) => proxy.stop()));
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A payment of 1 wei on origin: the plainest transaction the manager can follow. */
const payout = (subject: string) => ({
  chain: "origin" as const,
  subject,
  step: "payout",
  to: devWallet(5).address,
  data: "0x",
  value: 1n,
});

async function stalledGauge(): Promise<number> {
  const metric = await metrics.followersStalled.get();
  return metric.values[0]?.value ?? 0;
}

test("receipts that fail for a while stall the follower, which retries until the intent is confirmed", async () => {
  const subject = "0x" + "e1".repeat(32);
  const FAILURES = 9;
  originProxy.fail("eth_getTransactionReceipt", "http500", FAILURES);
  const outcome = manager.send(payout(subject));
  let seenStalled: { stalled: number; lastError: string | null } | undefined;
  let gaugeStalled = 0;
  let settled = false;
  void outcome.finally(() => (settled = true)).catch(() => undefined);
  while (!settled && (seenStalled === undefined || gaugeStalled === 0)) {
    const health = manager.followerHealth();
    if (health.stalled > 0) seenStalled ??= health;
    if (seenStalled) gaugeStalled = Math.max(gaugeStalled, await stalledGauge());
    await sleep(20);
  }
  const result = await outcome;
  assert.equal(result.status, "confirmed", JSON.stringify(result));
  assert.equal(originProxy.failed("eth_getTransactionReceipt"), FAILURES, "every planned fault happened");
  assert.ok(seenStalled, "the follower showed as stalled while the receipts failed");
  assert.equal(seenStalled.stalled, 1);
  assert.match(seenStalled.lastError ?? "", /500/);
  assert.equal(gaugeStalled, 1, "the metric showed the stalled follower");
  assert.deepEqual(manager.followerHealth(), { stalled: 0, lastError: null });
  assert.equal(await stalledGauge(), 0);
  const [intent] = await books.intentsFor(subject);
  assert.equal(intent!.status, "confirmed");
});

test("a read that hangs at the first RPC URL is answered by the second within the timeout", async () => {
  const chain: AnvilChain = await startAnvil({ name: "hang", chainId: 4143 });
  const proxy = await startRpcFaultProxy(chain.rpcUrl);
  const provider = connectChain([proxy.url, chain.rpcUrl], chain.chainId, { timeoutMs: 500, retries: 0 });
  try {
    proxy.fail("eth_call", "hang");
    const result = await provider.call({ to: devWallet(5).address, data: "0x" });
    assert.equal(result, "0x");
    assert.equal(proxy.failed("eth_call"), 1, "the first URL was asked and did not answer");
    // The second URL answered last: the next read starts there.
    await provider.call({ to: devWallet(5).address, data: "0x" });
    assert.equal(proxy.seen("eth_call"), 1);
  } finally {
    provider.destroy();
    await proxy.stop();
    await chain.stop();
  }
});

/** A real receipt of a transaction mined just now: what a confused node might answer instead of ours. */
async function anotherReceipt(origin: JsonRpcProvider): Promise<Record<string, unknown>> {
  const other = await devWallet(6)
    .connect(origin)
    .sendTransaction({ to: devWallet(5).address, value: 1n });
  await mined(other);
  return (await origin.send("eth_getTransactionReceipt", [other.hash])) as Record<string, unknown>;
}

/**
 * Has the node answer a receipt with `forge(hash)` while that gives one (the node's own answer
 * otherwise); counts the receipts asked for and forged, and the raw transactions sent. `send`
 * reaches the node directly; `restore` ends the forging.
 */
function forgeReceipts(
  origin: JsonRpcProvider,
  forge: (hash: string) => Record<string, unknown> | undefined,
) {
  const original = origin.send;
  const send = original.bind(origin);
  const counts = { asked: 0, forged: 0, rawSends: 0 };
  origin.send = async (method: string, params: unknown[] | Record<string, unknown>) => {
    if (method === "eth_sendRawTransaction") counts.rawSends++;
    if (method !== "eth_getTransactionReceipt") return send(method, params);
    counts.asked++;
    const forged = forge((params as string[])[0]!);
    if (forged === undefined) return send(method, params);
    counts.forged++;
    return forged;
  };
  return { send, counts, restore: () => (origin.send = original) };
}

test("a receipt of another transaction, or naming a block that does not hold ours, is not taken for mined", async () => {
  const origin = stack!.providers.origin;
  const otherReceipt = await anotherReceipt(origin);
  await origin.send("evm_setAutomine", [false]);
  const subject = "0x" + "e3".repeat(32);
  let forged: (hash: string) => Record<string, unknown> | undefined = () => otherReceipt;
  const { counts, restore } = forgeReceipts(origin, (hash) => forged(hash));
  try {
    const outcome = manager.send(payout(subject));
    const intentStatus = async () => (await books.intentsFor(subject))[0]?.status;
    // The follower looks again while it has not settled the intent.
    const looks = async (count: number) => {
      const [start, deadline] = [counts.asked, Date.now() + 15_000];
      while (counts.asked < start + count) {
        assert.ok(
          Date.now() < deadline,
          `the follower stopped looking; the intent is ${await intentStatus()}`,
        );
        await sleep(50);
      }
    };
    await looks(3);
    assert.equal(await intentStatus(), "sent", "another transaction's receipt is not ours");
    // Ours, it says, in the other transaction's block: that block does not hold it.
    forged = (hash) => ({ ...otherReceipt, transactionHash: hash });
    await looks(3);
    assert.equal(await intentStatus(), "sent", "a block that does not hold ours");
    restore();
    await origin.send("evm_mine", []);
    const result = await outcome;
    assert.equal(result.status, "confirmed", JSON.stringify(result));
    const mined = await origin.getTransactionReceipt((result as { hash: string }).hash);
    assert.equal((result as { block: number }).block, mined!.blockNumber);
    assert.notEqual(mined!.blockNumber, Number(otherReceipt.blockNumber));
  } finally {
    restore();
    await origin.send("evm_setAutomine", [true]);
  }
});

/**
 * A payout followed until mined (automine off; two blocks on top confirm it), then one more block
 * while the node's receipts are `forged`; once the follower has looked five times, `check` gets the
 * intent's status and the raw sends since it was mined. Then the node answers again; the outcome.
 */
async function forgedWhileMined(
  subject: string,
  forged: Record<string, unknown> | null,
  check: (status: string | undefined, sendsSinceMined: number) => void,
) {
  const { providers, senders } = stack!;
  const origin = providers.origin;
  await origin.send("evm_setAutomine", [false]);
  senders.origin.confirmations = 2;
  let forging = false;
  const { send, counts, restore } = forgeReceipts(origin, () =>
    forging ? (forged as Record<string, unknown>) : undefined,
  );
  try {
    const outcome = manager.send(payout(subject));
    const intent = async () => (await books.intentsFor(subject))[0];
    while ((await intent())?.status !== "sent") await sleep(50);
    await send("evm_mine", []);
    while ((await intent())?.status !== "mined") await sleep(50);
    const sends = counts.rawSends;
    forging = true;
    await send("evm_mine", []);
    const deadline = Date.now() + 15_000;
    while (counts.forged < 5) {
      assert.ok(Date.now() < deadline, "the follower stopped looking");
      await sleep(50);
    }
    check((await intent())?.status, counts.rawSends - sends);
    forging = false;
    const result = await outcome;
    assert.equal(result.status, "confirmed", JSON.stringify(result));
    assert.equal((result as { block: number }).block, Number((await intent())?.minedBlock));
  } finally {
    restore();
    senders.origin.confirmations = 1;
    await send("evm_setAutomine", [true]);
  }
}

test("a mined intent stays mined while the node answers another transaction's receipt", async () => {
  const otherReceipt = await anotherReceipt(stack!.providers.origin);
  await forgedWhileMined("0x" + "e4".repeat(32), otherReceipt, (status) =>
    assert.equal(status, "mined", "another transaction's receipt does not unmine ours"),
  );
});

test("a mined intent stays mined while the node has no receipt of it but its block holds it", async () => {
  // With several RPC URLs the answer may come from a node that has the block and has not indexed
  // its receipts yet: that is no reorganisation.
  await forgedWhileMined("0x" + "e6".repeat(32), null, (status, sends) => {
    assert.equal(status, "mined", "a missing receipt whose block holds it does not unmine it");
    assert.equal(sends, 0, "nothing was sent again");
  });
});

test("a receipt naming a block the chain no longer has is not mined: the transaction the node lost is sent again", async () => {
  const origin = stack!.providers.origin;
  const otherReceipt = await anotherReceipt(origin);
  await origin.send("evm_setAutomine", [false]);
  const subject = "0x" + "e5".repeat(32);
  let forging = true;
  // Ours, says the node, in a block at the other transaction's height that is not the chain's
  // block there (a branch a reorganisation left), while it has lost the transaction itself.
  const leftBlock = "0x" + "ab".repeat(32);
  const { send, counts, restore } = forgeReceipts(origin, (hash) =>
    forging ? { ...otherReceipt, transactionHash: hash, blockHash: leftBlock } : undefined,
  );
  try {
    const outcome = manager.send(payout(subject));
    const intent = async () => (await books.intentsFor(subject))[0];
    while ((await intent())?.status !== "sent") await sleep(50);
    await send("anvil_dropTransaction", [(await intent())!.attempts[0]!.hash]);
    const sentBefore = counts.rawSends;
    const deadline = Date.now() + 40_000;
    while (counts.rawSends === sentBefore) {
      assert.ok(
        Date.now() < deadline,
        `not sent again after ${counts.forged} receipts naming a block off the chain; the intent is ${(await intent())?.status}`,
      );
      await sleep(100);
    }
    assert.equal(
      (await intent())?.status,
      "sent",
      "a receipt in a block off the chain is not taken as mined",
    );
    forging = false;
    await send("evm_mine", []);
    const result = await outcome;
    assert.equal(result.status, "confirmed", JSON.stringify(result));
    const receipt = await origin.getTransactionReceipt((result as { hash: string }).hash);
    assert.equal((result as { block: number }).block, receipt!.blockNumber);
  } finally {
    restore();
    await origin.send("evm_setAutomine", [true]);
  }
});
