// Follows a chain and indexes a subgraph into its store: logs in adaptive ranges from the last
// indexed block, each block with logs handled and written atomically, a pointer kept at each
// range's end, and a reorganisation (a recorded hash no longer on the chain) reverted to the fork
// point before indexing goes on. A handler failure fails the subgraph; an RPC fault is retried.
//
// eth_getLogs names no block hash for a range, so a reorganisation during the reads could pair
// one branch's logs with another branch's end block and lose events for good. Each range is
// therefore pinned: its end block is read before the logs and again after them, and the last
// indexed block is checked to be on the chain in between. Equal end blocks mean the logs came
// from that block's chain (whose hash fixes every ancestor), and the last indexed block being
// canonical after the first end read means that chain descends from it. Any difference throws
// ChainMoved, and the pass starts again from the fork point.
import type { RawBlock, RawLog } from "../runtime/chain-data.ts";
import { HandlerFailure, type SubgraphRuntime } from "../runtime/subgraph-runtime.ts";
import type { BlockPointer, SubgraphStore } from "../store/types.ts";
import { toPointer, type ChainSource } from "./chain-reader.ts";
import { AdaptiveRange, type RangeOptions } from "./log-ranges.ts";

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
  /** How many blocks with logs are read at once (16). */
  blockWindow?: number;
  onProgress?: (progress: IndexerProgress) => void;
  onError?: (error: Error) => void;
}

const BLOCK_WINDOW = 16;

/** The chain changed under a read; the pass is started again. */
class ChainMoved extends Error {}

export class SubgraphIndexer {
  private readonly range: AdaptiveRange;
  private running = false;
  private stopRequested = false;
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  /** Passes run one at a time, whoever asks for them. */
  private exclusive: Promise<unknown> = Promise.resolve();
  private fault: RetriedFault | null = null;

  constructor(private readonly options: IndexerOptions) {
    this.range = new AdaptiveRange(options.range);
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
          await this.sleep(this.options.pollIntervalMs ?? 500);
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
    await this.loop;
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
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
    let from = (store.latestBlock()?.number ?? filter.startBlock - 1) + 1;
    while (from <= head && !store.failure() && !this.stopRequested) {
      const to = Math.min(head, from + this.range.blocks - 1);
      const end = await chain.pointer(to);
      if (!end) throw new ChainMoved();
      await this.checkLatestOnChain();
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
      this.range.succeeded(logs.length);
      await this.indexRange(end, logs);
      this.options.onProgress?.({ block: to, head, logs: logs.length });
      from = to + 1;
    }
    return store.latestBlock();
  }

  private async indexRange(end: BlockPointer, logs: RawLog[]): Promise<void> {
    const { store, chain } = this.options;
    const byBlock = new Map<number, RawLog[]>();
    for (const log of logs) {
      const number = Number(log.blockNumber);
      if (number === end.number && log.blockHash !== end.hash) throw new ChainMoved();
      const list = byBlock.get(number);
      if (list) list.push(log);
      else byBlock.set(number, [log]);
    }
    const numbers = [...byBlock.keys()].sort((a, b) => a - b);
    // Blocks are read a window at a time, concurrently, and handled in order; the next window is
    // read while this one's handlers run, the event loop turning between blocks so the node's
    // answers come in meanwhile. Each block is checked against its logs and its parent as it is
    // handled, so a block read early is no less checked than one read late.
    const size = this.options.blockWindow ?? BLOCK_WINDOW;
    const windows: number[][] = [];
    for (let start = 0; start < numbers.length; start += size)
      windows.push(numbers.slice(start, start + size));
    const read = (window: number[] | undefined) => {
      if (!window) return undefined;
      const blocks = Promise.all(window.map((number) => chain.block(number, true)));
      // A read left behind by a failure or a ChainMoved is dropped; one awaited still throws.
      blocks.catch(() => undefined);
      return blocks;
    };
    let next = read(windows[0]);
    for (const [position, window] of windows.entries()) {
      const blocks = (await next)!;
      next = read(windows[position + 1]);
      for (const [index, number] of window.entries()) {
        if (store.failure()) return;
        this.indexBlock(blocks[index] ?? null, byBlock.get(number)!);
        if (next) await new Promise((resolve) => setImmediate(resolve));
      }
    }
    if (!byBlock.has(end.number) && !store.failure()) {
      this.checkParent(end);
      store.applyBlock(end, []);
    }
  }

  private indexBlock(block: RawBlock | null, blockLogs: RawLog[]): void {
    const { store, runtime } = this.options;
    if (!block || blockLogs.some((log) => log.blockHash !== block.hash)) throw new ChainMoved();
    this.checkParent(toPointer(block));
    let changes;
    try {
      changes = runtime.processBlock(block, blockLogs, (entity, id) => store.getEntity(entity, id));
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

  /** The block a range is read from must still be the chain's. */
  private async checkLatestOnChain(): Promise<void> {
    const latest = this.options.store.latestBlock();
    if (latest && (await this.options.chain.pointer(latest.number))?.hash !== latest.hash)
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
