// The floor under indexing: the same eth_getLogs ranges the indexer asked for, each log decoded
// as the indexer decodes it (the runtime's triggers), and nothing else (no handlers, contract calls
// or store; the blocks with logs only when asked for, read as the indexer reads them). And the
// ranges' logs and blocks, with the answers to the logs' declared calls, recorded in memory, so
// that indexing can be timed without the node's answers (the processing rate).
import type { ChainReader, ChainSource, LogQuery } from "../indexer/ingest/chain-reader.ts";
import { toPointer } from "../indexer/ingest/chain-reader.ts";
import { InFlightLimit } from "../indexer/ingest/in-flight-limit.ts";
import type { IndexerProgress } from "../indexer/ingest/subgraph-indexer.ts";
import { logsByBlock, type RawBlock, type RawLog } from "../indexer/runtime/chain-data.ts";
import { callKey } from "../indexer/runtime/host-imports.ts";
import type { SubgraphRuntime } from "../indexer/runtime/subgraph-runtime.ts";
import type { BlockPointer } from "../indexer/store/types.ts";

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

/**
 * Fetches and decodes every log of the ranges; with `blocksInFlight`, also reads each block with
 * logs (with its transactions, as handlers get them), that many at once, each range's blocks
 * started as its logs arrive while the next range's logs are fetched, as the indexer reads them.
 */
export async function replayLogs(
  chain: ChainReader,
  runtime: SubgraphRuntime,
  ranges: BlockRange[],
  blocksInFlight?: number,
): Promise<Replay> {
  const filter = runtime.logFilter();
  const replay: Replay = { decoded: 0, fetchMs: 0, decodeMs: 0 };
  const slots = blocksInFlight === undefined ? undefined : new InFlightLimit(blocksInFlight);
  const blockReads: Promise<void>[] = [];
  for (const range of ranges) {
    const asked = performance.now();
    const logs = await chain.logs({ ...range, addresses: filter.addresses, topics: filter.topics });
    const received = performance.now();
    for (const blockLogs of logsByBlock(logs).values()) {
      const decoded = new Set(
        runtime.triggers(Number(blockLogs[0]!.blockNumber), blockLogs).map((t) => t.log),
      );
      const undecoded = blockLogs.find((log) => !decoded.has(log));
      if (undecoded) {
        throw new Error(`log ${undecoded.logIndex} of ${undecoded.transactionHash} does not decode`);
      }
      replay.decoded += decoded.size;
      if (slots) blockReads.push(slots.run(() => readBlockOf(chain, blockLogs[0]!)));
    }
    replay.fetchMs += received - asked;
    replay.decodeMs += performance.now() - received;
  }
  await Promise.all(blockReads);
  return replay;
}

/** Reads the block a log names, refusing one that is not there or not the log's. */
async function readBlockOf(chain: ChainReader, log: RawLog): Promise<void> {
  const block = await chain.block(Number(log.blockNumber), true);
  if (block?.hash !== log.blockHash)
    throw new Error(`block ${Number(log.blockNumber)} changed during the replay`);
}

/**
 * A chain held in memory: the logs of a run's ranges, the blocks the indexer reads for them (those
 * with logs) and the pointers of every block of the ranges (the indexer sizes its ranges as it
 * goes, so a replay may end its ranges elsewhere). A read of anything else is refused, naming it.
 */
export class RecordedChain implements ChainSource {
  private constructor(
    private readonly headNumber: number,
    private readonly logList: RawLog[],
    private readonly blocks: Map<number, RawBlock>,
    private readonly pointers: Map<number, BlockPointer>,
    private readonly answers: Map<string, string>,
  ) {}

  /** Reads the ranges' logs and blocks from `chain`, with the subgraph's log filter. */
  static async record(
    chain: ChainReader,
    runtime: SubgraphRuntime,
    ranges: BlockRange[],
  ): Promise<RecordedChain> {
    const filter = runtime.logFilter();
    const logs: RawLog[] = [];
    for (const range of ranges)
      logs.push(...(await chain.logs({ ...range, addresses: filter.addresses, topics: filter.topics })));
    const byBlock = logsByBlock(logs);
    const blocks = new Map<number, RawBlock>();
    // The answers to the logs' declared calls, read with them as the indexer reads them.
    const answers = new Map<string, string>();
    for (const [number, blockLogs] of byBlock) {
      const block = await chain.block(number, true);
      if (!block) throw new Error(`block ${number} is not on the chain any more`);
      blocks.set(number, block);
      for (const request of runtime.declaredCalls(number, blockLogs))
        answers.set(answerKey(request, block.hash), await chain.call(request, block.hash));
    }
    const pointers = new Map<number, BlockPointer>();
    for (const range of ranges)
      for (let number = range.fromBlock; number <= range.toBlock; number++) {
        const block = blocks.get(number);
        const pointer = block ? toPointer(block) : await chain.pointer(number);
        if (!pointer) throw new Error(`block ${number} is not on the chain any more`);
        pointers.set(number, pointer);
      }
    return new RecordedChain(ranges.at(-1)?.toBlock ?? 0, logs, blocks, pointers, answers);
  }

  get logCount(): number {
    return this.logList.length;
  }

  head(): Promise<number> {
    return Promise.resolve(this.headNumber);
  }

  block(number: number): Promise<RawBlock> {
    const block = this.blocks.get(number);
    if (!block) return Promise.reject(new Error(`block ${number} was not recorded for the replay`));
    return Promise.resolve(block);
  }

  pointer(number: number): Promise<BlockPointer | null> {
    const pointer = this.pointers.get(number);
    if (!pointer) return Promise.reject(new Error(`block ${number} was not recorded for the replay`));
    return Promise.resolve(pointer);
  }

  /** A declared call's recorded answer (any other call was not recorded: the handler asks the node). */
  call(request: { to: string; data: string }, blockHash: string): Promise<string> {
    const answer = this.answers.get(answerKey(request, blockHash));
    if (answer === undefined) return Promise.reject(new Error("this call was not recorded for the replay"));
    return Promise.resolve(answer);
  }

  logs(query: LogQuery): Promise<RawLog[]> {
    return Promise.resolve(
      this.logList.filter((log) => {
        const number = Number(log.blockNumber);
        return number >= query.fromBlock && number <= query.toBlock;
      }),
    );
  }
}

const answerKey = (request: { to: string; data: string }, blockHash: string) =>
  `${blockHash}:${callKey(request.to, request.data)}`;
