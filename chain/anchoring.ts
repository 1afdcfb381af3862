// Anchoring: one chain's state root at a block, recorded on the other chain's Anchor. Gateways on
// the other chain trust exactly these roots when they verify proofs. Works in either direction.
import { Contract, type ContractRunner, type JsonRpcProvider } from "ethers";
import type { Anchor } from "./contract-types.ts";
import { blockHeader, headBlockNumber } from "./blocks.ts";
import { mosaicInterface } from "./mosaic-artifacts.ts";
import { receiptOf } from "./receipts.ts";

export interface AnchorTarget {
  /** The Anchor contract on the chain that records the roots. */
  anchorAddress: string;
  /** A signer that is the owner or admin of that Anchor's organization. */
  signer: ContractRunner;
}

export interface AnchoredRoot {
  blockHeight: number;
  stateRoot: string;
  transactionHash: string;
}

export function anchorContract(address: string, runner: ContractRunner): Anchor {
  return new Contract(address, mosaicInterface("Anchor"), runner) as Anchor;
}

export async function latestAnchoredHeight(anchor: Anchor): Promise<number> {
  return Number(await anchor.getLatestStateRootBlockHeight());
}

/** How long an anchoring transaction may take to be mined before it counts as failed. */
export const ANCHOR_RECEIPT_TIMEOUT_MS = 30_000;

/**
 * Anchors the source chain's state root at `blockHeight` (by default its head) on the target's
 * Anchor, and waits for the transaction to be mined.
 */
export async function anchorStateRoot(
  source: JsonRpcProvider,
  target: AnchorTarget,
  blockHeight?: number,
): Promise<AnchoredRoot> {
  const anchor = anchorContract(target.anchorAddress, target.signer);
  const height = blockHeight ?? (await headBlockNumber(source));
  if (height < 1) {
    throw new Error(
      "block 0 cannot be anchored: a genesis block's state root proves nothing; anchor height 1 or more",
    );
  }
  const latest = await latestAnchoredHeight(anchor);
  if (height <= latest) {
    throw new Error(
      `block ${height} cannot be anchored on ${target.anchorAddress}: it already holds height ${latest}, and heights must rise`,
    );
  }
  const { stateRoot } = await blockHeader(source, height);
  const response = await anchor.anchorStateRoot(height, stateRoot);
  // Not forever: a transaction that a reorganisation or the node dropped never gets a receipt.
  const receipt = await receiptOf(response.provider, response.hash, ANCHOR_RECEIPT_TIMEOUT_MS);
  if (receipt.status !== 1) throw new Error(`anchorStateRoot(${height}) failed on ${target.anchorAddress}`);
  return { blockHeight: height, stateRoot, transactionHash: receipt.hash };
}
