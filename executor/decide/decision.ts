// What the decision returns: actions to send, each with the idempotency key (subject, step) under
// which the executor records its intent, plus the requests and messages it leaves alone (skips) and
// those that wait for something (waiting), so that a status command can say why nothing happens.
import type { MessageStatus as ContractMessageStatus } from "../../chain/proofs.ts";
import type { ChainName } from "./state.ts";

export type Step =
  | "acceptStake"
  | "acceptRedeem"
  | "anchor"
  | "proveGateway"
  | "confirmStakeIntent"
  | "confirmRedeemIntent"
  | "progressStake"
  | "progressMint"
  | "progressRedeem"
  | "progressUnstake"
  | RevertStep;

/**
 * The revert flows' steps (see reverts.ts): anyone may send them. The confirm and progress of a
 * revert earn nothing; a revert that lost its race is progressed with a proof instead
 * (progressStakeWithProof, progressRedeemWithProof), which pays the sender of that call the bounty.
 */
export type RevertStep =
  | "confirmRevertStakeIntent"
  | "progressRevertStake"
  | "confirmRevertRedeemIntent"
  | "progressRevertRedeem"
  | "progressStakeWithProof"
  | "progressRedeemWithProof";

/**
 * The idempotency key. The subject is the request hash (accept), the message hash (confirm,
 * progress) or a height named by the chain it is a block of (anchor, proveGateway: see
 * `heightSubject`).
 */
export interface IntentKey {
  subject: string;
  step: Step;
}

/**
 * A contract fact the executor reads at the latest block just before sending. The decision only
 * sees indexed state, which a reorg can take back: an action whose precondition no longer holds is
 * dropped, not sent.
 */
export type Precondition =
  /** The request's terms hash to its id at the deployment's contract (the subgraph is a hint). */
  | { check: "requestTerms"; chain: ChainName; requestHash: string }
  | { check: "requestOpen"; chain: ChainName; requestHash: string }
  | {
      check: "messageStatus";
      chain: ChainName;
      box: "outbox" | "inbox";
      messageHash: string;
      oneOf: ContractMessageStatus[];
      /** Read this many blocks below the latest: the status must hold at that depth. */
      depth?: number;
    }
  | { check: "stateRootAnchored"; chain: ChainName; blockHeight: bigint }
  | { check: "latestAnchoredBelow"; chain: ChainName; blockHeight: bigint }
  /**
   * The chain's own node (not the subgraph, whose head the height came from) has this many blocks
   * on top of the height: what is anchored is that node's state root there.
   */
  | { check: "blockDepth"; chain: ChainName; blockHeight: bigint; confirmations: bigint }
  | { check: "storageRoot"; chain: ChainName; blockHeight: bigint; proven: boolean };

interface ActionBase extends IntentKey {
  /** The chain the transaction is sent on. */
  chain: ChainName;
  from: string;
  /** True when the intent under this key failed before and the chain shows no effect of it. */
  retry: boolean;
  preconditions: Precondition[];
}

/** Generate (and store durably) a new unlock secret, or reuse the one held for this request. */
export type SecretChoice = { kind: "generate" } | { kind: "reuse"; hashLock: string };

/**
 * Approve the gateway's bounty (base token) to the deployment's composer when non-zero, then
 * acceptStakeRequest there. No address of the action comes from the subgraph.
 */
export interface AcceptStakeAction extends ActionBase {
  step: "acceptStake";
  amount: bigint;
  beneficiary: string;
  gasPrice: bigint;
  gasLimit: bigint;
  nonce: bigint;
  staker: string;
  gateway: string;
  secret: SecretChoice;
}

/** acceptRedeemRequest at the deployment's RedeemPool, the cogateway's bounty (base coin) as value. */
export interface AcceptRedeemAction extends ActionBase {
  step: "acceptRedeem";
  amount: bigint;
  beneficiary: string;
  gasPrice: bigint;
  gasLimit: bigint;
  nonce: bigint;
  redeemer: string;
  cogateway: string;
  secret: SecretChoice;
}

/** Record `source`'s state root at `blockHeight` on the Anchor of `chain`. */
export interface AnchorAction extends ActionBase {
  step: "anchor";
  source: ChainName;
  blockHeight: bigint;
}

/** proveGateway on `gateway` (on `chain`) of `remoteGateway`'s account at an anchored height. */
export interface ProveGatewayAction extends ActionBase {
  step: "proveGateway";
  gateway: string;
  remoteGateway: string;
  blockHeight: bigint;
}

