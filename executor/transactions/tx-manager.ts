// Sends the executor's transactions so that no effect happens twice and none is lost: each intent
// is planned under its (subject, step) key, dry-run right before sending, signed at a nonce the
// books allocated, recorded before broadcast, followed to the configured depth, replaced with
// bumped fees when it sits unmined, and resumed from the books after a crash. Nonce gaps are filled
// by nonce-gaps.ts, through this manager's broadcast and follower.
import { Transaction, type TransactionReceipt } from "ethers";
import { BooksConflictError, signTransactionWith } from "../bookkeeping/index.ts";
import type { AttemptRecord, IntentWithAttempts } from "../bookkeeping/records.ts";
import type { ChainName } from "../config.ts";
import type { Logger } from "../observability/logger.ts";
import {
  bumpedFees,
  feeCap,
  feeFields,
  initialFees,
  marketFees,
  type Fees,
  type MarketFees,
} from "./fees.ts";
import { HeadClock } from "./head-clock.ts";
import { NonceGapFiller } from "./nonce-gaps.ts";
import { ReorgWatch, unmineReorganised, type LastSeenBlocks } from "./reorg-watch.ts";
import { revertMessage } from "./revert-reason.ts";
import { intrinsicGas } from "./intrinsic-gas.ts";
import { missingReceiptStanding, receiptStanding } from "./receipt-standing.ts";
import {
  classifyRpcError,
  errorText,
  isRefusal,
  refusesEveryAttempt,
  type RpcErrorKind,
} from "./rpc-errors.ts";
import type { ChainSender, Outcome, TransactionManagerOptions } from "./sending.ts";

export type { ChainSender, Outcome, TransactionManagerOptions };

export interface TransactionRequest {
  subject: string;
  step: string;
  chain: ChainName;
  to: string;
  data: string;
  value?: bigint;
}

/** "nonce too low" with none of ours mined this many times: another transaction took the nonce. */
const FOREIGN_NONCE_SIGHTINGS = 3;
const OPEN = new Set(["signed", "broadcast", "failed"]);
/** The newest attempt that is open (signed, broadcast or failed): the one a bump or a resend is about. */
function newestOpen(attempts: AttemptRecord[]): AttemptRecord | undefined {
  return attempts.filter((attempt) => OPEN.has(attempt.status)).at(-1);
}

/**
 * Notes a refusal of `hash` in the follower's progress (one that holds for every attempt also as the
 * intent's verdict); false when the failure was no refusal by the node.
 */
function noteRefusal(progress: FollowProgress, hash: string, kind: RpcErrorKind, error: unknown): boolean {
  if (!isRefusal(kind)) return false;
  progress.refused.add(hash);
  if (refusesEveryAttempt(kind)) progress.invalid = { kind, message: errorText(error) };
  return true;
}

/** Attempts that may be sent again: a replaced one too, when the node refused what replaced it. */
const RESENDABLE = new Set(["signed", "broadcast", "replaced"]);
/** A follower looks again after this many poll intervals without a new block (bumps go by the clock). */
const FOLLOW_IDLE_POLLS = 4;
/** The longest pause between two tries of a follower whose reads fail. */
const MAX_FOLLOW_BACKOFF_MS = 5000;

/** The pause after `failures` failed follower steps in a row: doubling from the poll interval. */
function followBackoff(pollMs: number, failures: number): number {
  return Math.min(MAX_FOLLOW_BACKOFF_MS, pollMs * 2 ** Math.min(failures, 10));
}

/** What one follower remembers between its looks at an intent. */
interface FollowProgress {
  /** "nonce too low" sightings with none of ours mined. */
  foreignNonce: number;
  lastBroadcastAt: number;
  /** The attempt last reported at the fee ceiling. */
  cappedAttempt?: string;
  /** The chain the intent's transaction is on, once read. */
  chainId?: number;
  /** Attempts the node refused when they were sent again or as bumps: not the ones to send again. */
  refused: Set<string>;
  /** A refusal no attempt of the intent can get past (refusesEveryAttempt), once seen. */
  invalid?: { kind: RpcErrorKind; message: string };
}

