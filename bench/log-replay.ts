// The floor under indexing: the same eth_getLogs ranges the indexer asked for, each log decoded
// with its data source's ABI, and nothing else (no blocks, handlers, contract calls or store).
import type { Interface } from "ethers";
import type { ChainReader } from "../indexer/ingest/chain-reader.ts";
import type { IndexerProgress } from "../indexer/ingest/subgraph-indexer.ts";
import type { SubgraphRuntime } from "../indexer/runtime/subgraph-runtime.ts";

export interface BlockRange {
  fromBlock: number;
  toBlock: number;
}

/** Rebuilds the ranges of an indexing run from its progress reports (one per range, in order). */
export class RangeRecorder {
  readonly ranges: BlockRange[] = [];
  logs = 0;
  private next: number;

  constructor(startBlock: number) {
    this.next = startBlock;
  }

  record(progress: IndexerProgress): void {
    this.ranges.push({ fromBlock: this.next, toBlock: progress.block });
    this.logs += progress.logs;
    this.next = progress.block + 1;
  }
}

export interface Replay {
  decoded: number;
  /** Time spent waiting for eth_getLogs, and decoding. */
  fetchMs: number;
  decodeMs: number;
}

/** Fetches and decodes every log of the ranges. */
export async function replayLogs(
  chain: ChainReader,
  runtime: SubgraphRuntime,
  ranges: BlockRange[],
): Promise<Replay> {
  const filter = runtime.logFilter();
  const abis = new Map<string, Interface>(
    runtime.manifest.dataSources.map((source) => [source.address, source.abi]),
  );
  const replay: Replay = { decoded: 0, fetchMs: 0, decodeMs: 0 };
  for (const range of ranges) {
    const asked = performance.now();
    const logs = await chain.logs({ ...range, addresses: filter.addresses, topics: filter.topics });
    const received = performance.now();
    for (const log of logs) {
      const event = abis.get(log.address.toLowerCase())?.parseLog(log);
      if (!event) throw new Error(`log ${log.logIndex} of ${log.transactionHash} does not decode`);
      replay.decoded++;
    }
    replay.fetchMs += received - asked;
    replay.decodeMs += performance.now() - received;
  }
  return replay;
}
