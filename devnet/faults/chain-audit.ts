// Counts what the facilitator did from the chains themselves, not from its books: every transaction
// it sent that is in a block of either chain, decoded into a flow step and the message, request or
// height it acted on. A step mined twice for the same subject is a duplicate effect.
import { Interface, type JsonRpcProvider, type TransactionResponse } from "ethers";
import { mosaicAbi, tokenArtifact } from "../../chain/mosaic-artifacts.ts";

const INTERFACES = [
  new Interface(mosaicAbi("EIP20Gateway")),
  new Interface(mosaicAbi("EIP20CoGateway")),
  new Interface(mosaicAbi("OSTComposer")),
  new Interface(mosaicAbi("RedeemPool")),
  new Interface(mosaicAbi("Anchor")),
  new Interface(tokenArtifact().abi),
];

export interface AuditedTransaction {
  chain: string;
  block: number;
  hash: string;
  /** The called function, or "transfer" for a call without data (a nonce-gap fill). */
  step: string;
  /** What the step acted on: a message hash, a requester and nonce, a height. */
  subject: string;
  reverted: boolean;
}

export interface Audit {
  transactions: AuditedTransaction[];
  /** "chain step subject" for every subject whose step was mined more than once. */
  duplicates: string[];
  reverted: AuditedTransaction[];
}

/** The subject of a call: what a second mined call with the same subject would do again. */
function subjectOf(name: string, args: readonly unknown[]): string {
  const text = (value: unknown) => String(value).toLowerCase();
  switch (name) {
    case "acceptStakeRequest":
    case "acceptRedeemRequest":
      return `${text(args[5])}#${text(args[4])}`; // staker or redeemer, and its nonce
    case "confirmStakeIntent":
    case "confirmRedeemIntent":
      return `${text(args[0])}#${text(args[1])}`; // the proxy and its nonce
    case "progressStake":
    case "progressMint":
    case "progressRedeem":
    case "progressUnstake":
      return text(args[0]); // the message hash
    case "proveGateway":
    case "anchorStateRoot":
      return text(args[0]); // the height
    default:
      return args.map(text).join(",");
  }
}

function decode(transaction: TransactionResponse): { step: string; subject: string } {
  if (transaction.data === "0x") return { step: "transfer", subject: String(transaction.nonce) };
  for (const iface of INTERFACES) {
    const parsed = iface.parseTransaction({ data: transaction.data, value: transaction.value });
    if (parsed) return { step: parsed.name, subject: subjectOf(parsed.name, parsed.args) };
  }
  return { step: transaction.data.slice(0, 10), subject: transaction.hash };
}

async function auditChain(
  name: string,
  provider: JsonRpcProvider,
  from: string,
): Promise<AuditedTransaction[]> {
  const found: AuditedTransaction[] = [];
  const head = await provider.getBlockNumber();
  for (let number = 1; number <= head; number++) {
    const block = await provider.getBlock(number, true);
    for (const transaction of block?.prefetchedTransactions ?? []) {
      if (transaction.from.toLowerCase() !== from.toLowerCase()) continue;
      const receipt = await provider.getTransactionReceipt(transaction.hash);
      found.push({
        chain: name,
        block: number,
        hash: transaction.hash,
        ...decode(transaction),
        reverted: receipt?.status !== 1,
      });
    }
  }
  return found;
}

/** Every transaction of `from` in the canonical blocks of the chains, from block 1 to the head. */
export async function auditChains(chains: Record<string, JsonRpcProvider>, from: string): Promise<Audit> {
  const transactions = (
    await Promise.all(Object.entries(chains).map(([name, provider]) => auditChain(name, provider, from)))
  ).flat();
  const counts = new Map<string, number>();
  for (const transaction of transactions) {
    if (transaction.reverted || transaction.step === "approve" || transaction.step === "transfer") continue;
    const key = `${transaction.chain} ${transaction.step} ${transaction.subject}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return {
    transactions,
    duplicates: [...counts].filter(([, count]) => count > 1).map(([key]) => key),
    reverted: transactions.filter((transaction) => transaction.reverted),
  };
}
