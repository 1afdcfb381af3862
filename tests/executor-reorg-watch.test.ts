// The reorganisation watch behind a node that fails some requests: a receipt lookup that fails
// leaves that intent for the next look and does not stop the look at the intents after it. A look
// that gave up at the first failure, behind the fault suite's proxies (20% of requests failed), seldom
// reached the newest confirmed intents before they left the watched window, and a confirmation a
// reorganisation took out stayed undone for good (the fault suite's redeem that never completed).
// And after a start, the first looks reach back below the blocks the last run had seen: a
// transaction taken out while the executor was away may be deeper than the window by then.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { JsonRpcProvider, TransactionReceipt, Wallet } from "ethers";
import type { Books } from "../executor/bookkeeping/index.ts";
import type { IntentKey, IntentRecord } from "../executor/bookkeeping/records.ts";
import type { GasPolicy } from "../executor/config.ts";
import { createLogger } from "../executor/observability/logger.ts";
import { createMetrics } from "../executor/observability/metrics.ts";
import {
  REORG_WINDOW_BLOCKS,
  ReorgWatch,
  type LastSeenBlocks,
} from "../executor/transactions/reorg-watch.ts";
import type { ChainSender } from "../executor/transactions/sending.ts";

const CHAIN_ID = 1515;

function confirmed(id: number, minedHash: string, minedBlock = 90n): IntentRecord {
  const now = new Date();
  return {
    id,
    subject: `0x${id.toString(16).padStart(64, "0")}`,
    step: "confirmRedeemIntent",
    chainId: CHAIN_ID,
    status: "confirmed",
    target: "0x0000000000000000000000000000000000000001",
    calldata: "0x",
    value: 0n,
    minedHash,
    minedBlock,
    errorKind: null,
    errorMessage: null,
    failures: 0,
    nextAttemptAt: null,
    createdAt: now,
    updatedAt: now,
  };
}

/** The chain's block hash at a height, in these tests. */
const blockHashAt = (number: number) => `0x${number.toString(16).padStart(64, "b")}`;

/** A receipt of `hash` in the chain's block at `blockNumber` (or in another block of that height). */
function receiptOf(
  hash: string,
  blockNumber: number,
  blockHash = blockHashAt(blockNumber),
): TransactionReceipt {
  return { hash, blockNumber, blockHash } as TransactionReceipt;
}

/**
 * A watch over one chain at `head`, on books holding `intents`; receipts from `receipt`. The
 * chain's block at a height holds the intents the node gives a receipt of there, and those of
 * `heldWithoutReceipt` (the node's receipt index behind its blocks); `missingBlocks` are not known
 * yet.
 */
function watchOver(
  intents: IntentRecord[],
  head: number,
  receipt: (hash: string) => TransactionReceipt | null,
  lastSeen: LastSeenBlocks = {},
  missingBlocks: number[] = [],
  heldWithoutReceipt: string[] = [],
) {
  const unmined: string[] = [];
  const lookups: string[] = [];
  const holds = (hash: string, number: number) => {
    try {
      return receipt(hash)?.blockNumber === number;
    } catch {
      return true; // a lookup that fails says nothing of the chain
    }
  };
  const books = {
    confirmedSince: async (_chainId: number, from: bigint) =>
      intents.filter((intent) => intent.minedBlock! >= from && !unmined.includes(intent.minedHash!)),
    markUnmined: async (hash: string) => void unmined.push(hash),
  } as unknown as Books;
  const provider = {
    getBlockNumber: async () => head,
    getTransactionReceipt: async (hash: string) => {
      lookups.push(hash);
      return receipt(hash);
    },
    getBlock: async (number: number) =>
      missingBlocks.includes(number)
        ? null
        : {
            hash: blockHashAt(number),
            transactions: intents
              .filter((intent) => Number(intent.minedBlock) === number)
              .map((intent) => intent.minedHash!)
              .filter((hash) => heldWithoutReceipt.includes(hash) || holds(hash, number)),
          },
  } as unknown as JsonRpcProvider;
  const sender: ChainSender = {
    name: "origin",
    chainId: CHAIN_ID,
    provider,
    wallet: {} as Wallet,
    confirmations: 0,
  };
  const metrics = createMetrics();
  const reopened: IntentKey[] = [];
  const watch = new ReorgWatch(
    {
      books,
      senders: { origin: sender } as Record<"origin" | "auxiliary", ChainSender>,
      gas: {} as GasPolicy,
      logger: createLogger({ level: "error", write: () => undefined }),
      metrics,
    },
    (intent) => void reopened.push(intent),
    lastSeen,
  );
  return { watch, unmined, lookups, reopened, metrics };
}

