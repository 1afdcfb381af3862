// What the executor leaves on disk: a new SQLite books file and the log file are readable by their
// owner only, and the books' calldata and signed transactions of progress steps (which carry the unlock secret) are stored
// encrypted, so the plain secret is nowhere in the file; the executor reads them back in clear.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { hexlify, Interface, randomBytes, Wallet } from "ethers";
import { BooksPassphraseError, openBooks } from "../executor/bookkeeping/index.ts";
import { mosaicAbi } from "../chain/mosaic-artifacts.ts";
import { appendLogFile } from "../executor/observability/logger.ts";

const CHAIN = 1000;
const PASSPHRASE = "books at rest";
const facilitator = new Wallet(`0x${"31".repeat(32)}`);
const gateway = "0x00000000000000000000000000000000000000aa";
let dir: string;

before(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), "books-at-rest-"));
});
after(() => rmSync(dir, { recursive: true, force: true }));

test("a new SQLite books file is created readable and writable by its owner only", async () => {
  const file = path.join(dir, "mode.sqlite");
  const books = await openBooks({ url: `file:${file}` });
  await books.close();
  assert.equal(statSync(file).mode & 0o777, 0o600);
});

test("the executor's log file is created readable and writable by its owner only", async () => {
  const file = path.join(dir, "executor.log");
  const log = appendLogFile(file);
  log.write('{"msg":"one"}');
  await log.close();
  assert.equal(readFileSync(file, "utf8"), '{"msg":"one"}\n');
  assert.equal(statSync(file).mode & 0o777, 0o600);
});

test("progress calldata and its signed transactions are encrypted at rest", async () => {
  const file = path.join(dir, "sealed.sqlite");
  const url = `file:${file}`;
  const secret = hexlify(randomBytes(32));
  const messageHash = hexlify(randomBytes(32));
  const calldata = new Interface(mosaicAbi("EIP20CoGateway")).encodeFunctionData("progressMint", [
    messageHash,
    secret,
  ]);
  const key = { subject: messageHash, step: "progressMint" };
  const books = await openBooks({ url, passphrase: PASSPHRASE });
  let raw: string;
  try {
    await books.storeSecret("0xrequest", secret);
    const { intent } = await books.planIntent({ ...key, chainId: CHAIN, target: gateway, calldata });
    assert.equal(intent.calldata, calldata, "read back in clear");
    const nonce = await books.allocateNonce({ chainId: CHAIN, account: facilitator.address });
    raw = await facilitator.signTransaction({
      type: 2,
      chainId: CHAIN,
      nonce: Number(nonce),
      to: gateway,
      data: calldata,
      gasLimit: 200_000n,
      maxPriorityFeePerGas: 1n,
      maxFeePerGas: 10n,
    });
    const attempt = await books.recordAttempt(key, raw);
    assert.equal(attempt.rawTransaction, raw);
    const [stored] = await books.intentsFor(messageHash);
    assert.equal(stored?.calldata, calldata);
    assert.deepEqual(
      stored?.attempts.map((item) => item.rawTransaction),
      [raw],
    );
    // An acceptStake's calldata carries no secret: it stays readable without the passphrase.
    await books.planIntent({
      subject: "0xaccept",
      step: "acceptStake",
      chainId: CHAIN,
      target: gateway,
      calldata: "0x1234",
    });
  } finally {
    await books.close();
  }

  const bytes = readFileSync(file).toString("latin1").toLowerCase();
  assert.ok(!bytes.includes(secret.slice(2).toLowerCase()), "the secret is not in the file in plain text");
  assert.ok(!bytes.includes(raw.slice(2).toLowerCase()), "nor the signed transaction");

  const locked = await openBooks({ url });
  try {
    const [view] = await locked.intentsFor(messageHash);
    assert.match(view?.calldata ?? "", /^sealed:/, "without the passphrase it reads as sealed");
    assert.match(view?.attempts[0]?.rawTransaction ?? "", /^sealed:/);
    assert.equal((await locked.intentsFor("0xaccept"))[0]?.calldata, "0x1234");
    await assert.rejects(
      locked.planIntent({ ...key, subject: "0xother", chainId: CHAIN, target: gateway, calldata }),
      BooksPassphraseError,
    );
  } finally {
    await locked.close();
  }
});
