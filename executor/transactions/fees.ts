// Type-2 fees: a tip, and a fee cap that survives the base fee doubling twice; a replacement raises
// both by at least the bump nodes require (10%), never past the configured ceiling.
import type { JsonRpcProvider } from "ethers";
import type { GasPolicy } from "../config.ts";

export interface Fees {
  maxFeePerGas: bigint;
  maxPriorityFeePerGas: bigint;
}

export function initialFees(baseFeePerGas: bigint, gas: GasPolicy): Fees {
  const tip = gas.priorityFeePerGas;
  const cap = baseFeePerGas * 2n + tip;
  return { maxPriorityFeePerGas: tip, maxFeePerGas: cap > gas.maxFeePerGas ? gas.maxFeePerGas : cap };
}

function raise(value: bigint, percent: number): bigint {
  return (value * BigInt(100 + percent) + 99n) / 100n;
}

/** The fees of a replacement, or null when the ceiling leaves no room for a valid bump. */
export function bumpedFees(previous: Fees, baseFeePerGas: bigint, gas: GasPolicy): Fees | null {
  const market = initialFees(baseFeePerGas, gas);
  const tip = raise(previous.maxPriorityFeePerGas, gas.bumpPercent);
  let cap = raise(previous.maxFeePerGas, gas.bumpPercent);
  if (market.maxFeePerGas > cap) cap = market.maxFeePerGas;
  if (cap > gas.maxFeePerGas) return null;
  return { maxPriorityFeePerGas: tip > cap ? cap : tip, maxFeePerGas: cap };
}

/** The latest block's base fee (0 on a chain without one). */
export async function baseFee(provider: JsonRpcProvider): Promise<bigint> {
  const block = (await provider.send("eth_getBlockByNumber", ["latest", false])) as {
    baseFeePerGas?: string;
  };
  return BigInt(block.baseFeePerGas ?? 0);
}