export class TransactionManager {
  private stopping = false;
  private readonly pollMs: number;
  private readonly sending = new Map<string, Promise<Outcome>>();
  private readonly nonceGaps: NonceGapFiller;
  private reorgs: ReorgWatch | undefined;
  /** Followers whose last step failed, by intent: the error. */
  private readonly stalls = new Map<string, string>();
  /** Ends the followers' pauses at stop(). */
  private readonly wakers = new Set<() => void>();
  /** Each chain's head, read once for all followers (by chain id). */
  private readonly clocks = new Map<number, HeadClock>();

  constructor(private readonly options: TransactionManagerOptions) {
    this.pollMs = options.pollIntervalMs ?? 250;
    this.nonceGaps = new NonceGapFiller(options, {
      broadcast: (sender, key, attempt) => this.broadcast(sender, key, attempt),
      follow: (key, started) => this.follow(key, started),
    });
  }

  /**
   * Nonces allocated but never signed (the process stopped in between) would leave a gap that
   * holds back every later transaction: above the chain's mined count, each such nonce is given
   * back to the books, to be handed out again first.
   */
  async releaseUnsignedNonces(): Promise<number> {
    let released = 0;
    for (const sender of Object.values(this.options.senders)) {
      const account = { chainId: sender.chainId, account: sender.wallet.address };
      const mined = await sender.provider.getTransactionCount(sender.wallet.address, "latest");
      for (let nonce = BigInt(mined); ; nonce++) {
        try {
          await this.options.books.releaseNonce({ ...account, nonce });
          released++;
        } catch (error) {
          if (error instanceof BooksConflictError) continue; // signed: its intent is followed
          break; // never allocated: past the books' cursor
        }
      }
    }
    return released;
  }

  /** No new transaction is signed after this; followers return at their next poll. */
  stop(): void {
    this.stopping = true;
    this.nonceGaps.stop();
    this.reorgs?.stop();
    for (const wake of this.wakers) wake();
    for (const clock of this.clocks.values()) clock.wakeAll();
  }

  /** Settles when every send, follow and gap fill this manager started has returned (after stop()). */
  async drained(): Promise<void> {
    await Promise.allSettled([this.nonceGaps.drained(), this.reorgs?.drained(), ...this.sending.values()]);
  }

  /**
   * Looks on a timer (until stop()) for confirmed transactions that a reorganisation took out of
   * the chain, sends each again and hands its intent to `reopened` to be followed. The first looks
   * reach back to below `lastSeen`, the blocks the executor had seen before this start.
   */
  watchReorgs(
    reopened: (intent: { subject: string; step: string }) => void,
    { intervalMs = 2000, lastSeen = {} }: { intervalMs?: number; lastSeen?: LastSeenBlocks } = {},
  ): void {
    if (this.stopping) return;
    this.reorgs ??= new ReorgWatch(this.options, reopened, lastSeen);
    this.reorgs.watch(intervalMs);
  }

  /**
   * Looks for nonce gaps on every chain on a timer (until stop()), and fills each one found. The
   * default interval is half the resubmission time, between the poll interval and 5 s.
   */
  watchNonceGaps(
    intervalMs = Math.max(this.pollMs, Math.min(5000, this.options.gas.resubmitAfterMs / 2)),
  ): void {
    this.nonceGaps.watch(intervalMs);
  }

  /** One look for nonce gaps; how many fills it started (see NonceGapFiller.fill). */
  fillNonceGaps(): Promise<number> {
    return this.nonceGaps.fill();
  }

  private sender(chainId: number): ChainSender {
    const sender = Object.values(this.options.senders).find((candidate) => candidate.chainId === chainId);
    if (!sender) throw new Error(`no chain with id ${chainId} is configured`);
    return sender;
  }

  /** The intent of (subject, step) as the books hold it now, with its attempts. */
  async intentOf(key: { subject: string; step: string }): Promise<IntentWithAttempts | undefined> {
    return (await this.options.books.intentsFor(key.subject)).find((item) => item.step === key.step);
  }

  /** Plans, sends and follows one transaction to the configured depth; concurrent calls for the
   * same (subject, step) share one run. */
  send(request: TransactionRequest): Promise<Outcome> {
    const id = `${request.subject}|${request.step}`;
    let run = this.sending.get(id);
    if (!run) {
      run = this.sendOnce(request).finally(() => this.sending.delete(id));
      this.sending.set(id, run);
    }
    return run;
  }

