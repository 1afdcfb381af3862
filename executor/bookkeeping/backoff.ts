// How long a failed intent waits before it is tried again, and when it is given up: the wait
// doubles with each failure from `initialMs` up to `maxMs`, plus up to a quarter of random jitter
// (so intents that failed together do not all come back in the same instant), and the intent is
// abandoned at its `limit`-th failure.

export interface RetryPolicy {
  /** The wait after the first failure. */
  initialMs: number;
  /** The longest wait. */
  maxMs: number;
  /** The failure at which the intent is abandoned. */
  limit: number;
}

export const DEFAULT_RETRY: RetryPolicy = { initialMs: 2000, maxMs: 5 * 60_000, limit: 12 };

/** The wait after the `failures`-th failure (1 for the first), in milliseconds. */
export function backoffDelay(
  failures: number,
  policy: RetryPolicy,
  random: () => number = Math.random,
): number {
  const exponential = policy.initialMs * 2 ** Math.max(0, failures - 1);
  return Math.round(Math.min(policy.maxMs, exponential * (1 + random() / 4)));
}

/** What a failure makes of an intent: failed until its next try, or abandoned at the limit. */
export function afterFailure(
  failures: number,
  policy: RetryPolicy,
  abandon: boolean,
  now = Date.now(),
): { status: "failed" | "abandoned"; nextAttemptAt: Date | null } {
  if (abandon || failures >= policy.limit) return { status: "abandoned", nextAttemptAt: null };
  return { status: "failed", nextAttemptAt: new Date(now + backoffDelay(failures, policy)) };
}
