// Block headers read straight from JSON-RPC. ethers caches the latest block number for a moment, so
// anything that is anchored or proven asks for explicit heights through these helpers instead.
import { toQuantity, type JsonRpcProvider } from "ethers";

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

export async function blockHeader(provider: JsonRpcProvider, height: number): Promise<BlockHeader> {
  const raw = (await provider.send("eth_getBlockByNumber", [toQuantity(height), false])) as RawBlock | null;
  if (!raw) throw new Error(`block ${height} does not exist yet (the chain's head is lower)`);
  return {
    number: Number(raw.number),
    hash: raw.hash,
    parentHash: raw.parentHash,
    stateRoot: raw.stateRoot,
    timestamp: Number(raw.timestamp),
  };
}
