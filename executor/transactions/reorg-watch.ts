// Confirmed is not final on a chain that reorganises deeper than the configured confirmations: a
// transaction of ours that a reorganisation took out of the chain (and, as nodes do, out of their
// pools) would leave its step undone for good, and its nonce a gap that holds back every later
// transaction. Recently mined intents are checked on a timer; one whose transaction has no receipt
// any more, or a receipt naming a block the chain no longer has at its height, is sent again: its
// signed attempt is broadcast again at its own nonce and followed.
import type { IntentKey, IntentRecord } from "../bookkeeping/records.ts";
import type { ChainName } from "../config.ts";
import { missingReceiptStanding, receiptStanding } from "./receipt-standing.ts";
import { errorText } from "./rpc-errors.ts";
import type { ChainSender, TransactionManagerOptions } from "./sending.ts";

/**
 * Books a mined or confirmed intent whose transaction a reorganisation took out of the chain as sent
 * again (its attempt broadcast, at its own nonce), counts and logs it. The follower or the watch
 * that found it broadcasts it.
 */
export async function unmineReorganised(
  { books, logger, metrics }: TransactionManagerOptions,
  sender: ChainSender,
  intent: IntentRecord & { minedHash: string },
): Promise<void> {
  await books.markUnmined(intent.minedHash);
  metrics.reorgedTransactions.inc({ chain: sender.name, step: intent.step });
  logger.warn(`a reorganisation took a ${intent.status} transaction out of the chain; sending it again`, {
    subject: intent.subject,
    step: intent.step,
    chain: sender.name,
    hash: intent.minedHash,
    block: Number(intent.minedBlock),
  });
}

/** How far below the head a mined transaction is still watched, in blocks. */
export const REORG_WINDOW_BLOCKS = 64;
/**
 * How far further back the first looks after a start reach, at most: back to the window below the
 * last block the executor had seen before it stopped, since a reorganisation while it was away
 * may have taken out a transaction now deeper than the window. Bounded, so that a start after a
 * long stop does not look up the receipt of every transaction since.
 */
export const REORG_CATCH_UP_BLOCKS = 4096;

/** The block each chain's decisions had last seen (the feed's cursor), before this start. */
export type LastSeenBlocks = Partial<Record<ChainName, bigint>>;

export class ReorgWatch {
  private timer: NodeJS.Timeout | undefined;
  private pass: Promise<number> | undefined;
  private stopping = false;
  /** Each chain's last seen block until a look at that chain went through without a failure. */
  private readonly catchUp: LastSeenBlocks;

  constructor(
    private readonly options: TransactionManagerOptions,
    /** Takes up an intent sent again (the manager follows it). */
    private readonly reopened: (intent: IntentKey) => void,
    lastSeen: LastSeenBlocks = {},
  ) {
    this.catchUp = { ...lastSeen };
  }

  /** Checks every `intervalMs` until stop(). */
  watch(intervalMs: number): void {
    if (this.timer !== undefined || this.stopping) return;
    this.timer = setInterval(() => void this.check(), intervalMs);
  }

  stop(): void {
    this.stopping = true;
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Settles when the check under way, if any, has returned. */
  async drained(): Promise<void> {
    await this.pass?.catch(() => undefined);
  }

  /** The lowest block whose intents a look at `chain` checks, with the head at `head`. */
  private lowestWatched(chain: ChainName, head: number): bigint {
    const window = head - REORG_WINDOW_BLOCKS;
    const seen = this.catchUp[chain];
    const lowest =
      seen === undefined
        ? window
        : Math.min(window, Math.max(Number(seen) - REORG_WINDOW_BLOCKS, window - REORG_CATCH_UP_BLOCKS));
    return BigInt(Math.max(0, lowest));
  }

  /** One look over every chain; how many intents were sent again. One look at a time. */
  check(): Promise<number> {
    this.pass ??= this.checkChains().finally(() => (this.pass = undefined));
    return this.pass;
  }

  private async checkChains(): Promise<number> {
    const { books, logger, metrics, senders } = this.options;
    let reopened = 0;
    const failed = (chain: string, error: unknown) => {
      // The node may be down: the next look tries again.
      metrics.errors.inc({ kind: "reorgWatch" });
      logger.debug("reorganisation check failed", { chain, error: errorText(error) });
    };
    for (const sender of Object.values(senders)) {
      if (this.stopping) break;
      let intents: IntentRecord[];
      try {
        const head = await sender.provider.getBlockNumber();
        intents = await books.confirmedSince(sender.chainId, this.lowestWatched(sender.name, head));
      } catch (error) {
        failed(sender.name, error);
        continue;
      }
      // A mined intent is with its follower, which sees the receipt go on its own. Each intent is
      // looked at on its own: behind a node that fails a share of requests, a look that gave up at
      // the first failure would seldom reach the newest intents before they left the window.
      let clean = true;
      for (const intent of intents) {
        if (this.stopping) break;
        if (intent.minedHash === null) continue;
        try {
          const receipt = await sender.provider.getTransactionReceipt(intent.minedHash);
          // A receipt counts only for the chain's block at its height; one the node cannot place
          // yet leaves the intent for the next look.
          const standing = receipt
            ? await receiptStanding(sender, intent.minedHash, receipt, logger)
            : await missingReceiptStanding(sender, intent.minedHash, intent.minedBlock!);
          if (standing === "canonical") continue;
          if (standing === "unknown") {
            clean = false;
            continue;
          }
          await unmineReorganised(this.options, sender, { ...intent, minedHash: intent.minedHash });
        } catch (error) {
          failed(sender.name, error);
          clean = false;
          continue;
        }
        this.reopened({ subject: intent.subject, step: intent.step });
        reopened++;
      }
      if (clean && !this.stopping) delete this.catchUp[sender.name];
    }
    return reopened;
  }
}
