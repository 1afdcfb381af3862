// A range that reaches the head while indexing a backlog: its blocks before the head are held for
// one commit, as behind the head, and the head block is committed on its own (a crash loses at
// most a range, as anywhere behind the head). A range of only the head block holds nothing.
// A chain and a runtime made up here, and a real SQLite store whose commits are recorded.
import assert from "node:assert/strict";
import { test } from "node:test";
import { toPointer, type ChainSource, type LogQuery } from "../indexer/ingest/chain-reader.ts";
import { SubgraphIndexer } from "../indexer/ingest/subgraph-indexer.ts";
import type { RawBlock, RawLog } from "../indexer/runtime/chain-data.ts";
import type { SubgraphRuntime } from "../indexer/runtime/subgraph-runtime.ts";
import { parseSubgraphSchema } from "../indexer/schema/index.ts";
import { openSqliteStore } from "../indexer/store/index.ts";

const ADDRESS = "0x00000000000000000000000000000000000000a1";
const TOPIC = `0x${"77".repeat(32)}`;
const hashOf = (number: number) => `0x${number.toString(16).padStart(64, "0")}`;

function block(number: number): RawBlock {
  return {
    number: `0x${number.toString(16)}`,
    hash: hashOf(number + 0x1000),
    parentHash: hashOf(number + 0x1000 - 1),
    sha3Uncles: hashOf(0),
    miner: ADDRESS,
    stateRoot: hashOf(0),
    transactionsRoot: hashOf(0),
    receiptsRoot: hashOf(0),
    gasUsed: "0x0",
    gasLimit: "0x0",
    timestamp: `0x${(1000 + number).toString(16)}`,
    transactions: [],
  };
}

/** Blocks 0 to `head`, one log in each from block 1 on (block 0, without logs, is not applied). */
function chain(head: () => number): ChainSource {
  const log = (number: number): RawLog => ({
    address: ADDRESS,
    topics: [TOPIC],
    data: "0x",
    blockNumber: `0x${number.toString(16)}`,
    blockHash: block(number).hash,
    transactionHash: hashOf(number),
    transactionIndex: "0x0",
    logIndex: "0x0",
  });
  return {
    head: async () => head(),
    block: async (number: number) => (number <= head() ? block(number) : null),
    pointer: async (number: number) => (number <= head() ? toPointer(block(number)) : null),
    logs: async ({ fromBlock, toBlock }: LogQuery) => {
      const logs: RawLog[] = [];
      for (let number = Math.max(1, fromBlock); number <= Math.min(toBlock, head()); number++)
        logs.push(log(number));
      return logs;
    },
  } as ChainSource;
}

/** Handles every block with no writes. */
const runtime = {
  logFilter: () => ({ addresses: [ADDRESS], topics: [TOPIC], startBlock: 0 }),
  processBlockInTurns: () => Promise.resolve([]),
} as unknown as SubgraphRuntime;

/** Indexes to the head, recording holds, commits and applied blocks in order. */
function recordedStore() {
  const store = openSqliteStore({
    file: ":memory:",
    schema: parseSubgraphSchema("type Thing @entity { id: ID! }"),
    deployment: "head-range-commits",
  });
  const events: string[] = [];
  const hold = store.holdCommits!.bind(store);
  const commit = store.commitBlocks!.bind(store);
  const apply = store.applyBlock.bind(store);
  store.holdCommits = () => (events.push("hold"), hold());
  store.commitBlocks = () => (events.push("commit"), commit());
  store.applyBlock = (pointer, changes) => (events.push(`apply ${pointer.number}`), apply(pointer, changes));
  return { store, events };
}

/** Whether each applied block was applied while held (after a hold, before its commit). */
function heldByBlock(events: string[]): Map<number, boolean> {
  let held = false;
  const applied = new Map<number, boolean>();
  for (const event of events) {
    if (event === "hold") held = true;
    else if (event === "commit") held = false;
    else applied.set(Number(event.slice("apply ".length)), held);
  }
  return applied;
}

test("a range reaching the head holds its blocks before the head, and commits the head block alone", async () => {
  const { store, events } = recordedStore();
  const indexer = new SubgraphIndexer({ runtime, store, chain: chain(() => 9), range: { initial: 100 } });
  assert.equal((await indexer.syncToHead())?.number, 9);
  const held = heldByBlock(events);
  assert.deepEqual([...held.keys()], [1, 2, 3, 4, 5, 6, 7, 8, 9]);
  for (const [number, wasHeld] of held) assert.equal(wasHeld, number < 9, `block ${number} held: ${wasHeld}`);
  // The held blocks are committed before the head block is applied.
  assert.ok(events.indexOf("commit") < events.indexOf("apply 9"), events.join(", "));
  store.close();
});

test("at the head, a new block is applied and committed on its own", async () => {
  const { store, events } = recordedStore();
  let head = 3;
  const indexer = new SubgraphIndexer({ runtime, store, chain: chain(() => head), range: { initial: 100 } });
  await indexer.syncToHead();
  events.length = 0;
  head = 4;
  assert.equal((await indexer.syncToHead())?.number, 4);
  assert.deepEqual([...heldByBlock(events)], [[4, false]]);
  store.close();
});