  private async sendOnce(request: TransactionRequest): Promise<Outcome> {
    const { books, logger, metrics } = this.options;
    const sender = this.options.senders[request.chain];
    const key = { subject: request.subject, step: request.step };
    const started = Date.now();
    const { intent, created } = await books.planIntent({
      ...key,
      chainId: sender.chainId,
      target: request.to,
      calldata: request.data,
      value: request.value,
    });
    if (intent.status === "confirmed")
      return { status: "confirmed", hash: intent.minedHash!, block: Number(intent.minedBlock) };
    if (intent.status !== "planned") return this.follow(key, started);
    if (this.stopping) return { status: "stopped" };

    const log = logger.child({ subject: key.subject, step: key.step, chain: request.chain });
    const from = sender.wallet.address;
    // The dry run, the fees and the mined nonce count are read at once: one round trip, not three.
    const [estimated, market, mined] = await Promise.allSettled([
      sender.provider.estimateGas({ from, to: request.to, data: request.data, value: request.value }),
      marketFees(sender.provider),
      sender.provider.getTransactionCount(from, "latest"),
    ]);
    if (estimated.status === "rejected") {
      // The dry run right before sending: a call that would revert now is not sent at all.
      const kind = classifyRpcError(estimated.reason);
      const message = errorText(estimated.reason);
      metrics.errors.inc({ kind: `dryRun:${kind}` });
      log.warn("dry run failed; not sent", { kind, error: message });
      await books.markFailed(key, { kind: `dryRun:${kind}`, message });
      return { status: "failed", kind, message };
    }
    const floor = intrinsicGas(request.data);
    if (estimated.value < floor) {
      // Below what the transaction costs before it runs: a node's wrong answer. Sent with a gas
      // limit from it, it would be refused again at every rebroadcast.
      const message = `the node estimated ${estimated.value} gas, below the ${floor} the transaction costs before it runs`;
      metrics.errors.inc({ kind: "dryRun:badEstimate" });
      log.warn("dry run failed; not sent", { kind: "badEstimate", error: message });
      await books.markFailed(key, { kind: "dryRun:badEstimate", message });
      return { status: "failed", kind: "badEstimate", message };
    }
    const gasLimit = (estimated.value * 130n) / 100n + 20_000n;
    let prepared: { attempt: AttemptRecord; fees: Fees };
    try {
      if (market.status === "rejected") throw market.reason;
      if (mined.status === "rejected") throw mined.reason;
      const reads = { market: market.value, minedNonce: BigInt(mined.value), fresh: created };
      prepared = await this.recordFirstAttempt(sender, key, request, gasLimit, reads, log);
    } catch (error) {
      // Nothing was recorded: the intent is left failed, which the next decision plans again;
      // left planned it would read as in flight, and wait for a restart.
      const kind = classifyRpcError(error);
      const message = errorText(error);
      metrics.errors.inc({ kind });
      log.warn("not sent", { kind, error: message });
      await books.markFailed(key, { kind, message });
      return { status: "failed", kind, message };
    }
    const { attempt, fees } = prepared;
    metrics.attempts.inc({ chain: request.chain, step: request.step });
    log.info("sending", {
      hash: attempt.hash,
      nonce: Number(attempt.nonce),
      maxFeePerGas: feeCap(fees),
      gasLimit,
    });
    const broadcast = await this.broadcast(sender, key, attempt);
    if (broadcast) return broadcast;
    return this.follow(key, started, Date.now());
  }

