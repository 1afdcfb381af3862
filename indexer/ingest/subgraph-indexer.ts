// Follows a chain and indexes a subgraph into its store: logs in adaptive ranges from the last
// indexed block, each block with logs handled and written atomically, a pointer kept at each
// range's end, and a reorganisation (a recorded hash no longer on the chain) reverted to the fork
// point before indexing goes on. A handler failure fails the subgraph; an RPC fault is retried.
//
// eth_getLogs names no block hash for a range, so a reorganisation during the reads could pair
// one branch's logs with another branch's end block and lose events for good. Each range is
// therefore pinned: its end block is read before the logs and again after them, and the block
// indexing will have reached when the range is handled (the last indexed block, or for a range
// read ahead while the one before it is handled, that range's end block) is checked to be on the
// chain in between. Equal end blocks mean the logs came from that block's chain (whose hash fixes
// every ancestor), and the base block being canonical after the first end read means that chain
// descends from it. Any difference throws ChainMoved, and the pass starts again from the fork
// point. That holds only if the node answered the logs from a chain with the end block in it: a
// node may answer a range from a chain shorter for a moment (anvil inside anvil_reorg, a lagging
// node behind a load balancer), without the logs of the blocks it lacks and without an error. So
// in the last blocks below the head, where that happens, each block's logs are asked by its hash
// (fetchByHash); a range further back ends before them.
import { logsByBlock, type RawBlock, type RawLog } from "../runtime/chain-data.ts";
import { callKey, type CallAnswers } from "../runtime/host-imports.ts";
import { HandlerFailure, type SubgraphRuntime } from "../runtime/subgraph-runtime.ts";
import type { BlockPointer, SubgraphStore } from "../store/types.ts";
import { toPointer, type ChainSource } from "./chain-reader.ts";
import { InFlightLimit } from "./in-flight-limit.ts";
import { AdaptiveRange, type RangeOptions } from "./log-ranges.ts";
import { RangesAhead } from "./ranges-ahead.ts";

export interface IndexerProgress {
  block: number;
  head: number;
  logs: number;
}

/**
 * The error a pass keeps failing with while it is retried: a node fault, or a handler error that
 * graph-node also retries (its health `failed` with `fatalError.deterministic: false`, without
 * `_meta.hasIndexingErrors`).
 */
export interface RetriedFault {
  message: string;
  /** The first failure in this run of failures (ms since the epoch). */
  since: number;
  attempts: number;
}

export interface IndexerOptions {
  runtime: SubgraphRuntime;
  store: SubgraphStore;
  chain: ChainSource;
  /** Pause between polls once at the chain head. */
  pollIntervalMs?: number;
  /** How many recorded blocks to compare when looking for a fork point. */
  reorgSearchDepth?: number;
  range?: RangeOptions;
  /**
   * How many of the last blocks below the head are read block by block, by hash, when the chain
   * source can (NEAR_HEAD_BLOCKS; 0: ranges only).
   */
  nearHeadBlocks?: number;
  /** How many blocks with logs of a range are read ahead of the one handled (16). */
  blockWindow?: number;
  /** Ranges are read ahead while fewer logs than this wait in them (4,000); always one range. */
  readAheadLogs?: number;
  /** How many declared calls are made at once (16); the rest wait their turn, in block order. */
  declaredCallsInFlight?: number;
  onProgress?: (progress: IndexerProgress) => void;
  onError?: (error: Error) => void;
}

/** The blocks with logs read ahead of the one handled, unless the options say otherwise. */
export const BLOCK_WINDOW = 16;
const DECLARED_CALLS_IN_FLIGHT = 16;
/**
 * Handlers run between turns of the event loop in groups of this many triggers (a few
 * milliseconds), so that the reads ahead advance a step at each turn: at one block per turn, a
 * block of a few hundred logs held every step of those reads up for tens of milliseconds.
 */
const TRIGGERS_PER_TURN = 25;
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));
/**
 * The last blocks below the head, read block by block, by hash (fetchByHash): the blocks a
 * reorganisation or a lagging node can leave out of a range's answer.
 */
const NEAR_HEAD_BLOCKS = 16;
/** Four ranges of the thousand logs each range is sized for (log-ranges.ts). */
const READ_AHEAD_LOGS = 4_000;

/** The chain changed under a read; the pass is started again. */
class ChainMoved extends Error {}

/** A range's logs, pinned to its end block, with the first of its blocks being read. */
interface FetchedRange {
  end: BlockPointer;
  logCount: number;
  byBlock: Map<number, RawLog[]>;
  /** The numbers of the blocks with logs, in order. */
  numbers: number[];
  /** The reads of those blocks started so far, in the same order. */
  reads: Promise<BlockRead>[];
  /** Starts the read of one of them. */
  read(number: number): Promise<BlockRead>;
}

