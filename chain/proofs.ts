// Proof inputs for the gateways, built from eth_getProof on the chain where the facts live:
//  - proveGateway: the remote gateway's account (its storage root) under an anchored state root;
//  - confirmStakeIntent / confirmRedeemIntent: a message's entry in the remote gateway's outbox
//    (or inbox) under that proven storage root.
// Every precondition the contracts would revert on is checked first, so a bad proof fails here with
// a message that says what is wrong, before any transaction is sent.
import {
  AbiCoder,
  Contract,
  decodeRlp,
  encodeRlp,
  keccak256,
  toQuantity,
  type JsonRpcProvider,
  type RlpStructuredData,
} from "ethers";
import { anchorContract, latestAnchoredHeight } from "./anchoring.ts";
import { blockHeader } from "./blocks.ts";
import type { Gateway } from "./contract-types.ts";
import { mosaicInterface } from "./mosaic-artifacts.ts";

/** MessageBus.MessageStatus, in declaration order. */
export const MESSAGE_STATUS = [
  "Undeclared",
  "Declared",
  "Progressed",
  "DeclaredRevocation",
  "Revoked",
] as const;
export type MessageStatus = (typeof MESSAGE_STATUS)[number];

export type MessageBox = "outbox" | "inbox";

export class ProofError extends Error {
  override name = "ProofError";
}

export interface ProofSource {
  /** The chain that holds the gateway being proven (where eth_getProof is asked). */
  provider: JsonRpcProvider;
  /** The gateway (or cogateway) on that chain. */
  gateway: string;
  /** The Anchor on the other chain that holds this chain's state roots. */
  anchor: { address: string; provider: JsonRpcProvider };
}

export interface GatewayProof {
  blockHeight: number;
  stateRoot: string;
  storageRoot: string;
  rlpAccount: string;
  rlpParentNodes: string;
}

export interface MessageProof {
  blockHeight: number;
  storageKey: string;
  status: MessageStatus;
  rlpParentNodes: string;
}

interface RawProof {
  accountProof: string[];
  storageHash: string;
  storageProof: { key: string; value: string; proof: string[] }[];
}

/** The anchored state root at `height`, or a ProofError saying the height is not anchored. */
async function anchoredStateRoot(source: ProofSource, height: number): Promise<string> {
  const anchor = anchorContract(source.anchor.address, source.anchor.provider);
  const root = await anchor.getStateRoot(height);
  if (/^0x0+$/.test(root)) {
    const latest = await latestAnchoredHeight(anchor);
    throw new ProofError(
      `block ${height} is not anchored on the Anchor ${source.anchor.address} (its latest anchored height is ${latest}); ` +
        "prove at an anchored height, or anchor this height first",
    );
  }
  const { stateRoot } = await blockHeader(source.provider, height);
  if (stateRoot.toLowerCase() !== root.toLowerCase()) {
    throw new ProofError(
      `the state root anchored for block ${height} (${root}) is not the chain's state root at that height (${stateRoot}): the anchored block was reorganised away, or the Anchor is for another chain`,
    );
  }
  return root;
}

async function getProof(source: ProofSource, keys: string[], height: number): Promise<RawProof> {
  return (await source.provider.send("eth_getProof", [source.gateway, keys, toQuantity(height)])) as RawProof;
}

/** RLP of the list of proof nodes, each node decoded first: the contracts' `rlpParentNodes`. */
export function encodeParentNodes(nodes: string[]): string {
  return encodeRlp(nodes.map((node) => decodeRlp(node)));
}

