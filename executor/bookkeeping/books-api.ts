// What the executor's books offer (implemented in books.ts): the operations and their options.
import type { NonceRequest, NonceSlotKey } from "./nonces.ts";
import type { AcquireOptions, LeaseRecord } from "./lease.ts";
import type { RetryPolicy } from "./backoff.ts";
import type {
  AttemptRecord,
  BlockCursor,
  HeldHashLock,
  IntentKey,
  IntentPlan,
  IntentRecord,
  IntentStatus,
  IntentWithAttempts,
  SkipRecord,
} from "./records.ts";

export interface BooksOptions {
  /** `file:<path>` (SQLite, created when missing) or `postgresql://user:password@host:port/db`. */
  url: string;
  /**
   * Unlocks the unlock secrets; without it storeSecret and readSecret refuse, progress intents
   * cannot be recorded and their sealed calldata and transactions read as stored (`sealed:…`).
   */
  passphrase?: string;
  /** Backoff of failed intents and the failure at which one is abandoned (default DEFAULT_RETRY). */
  retry?: RetryPolicy;
}

/** What the decision needs of an intent. */
export interface DecisionIntent extends IntentKey {
  status: IntentStatus;
  /** A failed intent's next try; null when due (or not failed). */
  nextAttemptAt: Date | null;
}

/** Which intents the decision loads besides the open ones (see decisionIntents). */
export interface DecisionScope {
  /** Subjects of the indexed snapshot: their confirmed and abandoned intents are loaded too. */
  subjects: string[];
  /** Intents changed at or after this time are loaded whatever their status. */
  since: Date;
}

/** Intents by subject, or by the hash of one of their transactions; optionally of one step. */
export interface IntentSelector {
  subjectOrHash: string;
  step?: string;
}

export interface Failure {
  /** A short class of error, e.g. reverted, rejected, nonce-too-low, out-of-gas. */
  kind: string;
  message: string;
  /** Give the intent up for good (abandoned) instead of failed. */
  abandon?: boolean;
  /** The attempt the node rejected: it becomes failed (it never entered the pool, so it can be replaced). */
  attemptHash?: string;
}

/** Where one nonce of an account stands in the books (see nonceState). */
export interface NonceState {
  /** The account's next nonce in the books (every nonce below it was handed out); undefined: none yet. */
  next: bigint | undefined;
  /** Given back unsigned (releaseNonce): the next allocation hands it out first. */
  released: boolean;
  /** The intent whose slot holds the nonce, and its attempts at that nonce (oldest first); null when no
   * transaction was recorded with it. */
  holder: { intent: IntentRecord; attempts: AttemptRecord[] } | null;
}

