// What the indexer reads from a chain, straight from JSON-RPC (no caches: the indexer must see
// reorganisations as they happen).
import type { JsonRpcProvider } from "ethers";
import { toQuantity } from "ethers";
import type { RawBlock, RawLog } from "../runtime/chain-data.ts";
import { callAnswer, ethCallParams } from "../runtime/ethereum-call.ts";
import type { BlockPointer } from "../store/types.ts";

export interface LogQuery {
  fromBlock: number;
  toBlock: number;
  addresses: string[];
  topics: string[];
}

/**
 * What the indexer reads from a chain (a ChainReader, or logs and blocks already in memory); without
 * `call`, declared calls are not made early and the handlers' calls go to the node as they come;
 * without `blockLogs`, every block's logs come from ranges, the last ones below the head included.
 */
export type ChainSource = Pick<ChainReader, "head" | "block" | "pointer" | "logs"> &
  Partial<Pick<ChainReader, "call" | "blockLogs">>;

export class ChainReader {
  constructor(readonly provider: JsonRpcProvider) {}

  async head(): Promise<number> {
    return Number(await this.provider.send("eth_blockNumber", []));
  }

  async block(number: number, withTransactions: boolean): Promise<RawBlock | null> {
    return (await this.provider.send("eth_getBlockByNumber", [
      toQuantity(number),
      withTransactions,
    ])) as RawBlock | null;
  }

  async pointer(number: number): Promise<BlockPointer | null> {
    const block = await this.block(number, false);
    return block && toPointer(block);
  }

  /** eth_call at a block, as a mapping's ethereum.call makes it: the answer's hex data. */
  async call(request: { to: string; data: string }, blockHash: string): Promise<string> {
    // Refused here, the handler that makes the call asks the node itself.
    return callAnswer(
      await this.provider.send("eth_call", ethCallParams(request.to, request.data, blockHash)),
      request.to,
    );
  }

  async logs(query: LogQuery): Promise<RawLog[]> {
    return (await this.provider.send("eth_getLogs", [
      {
        fromBlock: toQuantity(query.fromBlock),
        toBlock: toQuantity(query.toBlock),
        address: query.addresses,
        topics: [query.topics],
      },
    ])) as RawLog[];
  }

  /**
   * One block's logs, asked by its hash: a node that does not have that block refuses ("unknown
   * block"), where a range's eth_getLogs answers for the blocks it has and says nothing of the rest.
   */
  async blockLogs(blockHash: string, filter: Pick<LogQuery, "addresses" | "topics">): Promise<RawLog[]> {
    return (await this.provider.send("eth_getLogs", [
      { blockHash, address: filter.addresses, topics: [filter.topics] },
    ])) as RawLog[];
  }
}

export function toPointer(
  block: Pick<RawBlock, "number" | "hash" | "parentHash" | "timestamp">,
): BlockPointer {
  return {
    number: Number(block.number),
    hash: block.hash,
    parentHash: block.parentHash,
    timestamp: Number(block.timestamp),
  };
}