/** Inputs of `proveGateway(blockHeight, rlpAccount, rlpParentNodes)` on the other chain. */
export async function buildGatewayProof(source: ProofSource, blockHeight: number): Promise<GatewayProof> {
  const stateRoot = await anchoredStateRoot(source, blockHeight);
  const proof = await getProof(source, [], blockHeight);
  const leaf = proof.accountProof.at(-1);
  const decoded: RlpStructuredData | undefined = leaf === undefined ? undefined : decodeRlp(leaf);
  if (!Array.isArray(decoded) || decoded.length !== 2 || typeof decoded[1] !== "string") {
    throw new ProofError(
      `no account for ${source.gateway} at block ${blockHeight}: is it the gateway's address, and was it deployed by then?`,
    );
  }
  return {
    blockHeight,
    stateRoot,
    storageRoot: proof.storageHash,
    rlpAccount: decoded[1],
    rlpParentNodes: encodeParentNodes(proof.accountProof),
  };
}

/** The storage slot of `messageBox.<box>[messageHash]`, with the box's base slot read on-chain. */
export async function messageStorageKey(
  source: ProofSource,
  box: MessageBox,
  messageHash: string,
): Promise<string> {
  const gateway = new Contract(source.gateway, mosaicInterface("EIP20Gateway"), source.provider) as Gateway;
  const offset = Number(await gateway.MESSAGE_BOX_OFFSET());
  const slot = box === "outbox" ? offset : offset + 1;
  return keccak256(AbiCoder.defaultAbiCoder().encode(["bytes32", "uint256"], [messageHash, slot]));
}

/**
 * The storage proof of a message in the source gateway's box at an anchored height, for
 * confirmStakeIntent / confirmRedeemIntent (outbox) or the revocation confirmations. Fails unless
 * the message has the expected status there (Declared by default).
 */
export async function buildMessageProof(
  source: ProofSource,
  box: MessageBox,
  messageHash: string,
  blockHeight: number,
  expected: MessageStatus = "Declared",
  provenRoot?: string,
): Promise<MessageProof> {
  // The verifying gateway checks the proof against the storage root it proved at this height, not
  // against the Anchor, whose ring buffer may have dropped that height's state root since.
  if (provenRoot === undefined) await anchoredStateRoot(source, blockHeight);
  const storageKey = await messageStorageKey(source, box, messageHash);
  const proof = await getProof(source, [storageKey], blockHeight);
  if (provenRoot !== undefined && proof.storageHash.toLowerCase() !== provenRoot.toLowerCase()) {
    throw new ProofError(
      `the storage root proven for block ${blockHeight} (${provenRoot}) is not ${source.gateway}'s storage root at that height (${proof.storageHash}): ` +
        "the proven block was reorganised away, or the height was never proven",
    );
  }
  const entry = proof.storageProof[0];
  const statusIndex = entry ? Number(entry.value) : 0;
  const status = MESSAGE_STATUS[statusIndex] ?? "Undeclared";
  if (!entry || status !== expected) {
    throw new ProofError(
      `message ${messageHash} is ${status} in the ${box} of ${source.gateway} at block ${blockHeight}, not ${expected}: ` +
        (status === "Undeclared"
          ? "it was never declared there (wrong hash or gateway), or it was declared after that block"
          : "its state has moved on, so this proof would be rejected"),
    );
  }
  return { blockHeight, storageKey, status, rlpParentNodes: encodeParentNodes(entry.proof) };
}

/**
 * The storage root a gateway holds for a proven height (zero when not proven). The gateways keep
 * `storageRoots` internal; in GatewayBase's layout it follows the message box (two slots) and
 * `messages`, so its slot is MESSAGE_BOX_OFFSET + 3.
 */
export async function provenStorageRoot(
  provider: JsonRpcProvider,
  gateway: string,
  blockHeight: bigint | number,
): Promise<string> {
  const contract = new Contract(gateway, mosaicInterface("EIP20Gateway"), provider) as Gateway;
  const slot = Number(await contract.MESSAGE_BOX_OFFSET()) + 3;
  const key = keccak256(AbiCoder.defaultAbiCoder().encode(["uint256", "uint256"], [blockHeight, slot]));
  return (await provider.send("eth_getStorageAt", [gateway, key, "latest"])) as string;
}
