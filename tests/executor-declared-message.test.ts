// The message an accept declared is taken from its receipt, a node's answer: only the receipt of
// the transaction asked about, and only one declaration of the accept's own terms under its own
// hash lock whose hash those give. Anything else leaves the books as they are, with a warning.
// The node and the books are stand-ins here; tests/executor-changed-proxy.test.ts runs the real
// chain.
import assert from "node:assert/strict";
import { test } from "node:test";
import { hexlify, keccak256, randomBytes, type Log } from "ethers";
import { messageHash } from "../chain/message-hashes.ts";
import { mosaicInterface } from "../chain/mosaic-artifacts.ts";
import { recordDeclaredMessage } from "../executor/actions/declared-message.ts";
import type { ChainReaders } from "../executor/actions/preconditions.ts";
import { createLogger } from "../executor/observability/logger.ts";

const address = () => hexlify(randomBytes(20));
const gateway = address();
const hashLock = keccak256(randomBytes(32));
const terms = {
  amount: 10n ** 19n,
  beneficiary: address(),
  gasPrice: 10n ** 9n,
  gasLimit: 200_000n,
  nonce: 1n,
  gateway,
  hashLock,
};
const staker = address();
const oldProxy = address();
const newProxy = address();
const subject = keccak256(randomBytes(32));
const calldata = mosaicInterface("OSTComposer").encodeFunctionData("acceptStakeRequest", [
  terms.amount,
  terms.beneficiary,
  terms.gasPrice,
  terms.gasLimit,
  terms.nonce,
  staker,
  gateway,
  hashLock,
]);
const accept = { subject, step: "acceptStake" as const, calldata };
const transaction = keccak256(randomBytes(32));
const workedOut = messageHash("stake", { ...terms, sender: oldProxy });
const declared = messageHash("stake", { ...terms, sender: newProxy });

/** A StakeIntentDeclared log; its fields default to the accept's terms from the new proxy. */
function declaration(
  fields: Partial<{ hash: string; sender: string; amount: bigint; from: string }> = {},
): Log {
  const abi = mosaicInterface("EIP20Gateway");
  const { data, topics } = abi.encodeEventLog(abi.getEvent("StakeIntentDeclared")!, [
    fields.hash ?? declared,
    fields.sender ?? newProxy,
    terms.nonce,
    terms.beneficiary,
    fields.amount ?? terms.amount,
  ]);
  return { address: fields.from ?? gateway, topics, data } as unknown as Log;
}

/** Runs recordDeclaredMessage against a node answering `receipt` and books holding `held`. */
async function run(
  receipt: (hash: string) => Promise<unknown>,
  held = { subject, hashLock, messageHash: workedOut as string | null },
) {
  const recorded: [string, string][] = [];
  const warnings: string[] = [];
  const provider = { getTransactionReceipt: receipt };
  await recordDeclaredMessage(
    {
      providers: { origin: provider, auxiliary: provider } as unknown as ChainReaders["providers"],
      books: {
        heldHashLocks: async () => [held],
        recordDeclaredMessage: async (subject: string, hash: string) => void recorded.push([subject, hash]),
      },
      logger: createLogger({ level: "warn", write: (line) => void warnings.push(line) }),
    },
    accept,
    transaction,
  );
  return { recorded, warnings: warnings.join("\n") };
}

const receiptWith =
  (logs: Log[], hash = transaction) =>
  async () => ({ hash, logs });

test("the declaration of the accept's terms from another proxy replaces the hash worked out", async () => {
  const { recorded, warnings } = await run(receiptWith([declaration()]));
  assert.deepEqual(recorded, [[subject, declared]]);
  assert.match(warnings, /accept declared another message than worked out before sending/);
  assert.ok(warnings.includes(workedOut) && warnings.includes(declared), warnings);
});

test("the declaration the books already hold changes nothing", async () => {
  const { recorded, warnings } = await run(receiptWith([declaration({ hash: workedOut, sender: oldProxy })]));
  assert.deepEqual(recorded, []);
  assert.equal(warnings, "");
});

test("a receipt that is not to be taken leaves the books as they are, with a warning", async () => {
  const cases: [string, () => Promise<unknown>, RegExp][] = [
    ["no receipt", async () => null, /the node has no receipt/],
    ["a failing node", async () => Promise.reject(new Error("socket hang up")), /socket hang up/],
    [
      "the receipt of another transaction",
      receiptWith([declaration()], keccak256(randomBytes(32))),
      /the node answered the receipt of 0x/,
    ],
    [
      "a hash the terms do not give",
      receiptWith([declaration({ hash: keccak256(randomBytes(32)) })]),
      /0 declarations/,
    ],
    [
      "another amount, with its own hash",
      receiptWith([
        declaration({
          amount: terms.amount + 1n,
          hash: messageHash("stake", { ...terms, amount: terms.amount + 1n, sender: newProxy }),
        }),
      ]),
      /0 declarations/,
    ],
    [
      "another hash lock's message",
      receiptWith([
        declaration({
          hash: messageHash("stake", { ...terms, hashLock: keccak256(randomBytes(32)), sender: newProxy }),
        }),
      ]),
      /0 declarations/,
    ],
    ["a declaration at another address", receiptWith([declaration({ from: address() })]), /0 declarations/],
    ["two declarations", receiptWith([declaration(), declaration()]), /2 declarations/],
  ];
  for (const [name, receipt, fault] of cases) {
    const { recorded, warnings } = await run(receipt);
    assert.deepEqual(recorded, [], name);
    assert.match(
      warnings,
      /accept's message not read from its receipt; the books keep the one worked out/,
      name,
    );
    assert.match(warnings, fault, name);
  }
});

test("books that hold another secret for the request are left alone", async () => {
  const { recorded } = await run(receiptWith([declaration()]), {
    subject,
    hashLock: keccak256(randomBytes(32)),
    messageHash: workedOut,
  });
  assert.deepEqual(recorded, []);
});
