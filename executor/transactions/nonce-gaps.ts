// Fills nonce gaps. A nonce that no transaction holds any more (the node refused its transaction and
// its intent was not sent again, or it was handed out and never signed) holds back every later
// transaction of the account: it is filled with a no-op transfer to itself, booked as an intent of
// its own and broadcast and followed by the transaction manager like any other.
import { getAddress } from "ethers";
import { BooksConflictError, signTransactionWith } from "../bookkeeping/index.ts";
import type { AttemptRecord, IntentKey } from "../bookkeeping/records.ts";
import { feeCap, feeFields, initialFees, marketFees } from "./fees.ts";
import { errorText } from "./rpc-errors.ts";
import type { ChainSender, FillSending, Outcome, TransactionManagerOptions } from "./sending.ts";

/** The step of the no-op transfers that fill nonce gaps: not a Mosaic flow step. */
export const NONCE_GAP_STEP = "fillNonceGap";
/** A plain transfer to an account (no code runs): intrinsic gas only. */
const TRANSFER_GAS = 21_000n;
/** Attempts that are in a block or may still get there: their nonce is held. */
const LIVE = new Set(["signed", "broadcast", "mined"]);

/** The subject of the intent that fills `nonce` of `account` on chain `chainId`. */
export function nonceGapSubject(chainId: number, account: string, nonce: bigint): string {
  return `nonce-gap:${chainId}:${getAddress(account)}:${nonce}`;
}

/** Whether an intent is a nonce-gap filler (the transaction manager's own, not a decision's). */
export function isNonceGapIntent(intent: { step: string }): boolean {
  return intent.step === NONCE_GAP_STEP;
}

export class NonceGapFiller {
  private stopping = false;
  /** Per chain id: the account nonce seen as a gap, and since when (first sighting). */
  private readonly gaps = new Map<number, { nonce: bigint; since: number }>();
  /** Fills sent and being followed, by intent: one per gap at a time. */
  private readonly filling = new Map<string, Promise<Outcome>>();
  private timer: NodeJS.Timeout | undefined;
  private pass: Promise<number> | undefined;

  constructor(
    private readonly options: TransactionManagerOptions,
    private readonly sending: FillSending,
  ) {}

  /** Looks for nonce gaps every `intervalMs` (until stop()), and fills each one found: see fill(). */
  watch(intervalMs: number): void {
    if (this.timer !== undefined || this.stopping) return;
    this.timer = setInterval(() => void this.fill(), intervalMs);
  }

