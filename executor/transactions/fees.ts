// Fees. On a chain with a base fee (London and later): type 2, a tip and a fee cap that survives the
// base fee doubling twice. On a chain without one: type 0 (legacy) at the node's gas price. A
// replacement raises the fees by at least the bump nodes require (10%), never past the ceiling.
import type { JsonRpcProvider, TransactionRequest } from "ethers";
import type { GasPolicy } from "../config.ts";

export interface DynamicFees {
  maxFeePerGas: bigint;
  maxPriorityFeePerGas: bigint;
}

export interface LegacyFees {
  gasPrice: bigint;
}

export type Fees = DynamicFees | LegacyFees;

/** What the chain asks now: its latest base fee, or (without one) the node's gas price. */
export type MarketFees = { baseFeePerGas: bigint } | { gasPrice: bigint };

/** The fees of an attempt already signed (a legacy one's gas price is both fields, as the books keep it). */
export interface SignedFees {
  maxFeePerGas: bigint;
  maxPriorityFeePerGas: bigint;
}

export function initialFees(market: MarketFees, gas: GasPolicy): Fees {
  if ("gasPrice" in market) {
    return { gasPrice: market.gasPrice > gas.maxFeePerGas ? gas.maxFeePerGas : market.gasPrice };
  }
  const tip = gas.priorityFeePerGas;
  const cap = market.baseFeePerGas * 2n + tip;
  return { maxPriorityFeePerGas: tip, maxFeePerGas: cap > gas.maxFeePerGas ? gas.maxFeePerGas : cap };
}

function raise(value: bigint, percent: number): bigint {
  return (value * BigInt(100 + percent) + 99n) / 100n;
}

/** The fees of a replacement, or null when the ceiling leaves no room for a valid bump. */
export function bumpedFees(previous: SignedFees, market: MarketFees, gas: GasPolicy): Fees | null {
  const now = initialFees(market, gas);
  if ("gasPrice" in now) {
    const price = raise(previous.maxFeePerGas, gas.bumpPercent);
    const bumped = now.gasPrice > price ? now.gasPrice : price;
    return bumped > gas.maxFeePerGas ? null : { gasPrice: bumped };
  }
  const tip = raise(previous.maxPriorityFeePerGas, gas.bumpPercent);
  let cap = raise(previous.maxFeePerGas, gas.bumpPercent);
  if (now.maxFeePerGas > cap) cap = now.maxFeePerGas;
  if (cap > gas.maxFeePerGas) return null;
  return { maxPriorityFeePerGas: tip > cap ? cap : tip, maxFeePerGas: cap };
}

/** The latest block's base fee; on a chain without one (before London), the node's gas price. */
export async function marketFees(provider: JsonRpcProvider): Promise<MarketFees> {
  const block = (await provider.send("eth_getBlockByNumber", ["latest", false])) as {
    baseFeePerGas?: string | null;
  };
  if (block.baseFeePerGas != null) return { baseFeePerGas: BigInt(block.baseFeePerGas) };
  return { gasPrice: BigInt((await provider.send("eth_gasPrice", [])) as string) };
}

/** The type and fee fields of a transaction to sign with these fees. */
export function feeFields(
  fees: Fees,
): Pick<TransactionRequest, "type" | "gasPrice" | "maxFeePerGas" | "maxPriorityFeePerGas"> {
  return "gasPrice" in fees ? { type: 0, gasPrice: fees.gasPrice } : { type: 2, ...fees };
}

/** The fee a log line reports: the cap of a type-2 transaction, a legacy one's gas price. */
export function feeCap(fees: Fees): bigint {
  return "gasPrice" in fees ? fees.gasPrice : fees.maxFeePerGas;
}