  /**
   * Fees, a nonce (the refused attempt's, or a fresh one), the signed attempt recorded. `reads` are
   * what sendOnce read just before: the market fees, the mined nonce count, and whether the intent
   * was created by this send (then it has no refused attempt to look for).
   */
  private async recordFirstAttempt(
    sender: ChainSender,
    key: { subject: string; step: string },
    request: TransactionRequest,
    gasLimit: bigint,
    reads: { market: MarketFees; minedNonce: bigint; fresh: boolean },
    log: Logger,
  ): Promise<{ attempt: AttemptRecord; fees: Fees }> {
    const { books } = this.options;
    const fees = initialFees(reads.market, this.options.gas);
    const sign = (nonce: bigint) =>
      signTransactionWith(sender.wallet, {
        chainId: sender.chainId,
        nonce: Number(nonce),
        to: request.to,
        data: request.data,
        value: request.value ?? 0n,
        gasLimit,
        ...feeFields(fees),
      });
    let attempt: AttemptRecord | undefined;
    const reusable = reads.fresh ? undefined : await this.failedSlot(sender, key);
    if (reusable) {
      try {
        attempt = await books.recordReplacement(reusable.hash, await sign(reusable.nonce));
      } catch (error) {
        if (!(error instanceof BooksConflictError)) throw error;
        // A gap fill took the slot meanwhile (that transaction was not recorded, so it is never sent).
        log.info("refused nonce taken by a gap fill; a fresh nonce", { nonce: reusable.nonce });
      }
    }
    attempt ??= await this.recordAtFreshNonce(sender, key, sign, reads.minedNonce);
    return { attempt, fees };
  }

  /**
   * The intent's attempt that the node refused before it entered the pool: its nonce is reused, while
   * the chain has not used it (a gap fill that took it moved its slot away from the intent, so it is
   * not among the intent's attempts any more).
   */
  private async failedSlot(
    sender: ChainSender,
    key: { subject: string; step: string },
  ): Promise<AttemptRecord | undefined> {
    // The newest open one (an earlier attempt sent again is open again, and newer ones replaced).
    const last = newestOpen((await this.intentOf(key))?.attempts ?? []);
    if (last?.status !== "failed") return undefined;
    const mined = BigInt(await sender.provider.getTransactionCount(last.from, "latest"));
    return last.nonce >= mined ? last : undefined;
  }

  /**
   * Allocates a nonce, signs at it and records the attempt, in one transaction of the books: no nonce
   * is handed out without its transaction recorded, so a gap fill never takes one in between.
   */
  private recordAtFreshNonce(
    sender: ChainSender,
    key: { subject: string; step: string },
    sign: (nonce: bigint) => Promise<string>,
    minedNonce: bigint,
  ): Promise<AttemptRecord> {
    // The mined count (read just before): a pool with a gap can report a "pending" count past the gap.
    const account = { chainId: sender.chainId, account: sender.wallet.address, chainNonce: minedNonce };
    return this.options.books.recordAttemptAtNewNonce(key, account, sign);
  }

  /** Broadcasts an attempt; an outcome when that already settles the intent. */
  private async broadcast(
    sender: ChainSender,
    key: { subject: string; step: string },
    attempt: AttemptRecord,
  ): Promise<Outcome | undefined> {
    const { books, logger, metrics } = this.options;
    try {
      await sender.provider.send("eth_sendRawTransaction", [attempt.rawTransaction]);
      await books.markBroadcast(attempt.hash);
      return undefined;
    } catch (error) {
      const kind = classifyRpcError(error);
      const message = errorText(error);
      metrics.errors.inc({ kind });
      switch (kind) {
        case "alreadyKnown":
          await books.markBroadcast(attempt.hash);
          return undefined;
        case "network":
        case "unknown":
        case "underpriced":
        case "nonceTooLow":
          // Left as it is: the follower re-broadcasts, bumps, or finds which transaction took the nonce.
          logger.warn("broadcast refused for now", { hash: attempt.hash, kind, error: message });
          return undefined;
        default:
          logger.error("broadcast refused", { hash: attempt.hash, kind, error: message });
          await books.markFailed(key, { kind, message, attemptHash: attempt.hash });
          return { status: "failed", kind, message };
      }
    }
  }

