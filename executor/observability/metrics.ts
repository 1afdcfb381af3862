// The executor's Prometheus metrics, on a registry of its own (not prom-client's global one), so
// that tests and several executors in one process never share or double-register series.
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";

export interface ExecutorMetrics {
  registry: Registry;
  /** Signed transactions sent, replacements included. */
  attempts: Counter<"chain" | "step">;
  /** Replacements with raised fees. */
  bumps: Counter<"chain" | "step">;
  /** No-op transfers to itself sent at a nonce no transaction held, which held back later ones. */
  nonceGapFills: Counter<"chain">;
  /** Failures by kind (revert, decision, action, dryRun:<kind>, nonceTooLow, underpriced, …). */
  errors: Counter<"kind">;
  /** Seconds from the executor taking up a step (sending it, or resuming it) to its confirmation. */
  stepLatency: Histogram<"step">;
  /** As of the latest decision: actions offered (planned), actions executing (inFlight), waiting and skipped. */
  queue: Gauge<"state">;
  /** The latest block each feed reported. */
  feedBlock: Gauge<"feed">;
  /** Each chain's head as its node last answered it. */
  chainBlock: Gauge<"chain">;
  /** Blocks between each chain's head and its subgraph's (subgraph-lag.ts). */
  subgraphLag: Gauge<"feed">;
  /** Decisions taken (one per change of the indexed state). */
  decisions: Counter;
  /** Failed intents taken up again once their backoff was over (or the operator retried them). */
  retries: Counter<"step">;
  /** Intents given up: at the retry limit, or refused for good. */
  abandons: Counter<"step">;
  /** Transactions being followed whose last look failed (the node did not answer): retried with a pause. */
  followersStalled: Gauge;
  /** Indexed values refused because the chain, the deployment or the schema says otherwise, by reason. */
  untrustedInput: Counter<"reason">;
  /** Transactions of ours that a reorganisation took out of the chain, sent again. */
  reorgedTransactions: Counter<"chain" | "step">;
  /** The facilitator's balances as last read, in whole units (ether, base token). */
  balance: Gauge<"chain" | "asset">;
  /** 1 while a balance cannot pay one more accept (its bounty and gas), else 0. */
  balanceLow: Gauge<"chain" | "asset">;
}

/** From a second to an hour: a step waits for blocks, anchors and confirmations on two chains. */
const LATENCY_BUCKETS = [1, 2, 5, 10, 30, 60, 120, 300, 600, 1800, 3600];

export function createMetrics(): ExecutorMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const registers = [registry];
  return {
    registry,
    attempts: new Counter({
      name: "facilitator_attempts_total",
      help: "Signed transactions sent, replacements included.",
      labelNames: ["chain", "step"],
      registers,
    }),
    bumps: new Counter({
      name: "facilitator_fee_bumps_total",
      help: "Transactions replaced with raised fees.",
      labelNames: ["chain", "step"],
      registers,
    }),
    nonceGapFills: new Counter({
      name: "facilitator_nonce_gap_fills_total",
      help: "No-op transfers to itself sent to fill a nonce that held back later transactions.",
      labelNames: ["chain"],
      registers,
    }),
    errors: new Counter({
      name: "facilitator_errors_total",
      help: "Failures, by kind.",
      labelNames: ["kind"],
      registers,
    }),
    stepLatency: new Histogram({
      name: "facilitator_step_latency_seconds",
      help: "Seconds from taking up a step (sending, or resuming after a restart) to its confirmation, by step.",
      labelNames: ["step"],
      buckets: LATENCY_BUCKETS,
      registers,
    }),
    queue: new Gauge({
      name: "facilitator_queue_size",
      help: "As of the latest decision: actions offered (planned), executing (inFlight), waiting and skipped.",
      labelNames: ["state"],
      registers,
    }),
    feedBlock: new Gauge({
      name: "facilitator_feed_block",
      help: "The latest block each subgraph feed reported.",
      labelNames: ["feed"],
      registers,
    }),
    chainBlock: new Gauge({
      name: "facilitator_chain_block",
      help: "Each chain's head as its node last answered it.",
      labelNames: ["chain"],
      registers,
    }),
    subgraphLag: new Gauge({
      name: "facilitator_subgraph_lag_blocks",
      help: "Blocks between each chain's head and its subgraph's (its feed's last report or the last decision's read).",
      labelNames: ["feed"],
      registers,
    }),
    retries: new Counter({
      name: "facilitator_retries_total",
      help: "Failed intents taken up again once their backoff was over, by step.",
      labelNames: ["step"],
      registers,
    }),
    abandons: new Counter({
      name: "facilitator_abandons_total",
      help: "Intents given up (at the retry limit, or refused for good), by step.",
      labelNames: ["step"],
      registers,
    }),
    decisions: new Counter({
      name: "facilitator_decisions_total",
      help: "Decisions taken, one per change of the indexed state.",
      registers,
    }),
    followersStalled: new Gauge({
      name: "facilitator_followers_stalled",
      help: "Transactions being followed whose last look failed (receipt, block or fee read): retried with a pause.",
      registers,
    }),
    reorgedTransactions: new Counter({
      name: "facilitator_reorged_transactions_total",
      help: "Transactions of the facilitator that a reorganisation took out of the chain, sent again.",
      labelNames: ["chain", "step"],
      registers,
    }),
    balance: new Gauge({
      name: "facilitator_balance",
      help: "The facilitator's balance as last read, in whole units: ether on each chain, the base token on origin.",
      labelNames: ["chain", "asset"],
      registers,
    }),
    balanceLow: new Gauge({
      name: "facilitator_balance_low",
      help: "1 while the balance cannot pay one more accept (its bounty and gas): new requests are left alone.",
      labelNames: ["chain", "asset"],
      registers,
    }),
    untrustedInput: new Counter({
      name: "facilitator_untrusted_input_total",
      help: "Indexed values refused because the chain, the deployment or the schema says otherwise, by reason.",
      labelNames: ["reason"],
      registers,
    }),
  };
}
