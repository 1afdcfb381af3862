// The executor's books (see docs/executor-bookkeeping.md).
export { openBooks, type Books, type BooksOptions, type Failure, type NonceState } from "./books.ts";
export {
  BooksConflictError,
  BooksError,
  BooksLeaseHeldError,
  BooksLeaseLostError,
  BooksPassphraseError,
  IntentStatusConflictError,
} from "./errors.ts";
export { DEFAULT_LEASE_TIMING, type AcquireOptions, type LeaseRecord, type LeaseTiming } from "./lease.ts";
export type { NonceAccount, NonceRequest, NonceSlotKey } from "./nonces.ts";
export type {
  AttemptRecord,
  AttemptStatus,
  BlockCursor,
  HeldHashLock,
  IntentKey,
  IntentPlan,
  IntentRecord,
  IntentStatus,
  IntentWithAttempts,
  SkipRecord,
} from "./records.ts";
export { signTransactionWith } from "./signed-transaction.ts";
