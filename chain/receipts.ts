// Waiting for a transaction to be mined by asking for its receipt until it is there.
//
// ethers' `wait` asks once, then again only when it sees a new block, and it takes the first block
// number it sees as already seen. anvil under automine answers a send before it has mined the
// block (measured here: 1 of 600 sends on a loaded machine had no receipt right after), and after
// the last transaction no block follows: a receipt that was not there at the first asks is never
// asked for again, and the wait runs to its timeout (a deployment's 120 s on CI).
import type { Provider, TransactionReceipt, TransactionResponse } from "ethers";

/** How long a transaction may take to be mined, unless the caller says otherwise. */
export const RECEIPT_TIMEOUT_MS = 120_000;
/** Between asks for a receipt (ms). */
const RECEIPT_POLL_MS = 100;

export class ReceiptTimeoutError extends Error {
  constructor(
    readonly hash: string,
    readonly timeoutMs: number,
  ) {
    super(`transaction ${hash} was not mined within ${timeoutMs / 1000} s`);
    this.name = "ReceiptTimeoutError";
  }
}

/** The receipt of `hash` once it is mined, whatever its status; a ReceiptTimeoutError after
 * `timeoutMs`. Errors of the node are not hidden; a receipt of another transaction is not taken
 * (asked again, as when there is none yet). */
export async function receiptOf(
  provider: Provider,
  hash: string,
  timeoutMs = RECEIPT_TIMEOUT_MS,
): Promise<TransactionReceipt> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const receipt = await provider.getTransactionReceipt(hash);
    if (receipt && receipt.hash.toLowerCase() === hash.toLowerCase()) return receipt;
    if (Date.now() >= deadline) throw new ReceiptTimeoutError(hash, timeoutMs);
    await new Promise((resolve) => setTimeout(resolve, RECEIPT_POLL_MS));
  }
}

/** Waits for a sent transaction and requires it to have succeeded. */
export async function mined(
  sent: TransactionResponse | Promise<TransactionResponse>,
  timeoutMs = RECEIPT_TIMEOUT_MS,
): Promise<TransactionReceipt> {
  const response = await sent;
  const receipt = await receiptOf(response.provider, response.hash, timeoutMs);
  if (receipt.status !== 1) throw new Error(`transaction ${response.hash} failed (status 0)`);
  return receipt;
}
