// Why a mined transaction reverted: the receipt only says status 0, so the same call is replayed
// with eth_call on the state of its block, and the node's revert data decoded (Error(string) and
// Panic(uint256); the Mosaic contracts, Solidity 0.5, define no custom errors).
import { isCallException, Transaction, type JsonRpcProvider } from "ethers";
import { errorText } from "./rpc-errors.ts";

/** A message for the operator: the reason when the replay reverts with one, what is known otherwise. */
export async function revertMessage(
  provider: JsonRpcProvider,
  rawTransaction: string,
  blockNumber: number,
): Promise<string> {
  const tx = Transaction.from(rawTransaction);
  const where = `reverted in block ${blockNumber}`;
  try {
    await provider.call({
      from: tx.from,
      to: tx.to,
      data: tx.data,
      value: tx.value,
      gasLimit: tx.gasLimit,
      blockTag: blockNumber,
    });
    return `${where} (the same call succeeds on the block's final state: its reason is unknown)`;
  } catch (error) {
    if (isCallException(error)) {
      if (error.reason) return `${where}: ${error.reason}`;
      if (error.data && error.data !== "0x") return `${where}: revert data ${error.data.slice(0, 202)}`;
      return `${where} without a reason`;
    }
    return `${where} (its reason could not be read: ${errorText(error)})`;
  }
}