/** A block with logs, and the answers to the declared calls its logs make. */
interface BlockRead {
  block: RawBlock | null;
  answers: CallAnswers;
}

export class SubgraphIndexer {
  private readonly range: AdaptiveRange;
  private readonly declaredCallSlots: InFlightLimit;
  private running = false;
  private stopRequested = false;
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  /** A head was announced while a pass ran: the next pass starts without waiting for the poll. */
  private headAnnounced = false;
  /** Ends the wait at the head early (set only while waiting there). */
  private wakeOnHead: (() => void) | undefined;
  /** Passes run one at a time, whoever asks for them. */
  private exclusive: Promise<unknown> = Promise.resolve();
  private fault: RetriedFault | null = null;

  constructor(private readonly options: IndexerOptions) {
    this.range = new AdaptiveRange(options.range);
    this.declaredCallSlots = new InFlightLimit(options.declaredCallsInFlight ?? DECLARED_CALLS_IN_FLIGHT);
  }

  /** The error indexing is being retried for, until a pass succeeds. */
  retrying(): RetriedFault | null {
    return this.fault;
  }

  /** Indexes up to the chain's current head once; returns the block reached. */
  async syncToHead(): Promise<BlockPointer | null> {
    const run = this.exclusive.then(async () => {
      for (;;) {
        try {
          const reached = await this.pass();
          this.fault = null;
          return reached;
        } catch (error) {
          if (error instanceof ChainMoved) continue;
          const message = (error as Error).message ?? String(error);
          this.fault = {
            message,
            since: this.fault?.since ?? Date.now(),
            attempts: (this.fault?.attempts ?? 0) + 1,
          };
          throw error;
        }
      }
    });
    this.exclusive = run.catch(() => undefined);
    return run;
  }

