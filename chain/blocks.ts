// Block headers read straight from JSON-RPC. ethers caches the latest block number for a moment, so
// anything that is anchored or proven asks for explicit heights through these helpers instead.
import { isHexString, toQuantity, type JsonRpcProvider } from "ethers";

export interface BlockHeader {
  number: number;
  hash: string;
  parentHash: string;
  stateRoot: string;
  timestamp: number;
}

interface RawBlock {
  number: string;
  hash: string;
  parentHash: string;
  stateRoot: string;
  timestamp: string;
}

export async function headBlockNumber(provider: JsonRpcProvider): Promise<number> {
  return Number(await provider.send("eth_blockNumber", []));
}

/**
 * The header at `height`, as the node answers it. The state root is anchored, and proofs checked
 * against it, for that height: an answer for another block, or with malformed hashes, is refused
 * rather than written into an Anchor for good.
 */
export async function blockHeader(provider: JsonRpcProvider, height: number): Promise<BlockHeader> {
  const raw = (await provider.send("eth_getBlockByNumber", [toQuantity(height), false])) as RawBlock | null;
  if (!raw) throw new Error(`block ${height} does not exist yet (the chain's head is lower)`);
  if (!isHexString(raw.number) || BigInt(raw.number) !== BigInt(height))
    throw new Error(`the node answered block ${height} with block ${String(raw.number)}`);
  for (const field of ["hash", "parentHash", "stateRoot"] as const) {
    if (!isHexString(raw[field], 32))
      throw new Error(`the node's block ${height} has no 32-byte ${field} (${String(raw[field])})`);
  }
  if (!isHexString(raw.timestamp)) throw new Error(`the node's block ${height} has no timestamp`);
  return {
    number: Number(raw.number),
    hash: raw.hash,
    parentHash: raw.parentHash,
    stateRoot: raw.stateRoot,
    timestamp: Number(raw.timestamp),
  };
}