/** confirmStakeIntent(staker, stakerNonce, beneficiary, amount, gasPrice, gasLimit, hashLock, blockHeight, proof). */
export interface ConfirmStakeIntentAction extends ActionBase {
  step: "confirmStakeIntent";
  coGateway: string;
  messageHash: string;
  staker: string;
  stakerNonce: bigint;
  beneficiary: string;
  amount: bigint;
  gasPrice: bigint;
  gasLimit: bigint;
  hashLock: string;
  blockHeight: bigint;
}

/**
 * confirmRedeemIntent(redeemer, redeemerNonce, beneficiary, amount, gasPrice, gasLimit, blockHeight,
 * hashLock, proof): blockHeight comes before hashLock here, unlike confirmStakeIntent.
 */
export interface ConfirmRedeemIntentAction extends ActionBase {
  step: "confirmRedeemIntent";
  gateway: string;
  messageHash: string;
  redeemer: string;
  redeemerNonce: bigint;
  beneficiary: string;
  amount: bigint;
  gasPrice: bigint;
  gasLimit: bigint;
  blockHeight: bigint;
  hashLock: string;
}

/** progressStake / progressMint / progressRedeem / progressUnstake(messageHash, the secret of hashLock). */
export interface ProgressAction extends ActionBase {
  step: "progressStake" | "progressMint" | "progressRedeem" | "progressUnstake";
  gateway: string;
  messageHash: string;
  hashLock: string;
}

/**
 * confirmRevertStakeIntent (cogateway) / confirmRevertRedeemIntent (gateway), proving the revocation
 * in the source outbox, or progressRevertStake (gateway) / progressRevertRedeem (cogateway), proving
 * the revocation in the target inbox: (messageHash, blockHeight, rlpParentNodes) on `gateway`.
 */
export interface RevertAction extends ActionBase {
  step: RevertStep;
  gateway: string;
  /** The gateway on the other chain whose box the proof is of. */
  remoteGateway: string;
  messageHash: string;
  blockHeight: bigint;
}

export type Action =
  | RevertAction
  | AcceptStakeAction
  | AcceptRedeemAction
  | AnchorAction
  | ProveGatewayAction
  | ConfirmStakeIntentAction
  | ConfirmRedeemIntentAction
  | ProgressAction;

export type SkipReason =
  | "untrustedInput"
  | "unsupportedGateway"
  | "gasPriceBelowPolicy"
  | "gasLimitBelowPolicy"
  | "notAcceptedByUs"
  | "notAWorker" // not an active worker of the request's organization at the request's block
  | "secretNotHeld"
  | "incompleteIndex"
  | "abandoned"
  | "revertUnconfirmed"
  | "revertLost"
  | "insufficientFunds"; // the key cannot pay a new request's bounty or its accept's gas (funds.ts)

/** Work the executor will not do, and why. */
export interface Skip extends IntentKey {
  reason: SkipReason;
  detail: string;
}

export type WaitingFor =
  | "inFlight" // our intent under this key is being sent or awaits its receipt
  | "indexing" // our intent is confirmed but the subgraph does not show its effect yet
  | "anchor" // no anchored height at or above the declaration
  | "proof" // a proveGateway that covers the declaration is planned or in flight
  | "finality" // anchoring, or revealing the secret, waits for enough blocks on top
  | "cadence" // anchoring waits for the policy's interval since the last anchor
  | "backoff" // our intent failed and its next try is not due yet
  | "leader" // another worker comes first for this request; ours is a later turn (leader.ts)
  | "anchorTurn"; // another anchorer comes first for this anchor; ours is a later turn (anchor-turns.ts)

export interface Waiting extends IntentKey {
  for: WaitingFor;
  detail: string;
}

export interface Decision {
  actions: Action[];
  skips: Skip[];
  waiting: Waiting[];
}

/**
 * The subject of an anchor or proveGateway: a height, named by the chain it is a block of. A proof
 * for a gateway pair other than the first also names the proven gateway (`origin@120:0xab…`, see
 * decide/pairs.ts), so that each pair's proof at one height has its own key.
 */
export function heightSubject(chain: ChainName, blockHeight: bigint, tag?: string): string {
  return tag === undefined ? `${chain}@${blockHeight}` : `${chain}@${blockHeight}:${tag.toLowerCase()}`;
}

export function parseHeightSubject(
  subject: string,
): { chain: ChainName; blockHeight: bigint; tag?: string } | undefined {
  const match = /^(origin|auxiliary)@(\d+)(?::(0x[0-9a-f]{40}))?$/.exec(subject);
  if (!match?.[1] || !match[2]) return undefined;
  const height = { chain: match[1] as ChainName, blockHeight: BigInt(match[2]) };
  return match[3] === undefined ? height : { ...height, tag: match[3] };
}
