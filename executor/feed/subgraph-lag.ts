// A subgraph that stops indexing (a deployment failed at a block, a graph-node stuck or cut off
// from its node) still answers, at its last block: every decision over it goes through, and the
// executor sends nothing while its health says ok. Each chain's node head is read on a timer and
// set beside the block the chain's feed last reported; a subgraph more than `maxLagBlocks` behind
// its chain degrades the health, until it catches up. Counted in blocks, not time: a chain that
// makes no blocks leaves its subgraph nothing to index.
import type { ChainName } from "../decide/index.ts";
import type { Logger } from "../observability/logger.ts";
import type { ExecutorMetrics } from "../observability/metrics.ts";

const CHAINS: ChainName[] = ["origin", "auxiliary"];
/** The default of `feed.maxLagBlocks`: some 20 minutes of 12-second blocks. */
export const DEFAULT_MAX_LAG_BLOCKS = 100;
/** How often the nodes' heads are read. */
export const LAG_INTERVAL_MS = 3000;

export interface SubgraphLagOptions {
  /** The chain's head as its node answers it (a failure leaves the last reading). */
  nodeHead: (chain: ChainName) => Promise<number>;
  /** The block the chain's feed last reported, or null before its first. */
  subgraphHead: (chain: ChainName) => number | null;
  maxLagBlocks: number;
  metrics: Pick<ExecutorMetrics, "chainBlock" | "subgraphLag">;
  logger: Logger;
  intervalMs?: number;
}

export class SubgraphLagWatch {
  private readonly nodeBlocks: Record<ChainName, number | null> = { origin: null, auxiliary: null };
  /** The chains whose subgraph was last seen too far behind: said once per crossing. */
  private readonly lagging = new Set<ChainName>();
  private timer: NodeJS.Timeout | undefined;
  private reading: Promise<void> = Promise.resolve();

  constructor(private readonly options: SubgraphLagOptions) {}

  /** Reads both nodes' heads once. */
  readOnce(): Promise<void> {
    this.reading = this.reading.then(() => this.read());
    return this.reading;
  }

  start(): void {
    this.timer ??= setInterval(() => void this.readOnce(), this.options.intervalMs ?? LAG_INTERVAL_MS);
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.reading;
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
    if (lag === null || lag <= this.options.maxLagBlocks) return null;
    const at = this.options.subgraphHead(chain);
    return `the ${chain} subgraph is ${lag} blocks behind its chain (at ${at ?? "no block"}, the node at ${this.nodeBlocks[chain]}; feed.maxLagBlocks is ${this.options.maxLagBlocks})`;
  }

  /** Blocks between the node's head and the subgraph's (none when the node is behind). */
  private lag(chain: ChainName): number | null {
    const node = this.nodeBlocks[chain];
    if (node === null) return null;
    // A subgraph that has reported no block yet is behind by the whole chain.
    return Math.max(0, node - (this.options.subgraphHead(chain) ?? -1));
  }

  private async read(): Promise<void> {
    const { metrics } = this.options;
    await Promise.all(
      CHAINS.map(async (chain) => {
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
        metrics.subgraphLag.set({ feed: chain }, this.lag(chain)!);
        const sentence = this.describe(chain);
        if (sentence !== null && !this.lagging.has(chain)) {
          this.lagging.add(chain);
          this.options.logger.warn("subgraph behind its chain", { chain, detail: sentence });
        } else if (sentence === null && this.lagging.delete(chain)) {
          this.options.logger.info("subgraph caught up", { chain, block: this.options.subgraphHead(chain) });
        }
      }),
    );
  }
}
