// Our transaction is confirmed on its chain, and the decision waits for the subgraph to show its
// effect before the next step; a subgraph that indexed that block without its events (a node that
// answered its logs without them, a subgraph on another fork) never will, and the executor would
// wait for ever with nothing to send and its health ok. Once the subgraph's state is read at a
// block far enough past the one the transaction was mined in (the chain's confirmations and
// UNSHOWN_MARGIN_BLOCKS more), the books and the chain are asked again; a transaction still there
// is said once as a warning and degrades /health until the wait ends. Nothing is sent again (one
// the chain no longer holds is the reorganisation watch's to send again: reorg-watch.ts).
import type { ChainName } from "../decide/index.ts";
import type { Logger } from "../observability/logger.ts";

/**
 * Blocks past the mined block and its confirmations before the subgraph is held to show the effect:
 * a subgraph that follows a reorganisation a few blocks late is not the fault looked for.
 */
export const UNSHOWN_MARGIN_BLOCKS = 5;
/** New waits warned of one by one per decision (a subgraph on another fork misses them all); more are counted. */
export const UNSHOWN_SAID = 10;
/** Waits named in /health; more are counted. */
const UNSHOWN_IN_HEALTH = 3;

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
  /** The block the chain's node has the transaction in; null when it has none, or does not answer. */
  minedIn(chain: ChainName, hash: string): Promise<number | null>;
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
   * that has gone on too long, once, and each of those that ended.
   */
  async update(waits: WaitKey[], readBlocks: Record<ChainName, number>): Promise<void> {
    this.readBlocks = readBlocks;
    const current = new Set(waits.map(keyOf));
    for (const key of this.waited.keys()) if (!current.has(key)) this.waited.delete(key);
    for (const [key, ended] of this.unshown) {
      if (current.has(key)) continue;
      this.unshown.delete(key);
      this.options.logger.info(
        "a wait for the subgraph to show our transaction ended",
        fields(ended, readBlocks),
      );
    }
    let said = 0;
    let unsaid = 0;
    for (const wait of waits) {
      const key = keyOf(wait);
      if (this.unshown.has(key)) continue;
      const kept = this.waited.get(key);
      const known = kept ?? (await this.read(wait));
      if (known === null) continue;
      this.waited.set(key, known);
      if (!this.due(known, readBlocks)) continue;
      // Due: the books again unless just read (the transaction may have been mined again
      // elsewhere since), then the chain.
      const confirmed = kept === undefined ? known : await this.read(wait);
      if (confirmed === null) continue;
      const minedIn = await this.options.minedIn(confirmed.chain, confirmed.hash).catch(() => null);
      if (minedIn === null) continue;
      const unshown = { ...confirmed, minedBlock: minedIn, key: wait };
      this.waited.set(key, unshown);
      if (!this.due(unshown, readBlocks)) continue;
      this.unshown.set(key, unshown);
      if (++said > UNSHOWN_SAID) {
        unsaid++;
        continue;
      }
      this.options.logger.warn("the subgraph does not show our confirmed transaction", {
        ...fields(unshown, readBlocks),
        detail: sentence(unshown, readBlocks),
      });
    }
    if (unsaid > 0)
      this.options.logger.warn("more confirmed transactions not shown", { more: unsaid, said: UNSHOWN_SAID });
  }

  /** The waits that have gone on too long, as sentences for /health (the first few, then a count). */
  sentences(): string[] {
    const readBlocks = this.readBlocks;
    if (readBlocks === null) return [];
    const all = [...this.unshown.values()];
    const named = all.slice(0, UNSHOWN_IN_HEALTH).map((unshown) => sentence(unshown, readBlocks));
    return all.length > named.length ? [...named, `${all.length - named.length} more`] : named;
  }

  private due({ chain, minedBlock }: ConfirmedTransaction, readBlocks: Record<ChainName, number>): boolean {
    return readBlocks[chain] >= minedBlock + this.options.confirmations[chain] + UNSHOWN_MARGIN_BLOCKS;
  }

  /** The books' confirmed transaction under the key; null when none, or the books do not answer (asked again later). */
  private read(wait: WaitKey): Promise<ConfirmedTransaction | null> {
    return this.options.confirmed(wait).catch(() => null);
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
