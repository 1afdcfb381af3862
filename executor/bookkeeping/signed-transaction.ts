// The facts of an attempt come from its signed raw transaction itself, so the books cannot say
// something else than what was (or will be) broadcast.
import { Transaction, type TransactionRequest, type Wallet } from "ethers";
import { BooksError } from "./errors.ts";

export interface SignedTransactionFacts {
  hash: string;
  chainId: number;
  from: string;
  nonce: bigint;
  maxFeePerGas: bigint;
  maxPriorityFeePerGas: bigint;
  gasLimit: bigint;
  rawTransaction: string;
}

/**
 * Raw transactions this process signed, with their signer's address. Recovering the sender from the
 * signature costs about 1.7 ms of the executor's only thread per transaction; the wallet that signed
 * knows it. The newest ones are kept: a raw transaction is recorded right after it is signed.
 */
const signedHere = new Map<string, string>();
const SIGNED_HERE_KEPT = 1000;

/** Signs with `wallet`, so that the books read the sender of the raw transaction without recovering it. */
export async function signTransactionWith(wallet: Wallet, request: TransactionRequest): Promise<string> {
  const raw = await wallet.signTransaction(request);
  if (signedHere.size >= SIGNED_HERE_KEPT) signedHere.delete(signedHere.keys().next().value!);
  signedHere.set(raw, wallet.address);
  return raw;
}

export function signedTransactionFacts(rawTransaction: string): SignedTransactionFacts {
  let tx: Transaction;
  try {
    tx = Transaction.from(rawTransaction);
  } catch (error) {
    throw new BooksError(`not a signed raw transaction: ${(error as Error).message}`);
  }
  const { hash, gasPrice } = tx;
  const from = tx.signature === null ? null : (signedHere.get(rawTransaction) ?? tx.from);
  if (hash === null || from === null) throw new BooksError("the raw transaction is not signed");
  // A legacy transaction (type 0, on a chain without a base fee) pays its gas price as both fees.
  const legacy = tx.type === 0 && tx.chainId !== 0n;
  const maxFeePerGas = legacy ? gasPrice : tx.maxFeePerGas;
  const maxPriorityFeePerGas = legacy ? gasPrice : tx.maxPriorityFeePerGas;
  if ((tx.type !== 2 && !legacy) || maxFeePerGas === null || maxPriorityFeePerGas === null) {
    throw new BooksError(
      `transaction ${hash} is of type ${tx.type}: the books hold type-2 (EIP-1559) transactions, ` +
        "and type-0 ones with a chain id (EIP-155) for chains without a base fee",
    );
  }
  return {
    hash,
    chainId: Number(tx.chainId),
    from,
    nonce: BigInt(tx.nonce),
    maxFeePerGas,
    maxPriorityFeePerGas,
    gasLimit: tx.gasLimit,
    rawTransaction: tx.serialized,
  };
}