  /**
   * Follows an intent already out until it is confirmed or failed (also after a restart). A failed
   * read (receipt, block number, base fee, books) never ends it: the step is tried again with a
   * growing pause, and the follower counts as stalled meanwhile (see followerHealth()). `broadcastAt`:
   * when the caller last broadcast the intent's transaction (0: unknown).
   */
  async follow(
    key: { subject: string; step: string },
    started = Date.now(),
    broadcastAt = 0,
  ): Promise<Outcome> {
    const { logger, metrics } = this.options;
    const id = `${key.subject}|${key.step}`;
    // Just broadcast by the caller: not sent again before it may have been dropped.
    const progress: FollowProgress = { foreignNonce: 0, lastBroadcastAt: broadcastAt, refused: new Set() };
    let failures = 0;
    try {
      while (!this.stopping) {
        try {
          const outcome = await this.followStep(key, started, progress);
          if (outcome) return outcome;
          if (failures > 0) {
            logger.info("following again", { subject: key.subject, step: key.step, after: failures });
            this.setStall(id, undefined);
          }
          failures = 0;
        } catch (error) {
          failures++;
          const message = errorText(error);
          metrics.errors.inc({ kind: "follow" });
          if (failures === 1) {
            logger.warn("following stalled; retrying", {
              subject: key.subject,
              step: key.step,
              error: message,
            });
          }
          this.setStall(id, message);
        }
        if (failures === 0 && progress.chainId !== undefined) await this.nextBlock(progress.chainId);
        else await this.pause(failures === 0 ? this.pollMs : followBackoff(this.pollMs, failures));
      }
      return { status: "stopped" };
    } finally {
      this.setStall(id, undefined);
    }
  }

  /** Followers whose last step failed, and the latest of their errors. */
  followerHealth(): { stalled: number; lastError: string | null } {
    return { stalled: this.stalls.size, lastError: [...this.stalls.values()].at(-1) ?? null };
  }

  private setStall(id: string, error: string | undefined): void {
    this.stalls.delete(id);
    if (error !== undefined) this.stalls.set(id, error);
    this.options.metrics.followersStalled.set(this.stalls.size);
  }

  /**
   * Waits for the chain's next block (all followers share one reading of its head), or at most
   * FOLLOW_IDLE_POLLS poll intervals, or less when stop() is called meanwhile.
   */
  private nextBlock(chainId: number): Promise<void> {
    if (this.stopping) return Promise.resolve();
    let clock = this.clocks.get(chainId);
    if (!clock) {
      const { provider } = this.sender(chainId);
      clock = new HeadClock(async () => Number(await provider.send("eth_blockNumber", [])), this.pollMs);
      this.clocks.set(chainId, clock);
    }
    return clock.next(this.pollMs * FOLLOW_IDLE_POLLS);
  }

