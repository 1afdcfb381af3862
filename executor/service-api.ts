// What the executor service offers to its commands (cli/facilitator.ts): the contract between the
// service (executor/service.ts) and the CLI, status and observability modules.
import type { Books } from "./bookkeeping/index.ts";
import type { ExecutorConfig } from "./config.ts";
import type { Funds } from "./decide/funds.ts";
import type { SubgraphReader } from "./feed/indexed-state.ts";
import type { Logger } from "./observability/logger.ts";
import type { ExecutorMetrics } from "./observability/metrics.ts";
import type { WriterLeaseHooks } from "./writer-lease.ts";

/** Secrets the service needs at start; they come from the environment or a prompt, never a file. */
export interface ExecutorSecrets {
  /** Decrypts the facilitator's JSON keystore. */
  keystorePassword: string;
  /** Encrypts the unlock secrets at rest in the books. */
  secretsPassphrase: string;
}

export interface ExecutorOptions extends WriterLeaseHooks {
  logger: Logger;
  metrics: ExecutorMetrics;
}

export interface RunningExecutor {
  /** The facilitator's address. */
  facilitator: string;
  books: Books;
  readers: { origin: SubgraphReader; auxiliary: SubgraphReader };
  /** Health for /health: the feeds' modes and last blocks, the last decision's time. */
  health(): ExecutorHealth;
  /** The balances last read (for the status page), or undefined before the first reading. */
  funds(): Funds | undefined;
  /** Takes no new actions, lets in-flight sends finish recording, closes connections. */
  stop(): Promise<void>;
}

export interface ExecutorHealth {
  /** standby: another process holds the books' writer lease of the key; this one waits to take over. */
  status: "starting" | "standby" | "ok" | "degraded" | "stopping";
  /** nodeBlock: the chain's head as its node last answered it (absent before the service runs). */
  feeds: Record<
    "origin" | "auxiliary",
    { mode: "subscriptions" | "polling"; lastBlock: number | null; nodeBlock?: number | null }
  >;
  lastDecisionAt: string | null;
  lastError: string | null;
  /**
   * Transactions being followed whose last look failed (a node not answering): retried with a pause;
   * while any is stalled the status is "degraded". Absent before the service runs.
   */
  followers?: { stalled: number; lastError: string | null };
  /**
   * Balances too low for one more accept (what is short, held and needed); while any is, the
   * status is "degraded" and new requests are left alone. Absent before the service runs.
   */
  balances?: { low: string[] };
}

export type StartExecutor = (
  config: ExecutorConfig,
  secrets: ExecutorSecrets,
  options: ExecutorOptions,
) => Promise<RunningExecutor>;
