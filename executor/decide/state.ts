// What the decision reads from the two subgraphs: the entities of schema.graphql as plain objects
// with the schema's field names. BigInt fields are `bigint` (the reader parses GraphQL's decimal
// strings once, so comparisons of heights and gas terms are numeric); Bytes fields are 0x-hex
// strings, compared without regard to case because the subgraphs answer in lower case while
// configured addresses are usually checksummed.

export type ChainName = "origin" | "auxiliary";

export type RequestStatus = "Requested" | "Accepted" | "Revoked" | "Rejected";
export type MessageKind = "Stake" | "Redeem";
export type MessageBox = "Outbox" | "Inbox";
export type MessageStatus = "Declared" | "Confirmed" | "Progressed" | "RevocationDeclared" | "Revoked";

/** A StakeRequest on origin (OSTComposer). */
export interface IndexedStakeRequest {
  id: string;
  status: RequestStatus;
  amount: bigint;
  beneficiary: string;
  gasPrice: bigint;
  gasLimit: bigint;
  nonce: bigint;
  staker: string;
  stakerProxy: string;
  gateway: string;
  composer: string;
  /** The origin block the request was made in: the leader order uses the workers of that block. */
  requestedBlock: bigint;
}

/** A RedeemRequest on auxiliary (RedeemPool). */
export interface IndexedRedeemRequest {
  id: string;
  status: RequestStatus;
  amount: bigint;
  beneficiary: string;
  gasPrice: bigint;
  gasLimit: bigint;
  nonce: bigint;
  redeemer: string;
  redeemerProxy: string;
  cogateway: string;
  redeemPool: string;
  /** The auxiliary block the request was made in. */
  requestedBlock: bigint;
}

/** A Message as one chain sees it; the same id (the message hash) on both chains. */
export interface IndexedMessage {
  id: string;
  kind: MessageKind;
  box: MessageBox;
  status: MessageStatus;
  gateway: string;
  sender: string;
  nonce: bigint;
  beneficiary: string;
  amount: bigint;
  /** Null only when the subgraph's call to the gateway's getter failed. */
  gasPrice: bigint | null;
  gasLimit: bigint | null;
  hashLock: string | null;
  /** Inbox: the other chain's height the confirmation was proven at. */
  blockHeight: bigint | null;
  /** Outbox: the block of the declaration. */
  declaredBlock: bigint | null;
  /** Inbox: the block of the confirmation. */
  confirmedBlock: bigint | null;
  /** Outbox: the block of the revocation (revertStake, revertRedeem); optional for older readers. */
  revocationDeclaredBlock?: bigint | null;
  /** The block in which the message became Revoked on this chain. */
  revokedBlock?: bigint | null;
  /** The block in which the message was progressed on this chain. */
  progressedBlock?: bigint | null;
}

/** A height of the other chain recorded on this chain's Anchor. */
export interface IndexedAnchoredStateRoot {
  blockHeight: bigint;
}

/** A proof of the remote gateway's account at a height of the other chain. */
export interface IndexedGatewayProof {
  gateway: string;
  remoteGateway: string;
  blockHeight: bigint;
}

/**
 * One chain's subgraph. Messages must include every outbox message that is not yet Progressed on
 * both chains and the inbox copies of those messages; older history may be left out.
 */
export interface ChainState {
  /** The latest block the subgraph has indexed (`_meta.block.number`). */
  latestBlock: bigint;
  /**
   * The latest block of the executor's own node, read with the subgraphs: what is anchored is that
   * node's state root, so an anchor's height counts its confirmations from the lower of the two.
   * Absent: not read (the subgraph's head alone).
   */
  nodeBlock?: bigint;
  messages: IndexedMessage[];
  /** Heights of the other chain anchored here. */
  anchoredStateRoots: IndexedAnchoredStateRoot[];
  /** Heights of the other chain whose gateway account was proven here. */
  gatewayProofs: IndexedGatewayProof[];
}

/**
 * A WorkerSet or WorkerUnset (expirationHeight 0) of the organization whose workers may accept this
 * chain's requests (the OSTComposer's on origin, the RedeemPool's on auxiliary).
 */
export interface IndexedWorkerChange {
  worker: string;
  /** The first block at which the worker is no longer one. */
  expirationHeight: bigint;
  block: bigint;
  logIndex: bigint;
}

export interface IndexedState {
  origin: ChainState & { stakeRequests: IndexedStakeRequest[]; workerChanges: IndexedWorkerChange[] };
  auxiliary: ChainState & { redeemRequests: IndexedRedeemRequest[]; workerChanges: IndexedWorkerChange[] };
}

export function sameHex(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}
