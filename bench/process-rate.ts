// The processing rate: each subgraph indexed again from scratch, into a fresh SQLite file, from
// the logs and blocks of the timed run held in memory, so the node's answers are not timed (as
// Ponder's and graph-node's benchmarks count). The answers to the calls the manifests declare are
// held with them (the indexer makes those calls early, with the range's logs); any other contract
// call of a handler still goes to the node.
// Each subgraph is indexed with a fresh module instance per trigger, then `REUSED_RUNS` times with
// reused ones, and every entity change of each reused run must be the fresh run's: the check on
// instance reuse over the whole benchmark. The reused figure is the median of its runs (on this
// shared machine one run moved by tens of percent from one benchmark to the next).
import path from "node:path";
import { isDeepStrictEqual } from "node:util";
import { connectChain } from "../chain/provider.ts";
import { closeSubgraph, openSubgraph, type HostedSubgraph } from "../indexer/host.ts";
import { ChainReader } from "../indexer/ingest/chain-reader.ts";
import { SubgraphIndexer } from "../indexer/ingest/subgraph-indexer.ts";
import type { BlockPointer, EntityChange } from "../indexer/store/types.ts";
import { RecordedChain, type BlockRange } from "./log-replay.ts";

/** Runs with reused instances, each subgraph in turn; the figure is their median. */
export const REUSED_RUNS = 3;

export interface Processing {
  events: number;
  /**
   * With reused instances (as the indexer runs: the median over REUSED_RUNS runs of every
   * subgraph), and with a fresh instance per trigger (one run).
   */
  seconds: number;
  freshSeconds: number;
  /** Blocks written, each with its changes (the same for every run). */
  blocks: number;
}

interface Run {
  events: number;
  seconds: number;
  writes: { block: BlockPointer; changes: EntityChange[] }[];
}

/** Records each subgraph's ranges, then times indexing them from memory, one subgraph at a time. */
export async function measureProcessing(
  subgraphs: HostedSubgraph[],
  rangesOf: (name: string) => BlockRange[],
  dataDir: string,
): Promise<Processing> {
  const total: Processing = { events: 0, seconds: 0, freshSeconds: 0, blocks: 0 };
  const reusedSeconds: number[] = Array.from({ length: REUSED_RUNS }, () => 0);
  for (const subgraph of subgraphs) {
    const provider = connectChain(subgraph.rpcUrl, subgraph.chainId);
    let recorded: RecordedChain;
    try {
      const reader = openSubgraph({ ...subgraph, databaseFile: ":memory:" }, {});
      recorded = await RecordedChain.record(
        new ChainReader(provider),
        reader.runtime,
        rangesOf(subgraph.name),
      );
      await closeSubgraph(reader);
    } finally {
      provider.destroy();
    }
    const fresh = await indexRecorded(subgraph, recorded, path.join(dataDir, "processing-fresh"), false);
    for (let run = 0; run < REUSED_RUNS; run++) {
      const dir = path.join(dataDir, `processing-${run}`);
      const reused = await indexRecorded(subgraph, recorded, dir, true);
      const differing = reused.writes.findIndex(
        (write, index) => !isDeepStrictEqual(write, fresh.writes[index]),
      );
      if (differing >= 0 || reused.writes.length !== fresh.writes.length) {
        const block = (reused.writes[differing] ?? fresh.writes[differing])?.block.number;
        throw new Error(
          `${subgraph.name}: reused module instances wrote other changes than fresh ones (first at block ${block ?? "?"}, ${reused.writes.length} against ${fresh.writes.length} blocks)`,
        );
      }
      reusedSeconds[run]! += reused.seconds;
    }
    total.events += fresh.events;
    total.freshSeconds += fresh.seconds;
    total.blocks += fresh.writes.length;
  }
  total.seconds = reusedSeconds.sort((a, b) => a - b)[Math.floor(REUSED_RUNS / 2)]!;
  return total;
}

/** Indexes the recorded chain into a fresh file, keeping every block's changes. */
async function indexRecorded(
  subgraph: HostedSubgraph,
  recorded: RecordedChain,
  dir: string,
  reuseInstances: boolean,
): Promise<Run> {
  const opened = openSubgraph(
    { ...subgraph, databaseFile: path.join(dir, `${subgraph.name}.sqlite`) },
    { reuseInstances },
  );
  try {
    const run: Run = { events: 0, seconds: 0, writes: [] };
    const apply = opened.store.applyBlock.bind(opened.store);
    opened.store.applyBlock = (block, changes) => {
      run.writes.push({ block, changes });
      return apply(block, changes);
    };
    const indexer = new SubgraphIndexer({
      runtime: opened.runtime,
      store: opened.store,
      chain: recorded,
      onProgress: (progress) => (run.events += progress.logs),
    });
    const started = performance.now();
    await indexer.syncToHead();
    run.seconds = (performance.now() - started) / 1000;
    const failure = opened.store.failure();
    if (failure)
      throw new Error(`${subgraph.name} failed at block ${failure.block.number}: ${failure.message}`);
    if (run.events !== recorded.logCount) {
      throw new Error(`${subgraph.name}: processed ${run.events} logs of the ${recorded.logCount} recorded`);
    }
    return run;
  } finally {
    await closeSubgraph(opened);
  }
}