  /** Waits `ms`, or less when stop() is called meanwhile. */
  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.wakers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, this.stopping ? 0 : ms);
      this.wakers.add(wake);
    });
  }

  /** One look at an intent that is out: an outcome once it is settled. */
  private async followStep(
    key: { subject: string; step: string },
    started: number,
    progress: FollowProgress,
  ): Promise<Outcome | undefined> {
    const { books, logger, metrics } = this.options;
    const intent = await this.intentOf(key);
    if (!intent)
      return { status: "failed", kind: "unknown", message: `no intent ${key.subject} ${key.step}` };
    if (intent.status === "confirmed")
      return { status: "confirmed", hash: intent.minedHash!, block: Number(intent.minedBlock) };
    if (intent.status === "failed" || intent.status === "abandoned" || intent.status === "planned") {
      return { status: "failed", kind: intent.errorKind ?? "unknown", message: intent.errorMessage ?? "" };
    }
    const sender = this.sender(Number(intent.chainId));
    progress.chainId = sender.chainId;
    const mined = await this.minedAttempt(sender, intent);
    // A receipt of another transaction says nothing of ours, not even that it left its block.
    if (mined === "doubtful") return undefined;
    if (mined) {
      const { attempt, receipt } = mined;
      const recorded = intent.status === "mined" && intent.minedHash === attempt.hash;
      const head = await sender.provider.getBlockNumber();
      const deep = head - receipt.blockNumber + 1 >= Math.max(1, sender.confirmations);
      // Checked before a receipt is first written, taken as confirmed, or taken as reverted.
      const settles = !recorded || deep || receipt.status !== 1;
      const standing = settles ? await receiptStanding(sender, attempt.hash, receipt, logger) : "canonical";
      if (standing === "unknown") return undefined;
      // A receipt in a block the chain no longer has is of no block: the transaction is followed
      // as one without a receipt (unmined, sent again, bumped), as the reorganisation watch takes
      // it. Waiting for the node to drop the receipt could be for ever while it has lost the
      // transaction itself.
      if (standing === "elsewhere") return this.followUnmined(sender, key, intent, progress);
      if (receipt.status !== 1) {
        if (!recorded) await books.markMined(attempt.hash, BigInt(receipt.blockNumber));
        const message = await revertMessage(sender.provider, attempt.rawTransaction, receipt.blockNumber);
        metrics.errors.inc({ kind: "revert" });
        logger.warn("transaction reverted", {
          subject: key.subject,
          step: key.step,
          hash: attempt.hash,
          reason: message,
        });
        // The attempt is set aside for good: the intent may be planned again, at a fresh nonce.
        await books.markReverted(attempt.hash, { kind: "revert", message });
        return { status: "failed", kind: "revert", message };
      }
      // A block already deep enough is recorded mined and confirmed in one write.
      if (!recorded) await books.markMined(attempt.hash, BigInt(receipt.blockNumber), { confirmed: deep });
      else if (deep) await books.markConfirmed(key);
      if (deep) {
        metrics.stepLatency.observe({ step: key.step }, (Date.now() - started) / 1000);
        return { status: "confirmed", hash: attempt.hash, block: receipt.blockNumber };
      }
      return undefined;
    }
    return this.followUnmined(sender, key, intent, progress);
  }

  /** An intent out with no receipt in the chain: unmined when it was mined, else sent again or bumped. */
  private async followUnmined(
    sender: ChainSender,
    key: { subject: string; step: string },
    intent: IntentWithAttempts,
    progress: FollowProgress,
  ): Promise<Outcome | undefined> {
    const { books, logger, gas } = this.options;
    if (intent.status === "mined" && intent.minedHash !== null) {
      // A node that cannot tell yet (behind, or its receipts not indexed) is asked again later.
      if (
        intent.minedBlock !== null &&
        (await missingReceiptStanding(sender, intent.minedHash, intent.minedBlock)) === "unknown"
      )
        return undefined;
      // Its receipt is gone: a reorganisation took it out of the chain, and nodes drop such
      // transactions from their pools. Broadcast again at its own nonce, and followed as before.
      await unmineReorganised(this.options, sender, { ...intent, minedHash: intent.minedHash });
      progress.lastBroadcastAt = 0;
      return undefined;
    }
    const latest = newestOpen(intent.attempts);
    if (!latest) return undefined;
    // What is sent again: the newest attempt the node did not refuse. After a refused bump that is
    // the transaction it replaced, which is still valid and may still be mined (or lost by a node).
    const resend =
      [...intent.attempts]
        .reverse()
        .find((attempt) => RESENDABLE.has(attempt.status) && !progress.refused.has(attempt.hash)) ?? latest;
    const age = Date.now() - latest.createdAt.getTime();
    if (age >= gas.resubmitAfterMs) {
      const outcome = await this.bump(sender, key, latest, progress);
      if (outcome === "foreign") progress.foreignNonce++;
      if (outcome === "capped" && progress.cappedAttempt !== latest.hash) {
        // Said once per attempt: the follower asks again on every poll.
        progress.cappedAttempt = latest.hash;
        logger.warn("fee ceiling reached; waiting", {
          subject: key.subject,
          step: key.step,
          hash: latest.hash,
        });
      }
      if (outcome === "capped" && Date.now() - progress.lastBroadcastAt > gas.resubmitAfterMs / 2) {
        // At the fee ceiling the attempt stands; it may have left the pool (a reorganisation drops it).
        progress.lastBroadcastAt = Date.now();
        await this.rebroadcast(sender, resend, progress);
      }
      if (progress.foreignNonce >= FOREIGN_NONCE_SIGHTINGS) {
        const message = `nonce ${latest.nonce} was taken by a transaction not in the books`;
        await books.markFailed(key, { kind: "nonceTooLow", message, attemptHash: latest.hash });
        return { status: "failed", kind: "nonceTooLow", message };
      }
    } else if (
      (latest.status === "signed" && !progress.refused.has(latest.hash)) ||
      Date.now() - progress.lastBroadcastAt > gas.resubmitAfterMs / 2
    ) {
      // Never broadcast (the process stopped in between), or possibly dropped by the node.
      progress.lastBroadcastAt = Date.now();
      await this.rebroadcast(sender, resend, progress);
    }
    if (progress.invalid) {
      const { kind, message } = progress.invalid;
      // The newest open attempt (a bump's replacement just recorded, maybe) is the one failed:
      // planned again, the intent reuses its nonce; left signed, it would hold the nonce for ever.
      const newest = newestOpen((await this.intentOf(key))?.attempts ?? []) ?? latest;
      logger.warn("sent again and refused for good", {
        subject: key.subject,
        step: key.step,
        kind,
        error: message,
      });
      await books.markFailed(key, { kind, message, attemptHash: newest.hash });
      return { status: "failed", kind, message };
    }
    return undefined;
  }

  /**
   * The attempt in a block, with its receipt; a reverted one was settled and is not read again.
   * "doubtful" when the node answered a receipt of another transaction for one of them.
   */
  private async minedAttempt(
    sender: ChainSender,
    intent: IntentWithAttempts,
  ): Promise<{ attempt: AttemptRecord; receipt: TransactionReceipt } | "doubtful" | undefined> {
    let doubtful = false;
    for (const attempt of [...intent.attempts].reverse()) {
      if (attempt.status === "reverted") continue;
      const receipt = await sender.provider.getTransactionReceipt(attempt.hash);
      if (!receipt) continue;
      if (receipt.hash.toLowerCase() !== attempt.hash.toLowerCase()) {
        this.options.logger.warn("the node answered a receipt of another transaction", {
          hash: attempt.hash,
          answered: receipt.hash,
        });
        doubtful = true;
        continue;
      }
      return { attempt, receipt };
    }
    return doubtful ? "doubtful" : undefined;
  }

  /** Sends an attempt again; one the node refuses is noted in `progress.refused`. */
  private async rebroadcast(
    sender: ChainSender,
    attempt: AttemptRecord,
    progress: FollowProgress,
  ): Promise<void> {
    try {
      await sender.provider.send("eth_sendRawTransaction", [attempt.rawTransaction]);
    } catch (error) {
      const kind = classifyRpcError(error);
      if (kind !== "alreadyKnown") {
        noteRefusal(progress, attempt.hash, kind, error);
        this.options.logger.debug("re-broadcast refused", { hash: attempt.hash, error: errorText(error) });
        return;
      }
    }
    if (attempt.status === "signed") await this.options.books.markBroadcast(attempt.hash);
  }

  /**
   * Replaces an unmined attempt with bumped fees at the same nonce. A replacement the node refuses
   * stays in the books (it was signed, so it may be out) and is noted in `progress.refused`.
   */
  private async bump(
    sender: ChainSender,
    key: { subject: string; step: string },
    attempt: AttemptRecord,
    progress: FollowProgress,
  ): Promise<"bumped" | "capped" | "foreign" | "refused"> {
    const { books, logger, metrics, gas } = this.options;
    const fees = bumpedFees(attempt, await marketFees(sender.provider), gas);
    if (!fees) return "capped";
    const previous = Transaction.from(attempt.rawTransaction);
    const raw = await signTransactionWith(sender.wallet, {
      chainId: sender.chainId,
      nonce: previous.nonce,
      to: previous.to,
      data: previous.data,
      value: previous.value,
      gasLimit: previous.gasLimit,
      ...feeFields(fees),
    });
    const replacement = await books.recordReplacement(attempt.hash, raw);
    metrics.bumps.inc({ chain: sender.name, step: key.step });
    metrics.attempts.inc({ chain: sender.name, step: key.step });
    logger.info("fee bump", {
      subject: key.subject,
      step: key.step,
      replaces: attempt.hash,
      hash: replacement.hash,
      maxFeePerGas: feeCap(fees),
    });
    try {
      await sender.provider.send("eth_sendRawTransaction", [raw]);
      await books.markBroadcast(replacement.hash);
      return "bumped";
    } catch (error) {
      const kind = classifyRpcError(error);
      metrics.errors.inc({ kind });
      if (kind === "alreadyKnown") {
        await books.markBroadcast(replacement.hash);
        return "bumped";
      }
      if (kind === "nonceTooLow") return "foreign";
      // A network failure may have reached the node: sent again on the next look, as before.
      if (!noteRefusal(progress, replacement.hash, kind, error)) return "refused";
      logger.warn("fee bump refused", {
        subject: key.subject,
        step: key.step,
        hash: replacement.hash,
        kind,
        error: errorText(error),
      });
      return "refused";
    }
  }
}
