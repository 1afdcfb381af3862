// The reorganisation watch behind a node that fails some requests: a receipt lookup that fails
// leaves that intent for the next look and does not stop the look at the intents after it. A look
// that gave up at the first failure, behind the fault suite's proxies (20% of requests failed), seldom
// reached the newest confirmed intents before they left the watched window, and a confirmation a
// reorganisation took out stayed undone for good (the fault suite's redeem that never completed).
import assert from "node:assert/strict";
import { test } from "node:test";
import type { JsonRpcProvider, TransactionReceipt, Wallet } from "ethers";
import type { Books } from "../executor/bookkeeping/index.ts";
import type { IntentKey, IntentRecord } from "../executor/bookkeeping/records.ts";
import type { GasPolicy } from "../executor/config.ts";
import { createLogger } from "../executor/observability/logger.ts";
import { createMetrics } from "../executor/observability/metrics.ts";
import { ReorgWatch } from "../executor/transactions/reorg-watch.ts";
import type { ChainSender } from "../executor/transactions/sending.ts";

const CHAIN_ID = 1515;

function confirmed(id: number, minedHash: string): IntentRecord {
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
    minedBlock: 90n,
    errorKind: null,
    errorMessage: null,
    failures: 0,
    nextAttemptAt: null,
    createdAt: now,
    updatedAt: now,
  };
}

test("a receipt lookup that fails does not keep the watch from the intents after it", async () => {
  const failing = confirmed(1, "0xaa");
  const reorganised = confirmed(2, "0xbb");
  const stillMined = confirmed(3, "0xcc");
  const unmined: string[] = [];
  const books = {
    confirmedSince: async () =>
      [failing, reorganised, stillMined].filter((intent) => !unmined.includes(intent.minedHash!)),
    markUnmined: async (hash: string) => void unmined.push(hash),
  } as unknown as Books;
  const lookups: string[] = [];
  let lookupFails = true;
  const provider = {
    getBlockNumber: async () => 100,
    getTransactionReceipt: async (hash: string) => {
      lookups.push(hash);
      if (hash === failing.minedHash && lookupFails) throw new Error("HTTP 500 from the node");
      return hash === stillMined.minedHash ? ({ blockNumber: 90 } as TransactionReceipt) : null;
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