  /** No fill is started after this. */
  stop(): void {
    this.stopping = true;
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Settles when the current look and every fill it started have returned (after stop()). */
  async drained(): Promise<void> {
    await Promise.allSettled([this.pass, ...this.filling.values()]);
  }

  /**
   * One look for nonce gaps; returns how many fills it started (they are followed in the background).
   *
   * A gap: the chain's mined transaction count of the account is n, the books handed out nonces above
   * n (so later transactions wait in the pool behind n), and no attempt holds n: the node refused the
   * transaction at n and its intent was not sent again, or a nonce was handed out and never signed.
   * Only when that has lasted the resubmission time (an intent planned again reuses its refused slot
   * meanwhile) is n filled with a transfer of 0 to the facilitator itself, booked as an intent of its
   * own (subject `nonce-gap:<chainId>:<account>:<nonce>`, step fillNonceGap) and followed like any.
   */
  fill(): Promise<number> {
    this.pass ??= (async () => {
      let started = 0;
      for (const sender of Object.values(this.options.senders)) {
        if (this.stopping) break;
        try {
          if (await this.fillGapOf(sender)) started++;
        } catch (error) {
          this.options.metrics.errors.inc({ kind: "nonceGap" });
          this.options.logger.warn("nonce gap check failed", { chain: sender.name, error: errorText(error) });
        }
      }
      return started;
    })().finally(() => {
      this.pass = undefined;
    });
    return this.pass;
  }

  private async fillGapOf(sender: ChainSender): Promise<boolean> {
    const { books, gas } = this.options;
    const account = sender.wallet.address;
    const nonce = BigInt(await sender.provider.getTransactionCount(account, "latest"));
    const state = await books.nonceState({ chainId: sender.chainId, account, nonce });
    const held = state.holder?.attempts.some((attempt) => LIVE.has(attempt.status)) ?? false;
    if (state.next === undefined || state.next <= nonce + 1n || held) {
      this.gaps.delete(sender.chainId);
      return false;
    }
    const seen = this.gaps.get(sender.chainId);
    if (seen?.nonce !== nonce) {
      this.gaps.set(sender.chainId, { nonce, since: Date.now() });
      return false;
    }
    if (Date.now() - seen.since < gas.resubmitAfterMs || this.stopping) return false;
    const key = { subject: nonceGapSubject(sender.chainId, account, nonce), step: NONCE_GAP_STEP };
    const id = `${key.subject}|${key.step}`;
    if (this.filling.has(id)) return false;
    this.gaps.delete(sender.chainId);
    const run = this.fillGap(sender, nonce, key)
      .catch((error: unknown): Outcome => {
        this.options.metrics.errors.inc({ kind: "nonceGap" });
        this.options.logger.error("nonce gap fill failed", {
          chain: sender.name,
          nonce,
          error: errorText(error),
        });
        return { status: "failed", kind: "unknown", message: errorText(error) };
      })
      .finally(() => this.filling.delete(id));
    this.filling.set(id, run);
    return true;
  }

  /** Sends the no-op at the gap's nonce and follows it to the configured depth. */
  private async fillGap(sender: ChainSender, nonce: bigint, key: IntentKey): Promise<Outcome> {
    const { books, logger, metrics, gas } = this.options;
    const started = Date.now();
    const self = sender.wallet.address;
    const { intent } = await books.planIntent({
      ...key,
      chainId: sender.chainId,
      target: self,
      calldata: "0x",
      value: 0n,
    });
    if (intent.status === "confirmed")
      return { status: "confirmed", hash: intent.minedHash!, block: Number(intent.minedBlock) };
    if (intent.status !== "planned") return this.sending.follow(key, started);
    if (this.stopping) return { status: "stopped" };
    const fees = initialFees(await marketFees(sender.provider), gas);
    const raw = await signTransactionWith(sender.wallet, {
      chainId: sender.chainId,
      nonce: Number(nonce),
      to: self,
      data: "0x",
      value: 0n,
      gasLimit: TRANSFER_GAS,
      ...feeFields(fees),
    });
    let attempt: AttemptRecord;
    try {
      attempt = await books.recordGapFill(key, raw);
    } catch (error) {
      if (!(error instanceof BooksConflictError)) throw error;
      // Recorded by another executor on the same books meanwhile: follow that transaction.
      const current = (await books.intentsFor(key.subject)).find((item) => item.step === key.step);
      if (current?.attempts.some((held) => LIVE.has(held.status))) return this.sending.follow(key, started);
      // The intent that held the nonce sent again at it first: no gap any more. Nothing was broadcast.
      logger.info("nonce gap closed before it was filled", { chain: sender.name, nonce });
      await books.markFailed(key, { kind: "gapClosed", message: error.message });
      return { status: "failed", kind: "gapClosed", message: error.message };
    }
    metrics.attempts.inc({ chain: sender.name, step: key.step });
    metrics.nonceGapFills.inc({ chain: sender.name });
    logger.info("filling nonce gap", {
      chain: sender.name,
      nonce,
      hash: attempt.hash,
      replaces: attempt.replaces,
      maxFeePerGas: feeCap(fees),
    });
    const broadcast = await this.sending.broadcast(sender, key, attempt);
    const outcome = broadcast ?? (await this.sending.follow(key, started));
    if (outcome.status === "confirmed") {
      logger.info("nonce gap filled", {
        chain: sender.name,
        nonce,
        hash: outcome.hash,
        block: outcome.block,
      });
    }
    return outcome;
  }
}
