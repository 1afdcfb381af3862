// Our transaction is confirmed on its chain, and the decision waits for the subgraph to show its
// effect before the next step; a subgraph that indexed that block without its events (a node that
// answered its logs without them, a subgraph on another fork) never will, and the executor would
// wait for ever with nothing to send and its health ok. Once the subgraph's state is read at a
// block far enough past the one the transaction was mined in (the chain's confirmations and
// UNSHOWN_MARGIN_BLOCKS more), the wait is said once as a warning and degrades /health until the
// effect shows. Nothing is sent again: the transaction is on the chain, and only an operator can
// have the subgraph index that block again.
import type { ChainName } from "../decide/index.ts";
import type { Logger } from "../observability/logger.ts";

/**
 * Blocks past the mined block and its confirmations before the subgraph is held to show the effect:
 * a subgraph that follows a reorganisation a few blocks late is not the fault looked for.
 */
export const UNSHOWN_MARGIN_BLOCKS = 5;

export interface WaitKey {
  subject: string;
  step: string;
}

/** Where our confirmed transaction under a key was mined. */
export interface ConfirmedTransaction {
  chain: ChainName;
  minedBlock: number;
  hash: string;
}

export interface UnshownEffectsOptions {
  /** The confirmed transaction under the key, or null when the books hold none (any more). */
  confirmed(key: WaitKey): Promise<ConfirmedTransaction | null>;
  confirmations: Record<ChainName, number>;
  logger: Logger;
}

interface Unshown extends ConfirmedTransaction {
  key: WaitKey;
}

export class UnshownEffects {
  /** The keys waited on, with their confirmed transaction once read from the books. */
  private readonly waited = new Map<string, ConfirmedTransaction>();
  private readonly unshown = new Map<string, Unshown>();
  private readBlocks: Record<ChainName, number> | null = null;

  constructor(private readonly options: UnshownEffectsOptions) {}

  /**
   * Takes a decision's waits for indexing and the blocks its snapshot was read at: says each wait
   * that has gone on too long, once, and each that ended.
   */
  async update(waits: WaitKey[], readBlocks: Record<ChainName, number>): Promise<void> {
    this.readBlocks = readBlocks;
    const current = new Set(waits.map(keyOf));
    for (const key of this.waited.keys()) if (!current.has(key)) this.waited.delete(key);
    for (const [key, ended] of this.unshown) {
      if (current.has(key)) continue;
      this.unshown.delete(key);
      this.options.logger.info("the subgraph shows our confirmed transaction now", fields(ended, readBlocks));
    }
    for (const wait of waits) {
      const key = keyOf(wait);
      let confirmed = this.waited.get(key);
      if (confirmed === undefined) {
        // Not kept when the books hold none or cannot be read: asked again at the next decision.
        const read = await this.options.confirmed(wait).catch(() => null);
        if (read === null) continue;
        confirmed = read;
        this.waited.set(key, confirmed);
      }
      const due = confirmed.minedBlock + this.options.confirmations[confirmed.chain] + UNSHOWN_MARGIN_BLOCKS;
      if (this.unshown.has(key) || readBlocks[confirmed.chain] < due) continue;
      const unshown = { ...confirmed, key: wait };
      this.unshown.set(key, unshown);
      this.options.logger.warn("the subgraph does not show our confirmed transaction", {
        ...fields(unshown, readBlocks),
        detail: sentence(unshown, readBlocks),
      });
    }
  }

  /** Each confirmed transaction the subgraph should show by now and does not, as a sentence for /health. */
  sentences(): string[] {
    const readBlocks = this.readBlocks;
    if (readBlocks === null) return [];
    return [...this.unshown.values()].map((unshown) => sentence(unshown, readBlocks));
  }
}

function keyOf({ subject, step }: WaitKey): string {
  return `${step} ${subject.toLowerCase()}`;
}

function fields(unshown: Unshown, readBlocks: Record<ChainName, number>) {
  return {
    subject: unshown.key.subject,
    step: unshown.key.step,
    chain: unshown.chain,
    transaction: unshown.hash,
    minedBlock: unshown.minedBlock,
    subgraphBlock: readBlocks[unshown.chain],
  };
}

function sentence(unshown: Unshown, readBlocks: Record<ChainName, number>): string {
  const { key, chain, hash, minedBlock } = unshown;
  return (
    `the ${chain} subgraph, read at block ${readBlocks[chain]}, does not show ${key.step} of ${key.subject} ` +
    `(transaction ${hash}, confirmed in block ${minedBlock}): it may have missed that block's events; ` +
    `compare it with the chain, and have it index that block again`
  );
}