  /** Follows the chain until stop(). */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.stopRequested = false;
    this.loop = (async () => {
      let backoffMs = 250;
      while (this.running && !this.options.store.failure()) {
        try {
          await this.syncToHead();
          backoffMs = 250;
          if (this.headAnnounced) this.headAnnounced = false;
          else await this.sleep(this.options.pollIntervalMs ?? 500, true);
        } catch (error) {
          this.options.onError?.(error as Error);
          await this.sleep(backoffMs);
          backoffMs = Math.min(backoffMs * 2, 10_000);
        }
      }
    })();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.stopRequested = true;
    this.wake?.();
    this.wakeOnHead = undefined;
    await this.loop;
  }

  /**
   * The node announced a new head (newHeads): index it now rather than at the next poll. Only the
   * wait at the head is cut short; the pause after a fault is kept.
   */
  headSeen(): void {
    if (!this.running) return;
    if (this.wakeOnHead) this.wakeOnHead();
    else this.headAnnounced = true;
  }

  private sleep(ms: number, atHead = false): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wakeOnHead = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wake = done;
      if (atHead) this.wakeOnHead = done;
    });
  }

  /** One pass from the store's latest block to the head. */
  private async pass(): Promise<BlockPointer | null> {
    const { store, runtime, chain } = this.options;
    if (store.failure()) return store.latestBlock();
    await this.revertIfReorganised();
    const filter = runtime.logFilter();
    // With every data source ended, indexing stops at the last endBlock, as graph-node's does.
    const head = Math.min(await chain.head(), filter.endBlock ?? Number.POSITIVE_INFINITY);
    const latest = store.latestBlock();
    // Ranges are read ahead while this one is handled, each pinned to the end block of the one
    // before it, which handling that range makes the latest indexed block.
    const ahead = new RangesAhead({
      base: latest,
      from: (latest?.number ?? filter.startBlock - 1) + 1,
      head,
      budgetLogs: this.options.readAheadLogs ?? READ_AHEAD_LOGS,
      read: (from, base) => this.fetchRange(from, head, base, filter),
    });
    try {
      for (;;) {
        if (store.failure() || this.stopRequested) break;
        const next = ahead.take();
        if (!next) break;
        const range = await next;
        // Behind the head, the range's blocks reach the file in one commit rather than one per
        // block: a crash loses at most the range, indexed again on restart. In the range that
        // reaches the head, so do the blocks before the head; the head block commits on its own.
        const holding = range.numbers[0] !== head;
        if (holding) store.holdCommits?.();
        try {
          await this.indexRange(range, head);
        } finally {
          // The next range need not wait for this one to reach the file (the head block does).
          if (holding) (store.commitBlocksSoon ?? store.commitBlocks)?.call(store);
        }
        this.options.onProgress?.({ block: range.end.number, head, logs: range.logCount });
      }
    } finally {
      // A read left behind by a failure, a stop or a ChainMoved is dropped; one awaited still throws.
      await ahead.settle();
      // However the pass ends, the ranges committed without waiting are in the file, and listeners
      // told, before it returns (at the head they are already).
      store.commitBlocks?.();
    }
    return store.latestBlock();
  }

  /**
   * Reads the logs from `from` on (as many blocks as the adaptive range says), pinned to the
   * range's end block, with `base` (the block indexing will have reached by then) checked to be
   * on the chain between the two reads of that end block; then starts reading the first blocks
   * with logs.
   */
  private async fetchRange(
    from: number,
    head: number,
    base: BlockPointer | null,
    filter: { addresses: string[]; topics: string[] },
  ): Promise<FetchedRange> {
    const { chain } = this.options;
    for (;;) {
      // The last blocks below the head are read by hash whatever the range size (a range starting
      // further back ends before them).
      const nearHead = chain.blockLogs ? (this.options.nearHeadBlocks ?? NEAR_HEAD_BLOCKS) : 0;
      if (head - from < nearHead) {
        const fetched = await this.fetchByHash(
          from,
          Math.min(head, from + this.range.blocks - 1),
          base,
          filter,
        );
        return this.readyRange(fetched, fetched.end.number - from + 1);
      }
      const to = Math.min(head - nearHead, from + this.range.blocks - 1);
      const end = await chain.pointer(to);
      if (!end) throw new ChainMoved();
      if (base && (await chain.pointer(base.number))?.hash !== base.hash) throw new ChainMoved();
      let logs: RawLog[];
      try {
        logs = await chain.logs({
          fromBlock: from,
          toBlock: to,
          addresses: filter.addresses,
          topics: filter.topics,
        });
      } catch (error) {
        if (this.range.failed(error)) continue;
        throw error;
      }
      if ((await chain.pointer(to))?.hash !== end.hash) throw new ChainMoved();
      for (const log of logs) {
        if (Number(log.blockNumber) === end.number && log.blockHash !== end.hash) throw new ChainMoved();
      }
      return this.readyRange({ end, logs }, to - from + 1);
    }
  }

  /**
   * In the last blocks below the head, a node may answer a range's eth_getLogs from a chain that
   * lacks some of its blocks for a moment (anvil while it reorganises, a node behind a load
   * balancer that is behind the others), without an error and without those blocks' logs, and read
   * the end block the same before and after. There, each block's logs are asked by its hash (refused by a node without
   * that block), and the blocks' hashes must link from the base to the end.
   */
  private async fetchByHash(
    from: number,
    to: number,
    base: BlockPointer | null,
    filter: { addresses: string[]; topics: string[] },
  ): Promise<{ end: BlockPointer; logs: RawLog[] }> {
    const { chain } = this.options;
    const numbers = Array.from({ length: to - from + 1 }, (_, index) => from + index);
    const read = await Promise.all(numbers.map((number) => chain.pointer(number)));
    // The blocks up to the first the node does not have (yet): the rest wait for the next range.
    const missing = read.indexOf(null);
    if (missing === 0) throw new ChainMoved();
    const pointers = (missing < 0 ? read : read.slice(0, missing)) as BlockPointer[];
    let parent = base;
    if (base && base.number !== from - 1) {
      // A base further back than the block before the range: checked on the chain, as ranges do.
      if ((await chain.pointer(base.number))?.hash !== base.hash) throw new ChainMoved();
      parent = null;
    }
    for (const pointer of pointers) {
      if (parent && pointer.parentHash !== parent.hash) throw new ChainMoved();
      parent = pointer;
    }
    const perBlock = await Promise.all(
      pointers.map(async (pointer) => {
        try {
          return await chain.blockLogs!(pointer.hash, filter);
        } catch (error) {
          // A block the node no longer has at that height: the chain moved.
          if ((await chain.pointer(pointer.number))?.hash !== pointer.hash) throw new ChainMoved();
          throw error;
        }
      }),
    );
    const logs = perBlock.flat();
    if (logs.some((log) => log.blockHash !== pointers[Number(log.blockNumber) - from]?.hash))
      throw new ChainMoved();
    return { end: pointers.at(-1)!, logs };
  }

  /** A range's logs by block, with the declared calls of the whole range and its first block reads started. */
  private readyRange({ end, logs }: { end: BlockPointer; logs: RawLog[] }, blocks: number): FetchedRange {
    this.range.succeeded(logs.length, blocks);
    const byBlock = logsByBlock(logs);
    const numbers = [...byBlock.keys()].sort((a, b) => a - b);
    // The declared calls of the whole range start now: their answers are in long before the
    // blocks' handlers run, where the blocks are read only a window ahead.
    const answers = new Map(
      numbers.map((number) => [number, this.declaredCalls(number, byBlock.get(number)!)]),
    );
    const read = (number: number) => this.readBlock(number, answers.get(number)!);
    const reads = numbers.slice(0, this.blockWindow).map(read);
    return { end, logCount: logs.length, byBlock, numbers, reads, read };
  }

  private get blockWindow(): number {
    return this.options.blockWindow ?? BLOCK_WINDOW;
  }

  /** Reads a block with logs, with the answers to its declared calls. */
  private readBlock(number: number, answers: Promise<CallAnswers>): Promise<BlockRead> {
    const read = Promise.all([this.options.chain.block(number, true), answers]).then(([block, answers]) => ({
      block,
      answers,
    }));
    // A read left behind by a failure or a ChainMoved is dropped; one awaited still throws.
    read.catch(() => undefined);
    return read;
  }

  /**
   * The answers to the declared calls of a block's logs, at the block the logs name. A call that
   * fails is left out: the handler's own call of it goes to the node and fails or not there.
   */
  private async declaredCalls(number: number, logs: RawLog[]): Promise<CallAnswers> {
    const { chain, runtime } = this.options;
    const answers: CallAnswers = new Map();
    const call = chain.call?.bind(chain);
    if (!call) return answers;
    const blockHash = logs[0]!.blockHash;
    await Promise.all(
      runtime.declaredCalls(number, logs).map(async (request) => {
        try {
          const answer = await this.declaredCallSlots.run(() => call(request, blockHash));
          answers.set(callKey(request.to, request.data), answer);
        } catch {
          // Asked again by the handler, if it makes the call.
        }
      }),
    );
    return answers;
  }

  private async indexRange(
    { end, byBlock, numbers, reads, read }: FetchedRange,
    head: number,
  ): Promise<void> {
    const { store } = this.options;
    // Blocks are read `blockWindow` ahead of the block handled, concurrently, and handled in
    // order as each arrives, the event loop turning between blocks so the node's answers (for
    // the blocks ahead and the next range) come in meanwhile. Each block is checked against its
    // logs and its parent as it is handled, so a block read early is no less checked than one
    // read late.
    for (const [position, number] of numbers.entries()) {
      if (store.failure()) return;
      const { block, answers } = await reads[position]!;
      const ahead = Math.min(numbers.length, position + 1 + this.blockWindow);
      for (let next = reads.length; next < ahead; next++) reads.push(read(numbers[next]!));
      if (number === head) store.commitBlocks?.();
      await this.indexBlock(block, byBlock.get(number)!, answers);
      await nextTurn();
    }
    if (!byBlock.has(end.number) && !store.failure()) {
      this.checkParent(end);
      if (end.number === head) store.commitBlocks?.();
      store.applyBlock(end, []);
    }
  }

  private async indexBlock(block: RawBlock | null, blockLogs: RawLog[], answers: CallAnswers): Promise<void> {
    const { store, runtime } = this.options;
    if (!block || blockLogs.some((log) => log.blockHash !== block.hash)) throw new ChainMoved();
    this.checkParent(toPointer(block));
    let changes;
    try {
      changes = await runtime.processBlockInTurns(
        block,
        blockLogs,
        (entity, id) => store.getEntity(entity, id),
        TRIGGERS_PER_TURN,
        nextTurn,
        answers,
      );
    } catch (error) {
      if (error instanceof HandlerFailure) {
        store.setFailed({ message: error.message, block: toPointer(block), handler: error.handler });
        return;
      }
      throw error;
    }
    store.applyBlock(toPointer(block), changes);
  }

  /** A block whose parent is the latest indexed block must name its hash. */
  private checkParent(block: BlockPointer): void {
    const latest = this.options.store.latestBlock();
    if (latest && latest.number === block.number - 1 && latest.hash !== block.parentHash)
      throw new ChainMoved();
  }

  /** Compares recorded blocks with the chain, newest first, and reverts to the newest still there. */
  private async revertIfReorganised(): Promise<void> {
    const { store, chain } = this.options;
    const latest = store.latestBlock();
    if (!latest || (await chain.pointer(latest.number))?.hash === latest.hash) return;
    const depth = this.options.reorgSearchDepth ?? 1000;
    for (const recorded of store.recentBlocks(latest.number, depth)) {
      if ((await chain.pointer(recorded.number))?.hash === recorded.hash) {
        store.revertTo(recorded);
        return;
      }
    }
    // No recorded block is on the chain any more: index again from the start.
    store.revertTo(null);
  }
}
