// The executor's side of the books' writer lease (docs/executor-bookkeeping.md): before recovery and
// any send it takes the lease of its key, standing by while another process holds it (PostgreSQL),
// and says so in the log; losing the lease later is reported so that the service stops.
import type { Books, LeaseRecord } from "./bookkeeping/index.ts";
import type { Logger } from "./observability/logger.ts";

export interface WriterLeaseHooks {
  /** Ends a standby's wait: startExecutor then rejects with the signal's reason. */
  signal?: AbortSignal;
  /** Another process holds the lease: this one stands by (for /health). */
  onStandby?(holder: { pid: number; host: string }): void;
  /** Another process took the lease over: this one must stop (its writes are refused already). */
  onLeaseLost?(error: Error): void;
}

/** Waits until this process holds the writer lease of `facilitator`'s key in `books`. */
export async function holdWriterLease(
  books: Books,
  facilitator: string,
  logger: Logger,
  hooks: WriterLeaseHooks,
): Promise<LeaseRecord> {
  const held = await books.acquireLease({
    name: facilitator,
    signal: hooks.signal,
    onStandby(holder) {
      logger.info("standing by", {
        holderPid: holder.pid,
        holderHost: holder.host,
        holderSince: holder.acquiredAt.toISOString(),
      });
      hooks.onStandby?.(holder);
    },
    onLost(error) {
      logger.error("writer lease lost", { error: error.message });
      hooks.onLeaseLost?.(error);
    },
  });
  logger.info("writer lease acquired", { token: held.token, pid: held.pid, host: held.host });
  return held;
}