test("a receipt lookup that fails does not keep the watch from the intents after it", async () => {
  const failing = confirmed(1, "0xaa");
  const reorganised = confirmed(2, "0xbb");
  const stillMined = confirmed(3, "0xcc");
  let lookupFails = true;
  const { watch, unmined, lookups, reopened, metrics } = watchOver(
    [failing, reorganised, stillMined],
    100,
    (hash) => {
      if (hash === failing.minedHash && lookupFails) throw new Error("HTTP 500 from the node");
      return hash === stillMined.minedHash ? receiptOf(hash, 90) : null;
    },
  );

  assert.equal(await watch.check(), 1);
  assert.deepEqual(lookups, ["0xaa", "0xbb", "0xcc"], "every intent looked at");
  assert.deepEqual(unmined, ["0xbb"]);
  assert.deepEqual(reopened, [{ subject: reorganised.subject, step: reorganised.step }]);
  assert.match(await metrics.registry.metrics(), /errors_total\{kind="reorgWatch"\} 1/);

  // The next look takes up the intent whose lookup failed (its receipt is gone too).
  lookupFails = false;
  assert.equal(await watch.check(), 1);
  assert.deepEqual(unmined, ["0xbb", "0xaa"]);
});

test("after a start the first look reaches below the blocks the last run had seen, then the window", async () => {
  const head = 1000;
  // Taken out while the executor was away, at block 500; the last run had seen block 520.
  const away = confirmed(1, "0xaa", 500n);
  const older = confirmed(2, "0xbb", 400n); // below what the last run had seen, less the window
  const recent = confirmed(3, "0xcc", BigInt(head - 10));
  const gone = (hash: string) => (hash === recent.minedHash ? receiptOf(hash, head - 10) : null);

  const fresh = watchOver([away, older, recent], head, gone);
  assert.equal(await fresh.watch.check(), 0, "a watch without a last seen block looks at the window only");
  assert.deepEqual(fresh.lookups, ["0xcc"]);

  const restarted = watchOver([away, older, recent], head, gone, { origin: 520n });
  assert.equal(await restarted.watch.check(), 1);
  assert.ok(520 - REORG_WINDOW_BLOCKS > 400 && 520 - REORG_WINDOW_BLOCKS <= 500);
  assert.deepEqual(restarted.lookups, ["0xaa", "0xcc"]);
  assert.deepEqual(restarted.reopened, [{ subject: away.subject, step: away.step }]);
  // A look that went through: the next ones watch the window only.
  restarted.lookups.length = 0;
  restarted.unmined.length = 0; // the books show it confirmed at block 500 again
  assert.equal(await restarted.watch.check(), 0);
  assert.deepEqual(restarted.lookups, ["0xcc"]);
});

test("a receipt naming a block the chain no longer has at its height is a reorganisation", async () => {
  // The node's receipt index still names the block a reorganisation took out (or the answer came
  // from a node on the other branch): the chain's block 90 is another one.
  const orphaned = confirmed(1, "0xaa");
  const kept = confirmed(2, "0xbb");
  const { watch, unmined, reopened } = watchOver([orphaned, kept], 100, (hash) =>
    hash === orphaned.minedHash ? receiptOf(hash, 90, `0x${"e".repeat(64)}`) : receiptOf(hash, 90),
  );
  assert.equal(await watch.check(), 1);
  assert.deepEqual(unmined, ["0xaa"]);
  assert.deepEqual(reopened, [{ subject: orphaned.subject, step: orphaned.step }]);
});

test("a receipt the node cannot place leaves the intent as it is, and the next look reaches back again", async () => {
  const head = 1000;
  const answeredOther = confirmed(1, "0xaa", 500n); // the node answers another transaction's receipt
  const blockNotYet = confirmed(2, "0xbb", 501n); // the receipt's block is not on this node yet
  const blockWithout = confirmed(3, "0xcc", 502n); // the receipt's block does not hold it
  const receipts: Record<string, TransactionReceipt> = {
    "0xaa": receiptOf("0xdd", 500),
    "0xbb": receiptOf("0xbb", 501),
    "0xcc": receiptOf("0xcc", 503),
  };
  const { watch, unmined, lookups, reopened } = watchOver(
    [answeredOther, blockNotYet, blockWithout],
    head,
    (hash) => receipts[hash] ?? null,
    { origin: 520n },
    [501],
  );
  assert.equal(await watch.check(), 0);
  assert.deepEqual(unmined, []);
  assert.deepEqual(reopened, []);
  assert.deepEqual(lookups, ["0xaa", "0xbb", "0xcc"]);
  // Nothing settled, so the look did not go through: the next one reaches below the window again.
  lookups.length = 0;
  assert.equal(await watch.check(), 0);
  assert.deepEqual(lookups, ["0xaa", "0xbb", "0xcc"]);
});

test("no receipt from a node that has not reached the mined block, or whose block still holds it, is no reorganisation", async () => {
  // With several RPC URLs the answer may come from a node behind the one that saw the transaction
  // mined: no block at that height yet, or the block without the receipt indexed yet.
  const behind = confirmed(1, "0xaa", 501n);
  const indexing = confirmed(2, "0xbb", 502n);
  const gone = confirmed(3, "0xcc", 503n);
  const { watch, unmined, reopened } = watchOver(
    [behind, indexing, gone],
    1000,
    () => null,
    { origin: 520n },
    [501],
    ["0xbb"],
  );
  assert.equal(await watch.check(), 1);
  assert.deepEqual(unmined, ["0xcc"]);
  assert.deepEqual(reopened, [{ subject: gone.subject, step: gone.step }]);
});
