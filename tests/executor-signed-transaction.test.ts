// executor/bookkeeping/signed-transaction.ts: the facts the books record come from the raw
// transaction; the sender of one this process signed (signTransactionWith) is the signing wallet's
// address, without recovering it from the signature, and any other is recovered.
import assert from "node:assert/strict";
import { after, test } from "node:test";
import { Transaction, Wallet, keccak256, toUtf8Bytes } from "ethers";
import { signTransactionWith, signedTransactionFacts } from "../executor/bookkeeping/signed-transaction.ts";

const wallet = new Wallet(keccak256(toUtf8Bytes("signed-transaction test")));
const other = new Wallet(keccak256(toUtf8Bytes("another signer")));
const request = (nonce: number) => ({
  type: 2,
  chainId: 1515,
  nonce,
  to: other.address,
  data: "0x1234",
  gasLimit: 100_000n,
  maxFeePerGas: 2_000_000_000n,
  maxPriorityFeePerGas: 1_000_000_000n,
});

// Counts the recoveries of a sender from a signature (Transaction's `from` getter).
const fromGetter = Object.getOwnPropertyDescriptor(Transaction.prototype, "from")!;
let recoveries = 0;
Object.defineProperty(Transaction.prototype, "from", {
  ...fromGetter,
  get(this: Transaction) {
    recoveries++;
    return fromGetter.get!.call(this) as string | null;
  },
});
after(() => Object.defineProperty(Transaction.prototype, "from", fromGetter));

test("a transaction signed here has its wallet as sender, not recovered; the facts are those of the raw transaction", async () => {
  const raw = await signTransactionWith(wallet, request(7));
  recoveries = 0;
  const facts = signedTransactionFacts(raw);
  assert.equal(recoveries, 0, "the sender was recovered");
  assert.equal(facts.from, wallet.address);
  // The same as recovering it.
  assert.equal(Transaction.from(raw).from, facts.from);
  assert.deepEqual(
    [facts.chainId, facts.nonce, facts.gasLimit, facts.maxFeePerGas, facts.rawTransaction],
    [1515, 7n, 100_000n, 2_000_000_000n, raw],
  );
  assert.equal(facts.hash, keccak256(raw));
});

test("a transaction signed elsewhere has its sender recovered from the signature", async () => {
  const raw = await other.signTransaction(request(7));
  recoveries = 0;
  assert.equal(signedTransactionFacts(raw).from, other.address);
  assert.equal(recoveries, 1);
});

test("only the newest 1,000 transactions signed here are remembered; an older one is recovered", async () => {
  const first = await signTransactionWith(wallet, request(100));
  for (let nonce = 101; nonce <= 1100; nonce++) await signTransactionWith(wallet, request(nonce));
  recoveries = 0;
  assert.equal(signedTransactionFacts(first).from, wallet.address);
  assert.equal(recoveries, 1, "the oldest was forgotten");
});