export interface Books {
  /**
   * Creates the intent, or returns the one with the same (subject, step): unchanged, except that a
   * failed intent takes the plan's new call and is planned again (a retry is built afresh), due or
   * not: holding back an intent until its nextAttemptAt is the decision's part.
   */
  planIntent(plan: IntentPlan): Promise<{ intent: IntentRecord; created: boolean }>;
  /** Every intent's key and status, without attempts. */
  intentStatuses(): Promise<{ subject: string; step: string; status: IntentStatus }[]>;
  /**
   * What one decision needs, without attempts: every intent in flight (planned, sending, sent,
   * mined), plus the failed, confirmed and abandoned ones of the scope's subjects or changed since
   * its time.
   */
  decisionIntents(scope: DecisionScope): Promise<DecisionIntent[]>;
  /** The intents a subject or transaction hash names (for the operator's retry and abandon). */
  selectIntents(selector: IntentSelector): Promise<IntentWithAttempts[]>;
  /**
   * The operator's retry: a failed or abandoned intent becomes failed and due now, with its failure
   * count reset, so the next decision plans it again. Refused for any other status.
   */
  retryIntent(intent: IntentKey): Promise<IntentRecord>;
  /** The operator gives a failed intent up: abandoned with `reason` (and its last error). Refused in flight. */
  abandonIntent(intent: IntentKey, reason: string): Promise<IntentRecord>;
  /**
   * The subjects, hash locks and declared messages of the stored secrets (never the secrets): all of
   * them, or those of the given subjects or hash locks.
   */
  heldHashLocks(scope?: { subjects: string[]; hashLocks: string[] }): Promise<HeldHashLock[]>;
  /**
   * Records a signed transaction (type 2, or type 0 on a chain without a base fee) of the intent BEFORE
   * it is broadcast, taking its nonce slot. A reverted attempt is not live: a new one may follow it.
   * The nonce must come from allocateNonce. Recording the same transaction again returns it.
   */
  recordAttempt(intent: IntentKey, rawTransaction: string): Promise<AttemptRecord>;
  /**
   * Allocates the account's next nonce (as allocateNonce), has `sign` sign the intent's transaction at
   * it and records that like recordAttempt, all in one transaction of the books: when anything fails,
   * the nonce is not handed out.
   */
  recordAttemptAtNewNonce(
    intent: IntentKey,
    request: NonceRequest,
    sign: (nonce: bigint) => Promise<string>,
  ): Promise<AttemptRecord>;
  /** Records a transaction at the same nonce that replaces an attempt, and marks that one replaced. */
  recordReplacement(replacedHash: string, rawTransaction: string): Promise<AttemptRecord>;
  /** Where one nonce of an account stands: handed out, given back, held by which intent's attempts. */
  nonceState(slot: NonceSlotKey): Promise<NonceState>;
  /**
   * Records, BEFORE it is broadcast, a transaction of `intent` (a no-op filling a nonce gap) at a
   * nonce that was handed out but that no transaction holds: never signed (or given back), or held
   * only by attempts the node refused. The slot passes to `intent` and its refused attempt is marked
   * replaced by this one, so the intent that held it never reuses that nonce (it gets a fresh one).
   * Refused (BooksConflictError) when an attempt at the nonce is signed, broadcast or mined.
   */
  recordGapFill(intent: IntentKey, rawTransaction: string): Promise<AttemptRecord>;
  markBroadcast(hash: string): Promise<AttemptRecord>;
  /**
   * The attempt is in a block: it is mined, the other attempts at its nonce dropped, its intent mined,
   * or confirmed in the same write when `confirmed` says the block is already deep enough.
   */
  markMined(hash: string, blockNumber: bigint, options?: { confirmed?: boolean }): Promise<IntentRecord>;
  markConfirmed(intent: IntentKey): Promise<IntentRecord>;
  /**
   * A reorganisation took the mined attempt `hash` out of the chain: the attempt is broadcast again
   * (its nonce is still its own) and its intent, mined or confirmed, is sent again, to be followed
   * until it is back in a block.
   */
  markUnmined(hash: string): Promise<IntentRecord>;
  /** Intents of chain `chainId` confirmed in a block at or above `fromBlock`: a reorganisation may still take them back. */
  confirmedSince(chainId: number, fromBlock: bigint): Promise<IntentRecord[]>;
  /**
   * The intent failed: its failure count rises and it waits out a backoff before it is planned
   * again (nextAttemptAt), or it is abandoned (asked to, or at the retry limit). `attemptHash`
   * marks the attempt the node rejected failed.
   */
  markFailed(intent: IntentKey, failure: Failure): Promise<IntentRecord>;
  /**
   * The mined attempt `hash` reverted: it becomes reverted (its nonce is used, it is never followed
   * again) and its intent failed, so that a new plan sends a new attempt at a fresh nonce.
   */
  markReverted(hash: string, failure: Omit<Failure, "attemptHash" | "abandon">): Promise<IntentRecord>;
  allocateNonce(request: NonceRequest): Promise<bigint>;
  releaseNonce(slot: NonceSlotKey): Promise<void>;
  /**
   * Stores the subject's unlock secret (32 bytes, 0x hex) encrypted, with the hash of the message the
   * subject's accept declares under it; returns its hash lock.
   */
  storeSecret(subject: string, secret: string, messageHash?: string): Promise<string>;
  /**
   * The hash of the message the subject's accept declared, as its receipt shows it, in place of the
   * one stored with the secret (worked out before sending, from the request's proxy as read then).
   */
  recordDeclaredMessage(subject: string, messageHash: string): Promise<void>;
  /** The plain secret (0x hex), by subject or by hash lock; undefined when none is stored. */
  readSecret(lookup: { subject: string } | { hashLock: string }): Promise<string | undefined>;
  /** Writes the feed's cursor, unless it is the one this process last wrote for that feed. */
  saveCursor(feed: string, cursor: BlockCursor): Promise<void>;
  readCursor(feed: string): Promise<BlockCursor | undefined>;
  recordSkip(subject: string, reason: string): Promise<void>;
  /** Newest first. */
  skips(limit?: number): Promise<SkipRecord[]>;
  intentsFor(subject: string): Promise<IntentWithAttempts[]>;
  /** Intents with a transaction out: sending, sent, or mined and not yet confirmed. */
  inFlight(): Promise<IntentWithAttempts[]>;
  /** The most recently changed intents, newest first. */
  recent(limit?: number): Promise<IntentWithAttempts[]>;
  /**
   * Takes the writer lease of a key (the facilitator's address) before any write: on PostgreSQL waits
   * as a standby while another process holds it; on SQLite refuses (BooksLeaseHeldError) while another
   * live process holds a lease of the file. From then on every write of these books is fenced: once
   * another process has taken the lease over, writes are refused (BooksLeaseLostError). Books that
   * never take a lease (the operator's commands) write unfenced.
   */
  acquireLease(options: AcquireOptions): Promise<LeaseRecord>;
  /** The lease rows: who holds or last held the lease of each key. */
  leases(): Promise<LeaseRecord[]>;
  /** Releases the lease if held (a standby takes over at once), then disconnects. */
  close(): Promise<void>;
}
