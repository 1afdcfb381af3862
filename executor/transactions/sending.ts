// What the transaction manager and the nonce-gap filler share: the chains they send on, what a send
// comes to, and the manager's options. A module of its own, so neither imports the other for them.
import type { JsonRpcProvider, Wallet } from "ethers";
import type { Books } from "../bookkeeping/index.ts";
import type { AttemptRecord, IntentKey } from "../bookkeeping/records.ts";
import type { ChainName, GasPolicy } from "../config.ts";
import type { Logger } from "../observability/logger.ts";
import type { ExecutorMetrics } from "../observability/metrics.ts";

export interface ChainSender {
  name: ChainName;
  chainId: number;
  provider: JsonRpcProvider;
  wallet: Wallet;
  /** Blocks under the receipt's block before the intent is confirmed (0: confirmed when mined). */
  confirmations: number;
}

export type Outcome =
  | { status: "confirmed"; hash: string; block: number }
  | { status: "failed"; kind: string; message: string }
  | { status: "stopped" };

export interface TransactionManagerOptions {
  books: Books;
  senders: Record<ChainName, ChainSender>;
  gas: GasPolicy;
  logger: Logger;
  metrics: ExecutorMetrics;
  pollIntervalMs?: number;
}

/** What the filler uses of the transaction manager: a fill is broadcast and followed like any send. */
export interface FillSending {
  broadcast(sender: ChainSender, key: IntentKey, attempt: AttemptRecord): Promise<Outcome | undefined>;
  follow(key: IntentKey, started: number): Promise<Outcome>;
}
