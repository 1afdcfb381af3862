// Where a node's receipt of one of our transactions stands. A receipt is an answer like any other:
// it may be of another transaction, or name a block that the node's chain no longer has at that
// height (a node behind a load balancer on another branch, an index not yet rewritten after a
// reorganisation). A receipt taken as confirmed is for good (only blocks near the head are watched
// afterwards), one taken as reverted sets its attempt aside, and one taken as still mined keeps a
// reorganised step from being sent again.
import type { TransactionReceipt } from "ethers";
import type { Logger } from "../observability/logger.ts";
import type { ChainSender } from "./sending.ts";

/**
 * - `canonical`: the receipt is of the transaction, and names the chain's block at its height,
 *   which holds the transaction.
 * - `elsewhere`: the chain's block at that height is another block: the receipt's block left the
 *   chain.
 * - `unknown`: the answers do not say (a receipt of another transaction, no block yet at that
 *   height, or a block of the receipt's hash without the transaction): look again later.
 */
export type ReceiptStanding = "canonical" | "elsewhere" | "unknown";

export async function receiptStanding(
  sender: ChainSender,
  hash: string,
  receipt: TransactionReceipt,
  logger: Logger,
): Promise<ReceiptStanding> {
  if (receipt.hash.toLowerCase() !== hash.toLowerCase()) {
    logger.warn("the node answered a receipt of another transaction; looking again", {
      hash,
      answered: receipt.hash,
    });
    return "unknown";
  }
  // A node behind the one that answered the receipt may not have the block yet.
  const block = await sender.provider.getBlock(receipt.blockNumber);
  if (!block) return "unknown";
  if (block.hash !== receipt.blockHash) {
    logger.warn("a receipt names a block that is not the chain's block at its height", {
      hash,
      block: receipt.blockNumber,
      blockHash: receipt.blockHash,
      canonical: block.hash,
    });
    return "elsewhere";
  }
  if (block.transactions.some((tx) => tx.toLowerCase() === hash.toLowerCase())) return "canonical";
  logger.warn("a receipt names a block that does not hold the transaction; looking again", {
    hash,
    block: receipt.blockNumber,
    blockHash: receipt.blockHash,
  });
  return "unknown";
}

/**
 * Where a transaction mined at `minedBlock` stands when the node has no receipt of it: `gone` (a
 * reorganisation took it out) only when the node has a block at that height and it does not hold
 * the transaction; otherwise `unknown`. With several RPC URLs the answer may come from a node
 * behind the one that saw it mined, which has no such block yet, or has not indexed its receipts.
 */
export async function missingReceiptStanding(
  sender: ChainSender,
  hash: string,
  minedBlock: bigint,
): Promise<"gone" | "unknown"> {
  const block = await sender.provider.getBlock(Number(minedBlock));
  if (!block || block.transactions.some((tx) => tx.toLowerCase() === hash.toLowerCase())) return "unknown";
  return "gone";
}
