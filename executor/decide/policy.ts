// What the operator configures: which gateways this facilitator serves, what a request must offer,
// and whether it anchors state roots itself.

export interface Policy {
  /** The facilitator's account: every action is sent from it on both chains. */
  facilitator: string;
  /** The EIP20Gateway on origin of the first pair served. */
  gateway: string;
  /** Its EIP20CoGateway on auxiliary. */
  coGateway: string;
  /** Every pair served, the first one (gateway, coGateway) first; absent: that one alone (pairs.ts). */
  pairs?: GatewayPairPolicy[];
  /**
   * The OSTComposer (origin) and RedeemPool (auxiliary) of the deployment: requests the subgraph
   * places anywhere else are refused, and accepts are only ever sent to these.
   */
  composer: string;
  redeemPool: string;
  /**
   * Blocks on top of a confirmation before the unlock secret is revealed on either chain: a
   * confirmation that a reorg removes would leave the secret public and the message unconfirmed.
   */
  confirmations: Record<"origin" | "auxiliary", bigint>;
  /** A request offering less gas price (reward per gas) is not accepted. */
  minGasPrice: bigint;
  /** A request offering less gas limit (the cap on the reward's gas) is not accepted. */
  minGasLimit: bigint;
  /** Null: someone else (the organization) anchors, and the executor only waits for roots. */
  anchoring: AnchoringPolicy | null;
  /**
   * Complete the revert flows of the served pairs (confirm and progress a sender's revocation);
   * they earn nothing, only gas is spent. Undefined means true.
   */
  completeReverts?: boolean;
  /**
   * Several facilitators on the same requests: the workers take turns in a fixed order per request
   * (leader.ts), each this many blocks of the request's chain after the previous one.
   */
  takeoverBlocks: bigint;
}

/** A served gateway pair: an EIP20Gateway on origin and its EIP20CoGateway on auxiliary. */
export interface GatewayPairPolicy {
  gateway: string;
  coGateway: string;
}

/** The optional anchoring role; the facilitator must be the Anchors' organization owner or admin. */
export interface AnchoringPolicy {
  /**
   * How far behind the source chain's latest indexed block an anchored height stays. A root that a
   * reorg replaces stays on the Anchor, and every proof at its height then fails.
   */
  confirmations: bigint;
  /**
   * The cadence: at least this many source blocks between two anchors in one direction, so that
   * one anchor (and one proof) serves the messages of that span. 0n anchors whenever one is needed.
   */
  minInterval: bigint;
  /**
   * The other facilitators that anchor too (anchor-turns.ts): with any listed, the anchorers take
   * turns per anchored height and anchor for every message of the pair, whoever accepted it.
   * Empty or absent: this facilitator anchors alone, for its own messages.
   */
  anchorers?: string[];
}
