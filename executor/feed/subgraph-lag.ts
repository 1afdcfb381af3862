// A subgraph that stops indexing (a deployment failed at a block, a graph-node stuck or cut off
// from its node) still answers, at its last block: every decision over it goes through, and the
// executor sends nothing while its health says ok. Each chain's node head is read on a timer and
// set beside the subgraph's head (the newer of its feed's last report and the last decision's
// read); a subgraph more than its chain's `subgraph.maxLagBlocks` behind degrades the health,
// until it catches up. Counted in blocks, not time: a chain that makes no blocks leaves its
// subgraph nothing to index. A subgraph that has reported no block yet is not judged.
import type { ChainName } from "../decide/index.ts";
import type { Logger } from "../observability/logger.ts";
import type { ExecutorMetrics } from "../observability/metrics.ts";
import { Periodic } from "../periodic.ts";

const CHAINS: ChainName[] = ["origin", "auxiliary"];
/** The default of `chains.<chain>.subgraph.maxLagBlocks`: some 20 minutes of 12-second blocks. */
export const DEFAULT_MAX_LAG_BLOCKS = 100;
/** How often the nodes' heads are read. */
export const LAG_INTERVAL_MS = 3000;

export interface SubgraphLagOptions {
  /** The chain's head as its node answers it (a failure leaves the last reading). */
  nodeHead: (chain: ChainName) => Promise<number>;
  /** The subgraph's head, or null before it reported one. */
  subgraphHead: (chain: ChainName) => number | null;
  maxLagBlocks: Record<ChainName, number>;
  metrics: Pick<ExecutorMetrics, "chainBlock" | "subgraphLag">;
  logger: Logger;
  intervalMs?: number;
}

export class SubgraphLagWatch {
  private readonly nodeBlocks: Record<ChainName, number | null> = { origin: null, auxiliary: null };
  /** The chains whose subgraph was last seen too far behind: said once per crossing. */
  private readonly lagging = new Set<ChainName>();
  /** One reader a chain: a node that does not answer holds back the other chain's reading. */
  private readonly readers: Record<ChainName, Periodic>;

  constructor(private readonly options: SubgraphLagOptions) {
    const intervalMs = options.intervalMs ?? LAG_INTERVAL_MS;
    this.readers = {
      origin: new Periodic(() => this.read("origin"), intervalMs),
      auxiliary: new Periodic(() => this.read("auxiliary"), intervalMs),
    };
  }

  /** Reads both nodes' heads now, and then on the timer. */
  start(): void {
    for (const chain of CHAINS) {
      this.readers[chain].start();
      void this.readers[chain].runOnce();
    }
  }

  /** Reads both nodes' heads once (or waits for the readings under way). */
  async readOnce(): Promise<void> {
    await Promise.all(CHAINS.map((chain) => this.readers[chain].runOnce()));
  }

  async stop(): Promise<void> {
    await Promise.all(CHAINS.map((chain) => this.readers[chain].stop()));
  }

  /** The chain's head as last read, or null before a reading went through. */
  nodeBlock(chain: ChainName): number | null {
    return this.nodeBlocks[chain];
  }

  /** Each subgraph further behind its chain than allowed, as a sentence for /health. */
  behind(): string[] {
    return CHAINS.flatMap((chain) => {
      const sentence = this.describe(chain);
      return sentence === null ? [] : [sentence];
    });
  }

  private describe(chain: ChainName): string | null {
    const lag = this.lag(chain);
    const limit = this.options.maxLagBlocks[chain];
    if (lag === null || lag <= limit) return null;
    return `the ${chain} subgraph is ${lag} blocks behind its chain (at ${this.options.subgraphHead(chain)}, the node at ${this.nodeBlocks[chain]}; chains.${chain}.subgraph.maxLagBlocks is ${limit})`;
  }

  /** Blocks between the node's head and the subgraph's (none when the node is behind), or null when either is unknown. */
  private lag(chain: ChainName): number | null {
    const node = this.nodeBlocks[chain];
    const subgraph = this.options.subgraphHead(chain);
    return node === null || subgraph === null ? null : Math.max(0, node - subgraph);
  }

  private async read(chain: ChainName): Promise<void> {
    const { metrics, logger } = this.options;
    let head: number;
    try {
      head = await this.options.nodeHead(chain);
    } catch {
      // A node that does not answer is for the followers and the decisions to report.
      return;
    }
    if (!Number.isSafeInteger(head) || head < 0) return;
    this.nodeBlocks[chain] = head;
    metrics.chainBlock.set({ chain }, head);
    const lag = this.lag(chain);
    if (lag !== null) metrics.subgraphLag.set({ feed: chain }, lag);
    const sentence = this.describe(chain);
    if (sentence !== null && !this.lagging.has(chain)) {
      this.lagging.add(chain);
      logger.warn("subgraph behind its chain", { chain, detail: sentence });
    } else if (sentence === null && this.lagging.delete(chain)) {
      logger.info("subgraph caught up", { chain, block: this.options.subgraphHead(chain) });
    }
  }
}
