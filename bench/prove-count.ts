// proveGateway transactions counted from the chains: one proof at an anchored height serves every
// message declared at or below it, so a second one for the same (gateway, height) is a wasted send.
import { Interface, type JsonRpcProvider } from "ethers";
import { mosaicAbi } from "../chain/mosaic-artifacts.ts";

// EIP20Gateway and EIP20CoGateway declare the same proveGateway(uint256, bytes, bytes).
const GATEWAY = new Interface(mosaicAbi("EIP20Gateway"));
const PROVE_GATEWAY = GATEWAY.getFunction("proveGateway")!;

/** A mined transaction: the chain it is on, its recipient and its calldata. */
export interface MinedCall {
  chain: string;
  to: string | null;
  data: string;
}

export interface ProofCount {
  /** proveGateway transactions mined, reverted ones included. */
  total: number;
  /** (chain, gateway, height) triples proven at least once. */
  heights: number;
  /** The most proveGateway transactions for one (chain, gateway, height); 0 without any. */
  max: number;
  /** "chain gateway height" of every triple proven more than once, with its count. */
  repeated: Array<{ key: string; count: number }>;
}

/** Counts the proveGateway calls among mined transactions, per (chain, gateway, height). */
export function countProofsPerHeight(calls: MinedCall[]): ProofCount {
  const counts = new Map<string, number>();
  for (const call of calls) {
    if (call.to === null || !call.data.startsWith(PROVE_GATEWAY.selector)) continue;
    const [height] = GATEWAY.decodeFunctionData(PROVE_GATEWAY, call.data);
    const key = `${call.chain} ${call.to.toLowerCase()} ${String(height)}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  const values = [...counts.values()];
  return {
    total: values.reduce((sum, count) => sum + count, 0),
    heights: counts.size,
    max: Math.max(0, ...values),
    repeated: [...counts].filter(([, count]) => count > 1).map(([key, count]) => ({ key, count })),
  };
}

/** Every transaction in blocks `from` to the head of one chain, read a few blocks at a time. */
export async function minedCalls(chain: string, provider: JsonRpcProvider, from = 1): Promise<MinedCall[]> {
  const head = await provider.getBlockNumber();
  const calls: MinedCall[] = [];
  const AT_ONCE = 16;
  for (let start = from; start <= head; start += AT_ONCE) {
    const numbers = Array.from({ length: Math.min(AT_ONCE, head - start + 1) }, (_, n) => start + n);
    const blocks = await Promise.all(numbers.map((number) => provider.getBlock(number, true)));
    for (const block of blocks) {
      for (const transaction of block?.prefetchedTransactions ?? []) {
        calls.push({ chain, to: transaction.to, data: transaction.data });
      }
    }
  }
  return calls;
}
