// Reorganisations that take one account's transactions out of a chain and leave everyone else's:
// the last blocks are replaced (anvil_reorg) by as many blocks holding the other transactions, and
// the others' transactions waiting in the pool (which anvil_reorg empties) are sent again. Users'
// requests and the organization's anchors stay; the account's transactions, mined or waiting, are
// gone from the chain and the pool, the harshest a node may do.
import { Transaction, type JsonRpcProvider } from "ethers";

/** How often reorgNextWithout looks at the heads again. */
const REORG_LOOK_MS = 200;

/** The signed transactions of every account but `account` waiting in the pool. */
async function othersWaiting(provider: JsonRpcProvider, account: string): Promise<string[]> {
  const pool = (await provider.send("txpool_content", [])) as {
    pending: Record<string, Record<string, { hash: string }>>;
  };
  const raws: string[] = [];
  for (const [sender, byNonce] of Object.entries(pool.pending)) {
    if (sender.toLowerCase() === account.toLowerCase()) continue;
    for (const { hash } of Object.values(byNonce)) {
      const transaction = await provider.getTransaction(hash);
      if (transaction) raws.push(Transaction.from(transaction).serialized);
    }
  }
  return raws;
}

/** Replaces the last `depth` blocks without `account`'s transactions; how many of them were dropped. */
export async function reorgWithout(
  provider: JsonRpcProvider,
  account: string,
  depth: number,
): Promise<number> {
  const head = await provider.getBlockNumber();
  const keep: [string, number][] = [];
  let dropped = 0;
  for (let offset = 0; offset < depth; offset++) {
    const block = await provider.getBlock(head - depth + 1 + offset, true);
    for (const transaction of block?.prefetchedTransactions ?? []) {
      if (transaction.from.toLowerCase() === account.toLowerCase()) dropped++;
      else keep.push([Transaction.from(transaction).serialized, offset]);
    }
  }
  if (dropped === 0) return 0;
  const waiting = await othersWaiting(provider, account);
  await provider.send("anvil_reorg", [depth, keep]);
  for (const raw of waiting) await provider.send("eth_sendRawTransaction", [raw]).catch(() => undefined);
  return dropped;
}

/**
 * Replaces the last `depth` blocks of the first of `providers` whose last `depth` blocks hold one of
 * `account`'s transactions, looking again until one does or `waitMs` has passed: an executor that
 * sends in bursts leaves most moments with none of its transactions near the head, and a run would
 * otherwise reorganise by luck. How many of its transactions were dropped (0: none within `waitMs`).
 */
export async function reorgNextWithout(
  providers: JsonRpcProvider[],
  account: string,
  depth: number,
  waitMs: number,
): Promise<number> {
  const until = Date.now() + waitMs;
  for (;;) {
    for (const provider of providers) {
      const dropped = await reorgWithout(provider, account, depth);
      if (dropped > 0) return dropped;
    }
    if (Date.now() >= until) return 0;
    await new Promise((resolve) => setTimeout(resolve, REORG_LOOK_MS));
  }
}
