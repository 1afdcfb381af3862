// indexer/ingest: eth_getLogs ranges sized by a log count (log-ranges.ts), and the next range's
// logs read while the current range's blocks are handled (subgraph-indexer.ts), with the same
// entity changes as ranges read one after the other. (Reorganisations during those reads:
// indexer-ingest-reorg.test.ts.)
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { connectChain } from "../chain/provider.ts";
import { FIRST_USER_INDEX } from "../devnet/accounts.ts";
import { AnswerTooLargeError, MAX_ANSWER_BYTES } from "../chain/http-transport.ts";
import { startDevNetwork, type DevNetwork } from "../devnet/network.ts";
import { closeSubgraph, openSubgraph } from "../indexer/host.ts";
import { ChainReader, type LogQuery } from "../indexer/ingest/chain-reader.ts";
import { AdaptiveRange } from "../indexer/ingest/log-ranges.ts";
import { SubgraphIndexer } from "../indexer/ingest/subgraph-indexer.ts";
import type { BlockPointer, EntityChange } from "../indexer/store/types.ts";
import { generateMosaicTraffic } from "../bench/mosaic-traffic.ts";
import { RecordedChain } from "../bench/log-replay.ts";
import { builtSubgraphs } from "../subgraph/cached-build.ts";
import { mosaicSubgraphs } from "../subgraph/hosting.ts";

test("the next range holds about the target count of logs at the last answer's density", () => {
  const range = new AdaptiveRange({ initial: 40, targetLogs: 1_000 });
  assert.equal(range.blocks, 40);
  range.succeeded(1_000, 40); // on target: unchanged
  assert.equal(range.blocks, 40);
  range.succeeded(4_000, 40); // 100 logs a block: 10 blocks hold 1,000
  assert.equal(range.blocks, 10);
  range.succeeded(800, 10); // 80 logs a block
  assert.equal(range.blocks, 12);
  range.succeeded(0, 12); // no logs: grows, twice at most
  assert.equal(range.blocks, 24);
  range.succeeded(100_000, 24); // denser than a block can hold: the minimum
  assert.equal(range.blocks, 1);
  const capped = new AdaptiveRange({ initial: 5_000, max: 8_000 });
  capped.succeeded(0, 5_000);
  assert.equal(capped.blocks, 8_000);
});

test("a range whose answer the transport refused as too large is asked for again in half", () => {
  const range = new AdaptiveRange({ initial: 80 });
  assert.equal(range.failed(new AnswerTooLargeError(MAX_ANSWER_BYTES)), true);
  assert.equal(range.blocks, 40);
});

let net: DevNetwork;
before(async () => {
  net = await startDevNetwork({ accounts: FIRST_USER_INDEX + 6 });
});
after(async () => {
  await net?.stop();
});

/** Indexes the recorded chain in ranges of about `targetLogs` logs (4 blocks at most), noting each read and handling. */
async function index(recorded: RecordedChain, targetLogs: number, readAheadLogs?: number) {
  const [origin] = mosaicSubgraphs(net.deployment, await builtSubgraphs(), ":memory:");
  const opened = openSubgraph(origin!, {});
  const events: string[] = [];
  const writes: { block: BlockPointer; changes: EntityChange[] }[] = [];
  const chain = Object.create(recorded) as RecordedChain;
  chain.logs = async (query: LogQuery) => {
    const logs = await recorded.logs(query);
    events.push(`logs ${query.fromBlock}-${query.toBlock}: ${logs.length}`);
    return logs;
  };
  const process = opened.runtime.processBlockInTurns.bind(opened.runtime);
  opened.runtime.processBlockInTurns = (block, logs, ...rest) => {
    events.push(`handle ${Number(block.number)}`);
    return process(block, logs, ...rest);
  };
  const apply = opened.store.applyBlock.bind(opened.store);
  opened.store.applyBlock = (block, changes) => {
    writes.push({ block, changes });
    apply(block, changes);
  };
  try {
    await new SubgraphIndexer({
      runtime: opened.runtime,
      store: opened.store,
      chain,
      range: { initial: 1, max: 4, targetLogs },
      readAheadLogs,
    }).syncToHead();
    assert.equal(opened.store.failure(), null);
    return { events, writes };
  } finally {
    await closeSubgraph(opened);
  }
}

test(
  "the next range's logs are read while the current range is handled, with the same changes",
  { timeout: 240_000 },
  async () => {
    await generateMosaicTraffic(net, { targetEvents: 120, users: 6, progress: () => {} });
    const [origin] = mosaicSubgraphs(net.deployment, await builtSubgraphs(), ":memory:");
    const opened = openSubgraph(origin!, {});
    const provider = connectChain(origin!.rpcUrl, origin!.chainId);
    const reader = new ChainReader(provider);
    // Every block is a range of its own here, so every block is recorded (any may end a range).
    const [start, head] = [opened.runtime.logFilter().startBlock, await reader.head()];
    const blocks = Array.from({ length: head - start + 1 }, (_, k) => ({
      fromBlock: start + k,
      toBlock: start + k,
    }));
    const recorded = await RecordedChain.record(reader, opened.runtime, blocks);
    provider.destroy();
    await closeSubgraph(opened);

    const overlapped = await index(recorded, 40);
    const trace = overlapped.events.join(", ");
    const ranges = rangesOf(overlapped.events);
    assert.ok(ranges.length >= 3, `several ranges: ${trace}`);
    assert.ok(
      ranges.some((range) => range.handled.length >= 2),
      `a range with two blocks with logs: ${trace}`,
    );
    // A range's successor is read before that range's last block with logs is handled.
    assert.ok(
      ranges.some(
        (range, k) => range.handled.length >= 2 && (ranges[k + 1]?.at ?? Infinity) < range.handled.at(-1)!,
      ),
      trace,
    );

    // Ranges are read ahead of the one handled while the logs waiting in them are few: the range
    // after next is read before this range's first block with logs is handled.
    const twoAhead = (readRanges: ReturnType<typeof rangesOf>) =>
      readRanges.some((range, k) => (readRanges[k + 2]?.at ?? Infinity) < (range.handled[0] ?? -1));
    assert.ok(twoAhead(ranges), trace);
    const oneAhead = await index(recorded, 40, 0);
    assert.ok(!twoAhead(rangesOf(oneAhead.events)), oneAhead.events.join(", "));
    assert.deepEqual(oneAhead.writes, overlapped.writes);

    const sequential = await index(recorded, 1_000_000);
    assert.deepEqual(overlapped.writes, sequential.writes);
  },
);

/** Each range read, with the position of its read and the positions of its blocks handled. */
function rangesOf(events: string[]): { at: number; handled: number[] }[] {
  return events.flatMap((event, at) => {
    const read = /^logs (\d+)-(\d+)/.exec(event);
    if (!read) return [];
    const [from, to] = [Number(read[1]), Number(read[2])];
    const handled = events.flatMap((other, position) => {
      const number = Number(/^handle (\d+)$/.exec(other)?.[1] ?? -1);
      return number >= from && number <= to ? [position] : [];
    });
    return [{ at, handled }];
  });
}
