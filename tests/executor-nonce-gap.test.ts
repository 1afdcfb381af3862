// Nonce gaps on real anvil chains: a transaction the node refuses at broadcast leaves its nonce
// unused, and every later transaction of the facilitator waits behind it in the pool. The
// transaction manager fills such a nonce with a no-op transfer to itself (booked like any intent),
// unless the refused intent is sent again first, in which case it reuses its nonce.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { parseUnits, type JsonRpcProvider } from "ethers";
import { devWallet, ROLE_INDEX } from "../devnet/accounts.ts";
import { BooksConflictError, type Books } from "../executor/bookkeeping/index.ts";
import type { ChainName, GasPolicy } from "../executor/config.ts";
import { createLogger } from "../executor/observability/logger.ts";
import type { ExecutorMetrics } from "../executor/observability/metrics.ts";
import { NONCE_GAP_STEP, nonceGapSubject } from "../executor/transactions/nonce-gaps.ts";
import {
  TransactionManager,
  type ChainSender,
  type Outcome,
  type TransactionRequest,
} from "../executor/transactions/tx-manager.ts";
import { startManagerChains, type ManagerChains } from "./helpers/manager-chains.ts";

const RESUBMIT_MS = 1000;
const gas: GasPolicy = {
  minRequestGasPrice: 0n,
  minRequestGasLimit: 0n,
  maxFeePerGas: parseUnits("500", "gwei"),
  priorityFeePerGas: parseUnits("1", "gwei"),
  bumpPercent: 15,
  resubmitAfterMs: RESUBMIT_MS,
};
const facilitator = devWallet(ROLE_INDEX.facilitator);
const payee = devWallet(5).address;

let books: Books;
let metrics: ExecutorMetrics;
let manager: TransactionManager;
let providers: Record<ChainName, JsonRpcProvider>;
let senders: Record<ChainName, ChainSender>;
let stack: ManagerChains | undefined;
const logLines: Record<string, unknown>[] = [];

before(async () => {
  stack = await startManagerChains({
    chainIds: { origin: 4101, auxiliary: 4102 },
    gas,
    logger: createLogger({ level: "info", write: (line) => logLines.push(JSON.parse(line)) }),
  });
  ({ books, metrics, manager, providers, senders } = stack);
});

after(async () => {
  await stack?.stop();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

const payout = (chain: ChainName, subject: string, value: bigint): TransactionRequest => ({
  subject,
  step: "payout",
  chain,
  to: payee,
  data: "0x",
  value,
});

async function intentOf(subject: string, step = "payout") {
  const intent = (await books.intentsFor(subject)).find((item) => item.step === step);
  assert.ok(intent, `intent ${step} of ${subject} is in the books`);
  return intent;
}

/** A payout the dry run lets through (the value fits the balance) but the node refuses: the value
 * and the gas together exceed the balance ("insufficient funds"). */
async function refusedPayout(chain: ChainName, subject: string): Promise<Outcome> {
  const balance = await providers[chain].getBalance(facilitator.address);
  const outcome = await manager.send(payout(chain, subject, balance - 1n));
  assert.deepEqual(
    { status: outcome.status, kind: outcome.status === "failed" ? outcome.kind : undefined },
    { status: "failed", kind: "insufficientFunds" },
  );
  return outcome;
}

/** Sends a payout in the background and waits until its first attempt is out. */
async function stuckPayout(chain: ChainName, subject: string): Promise<{ outcome: Promise<Outcome> }> {
  const outcome = manager.send(payout(chain, subject, 1n));
  for (const deadline = Date.now() + 5000; ;) {
    const intent = (await books.intentsFor(subject))[0];
    if (intent?.attempts.some((attempt) => attempt.status === "broadcast")) return { outcome };
    assert.ok(Date.now() < deadline, `${subject} was not broadcast`);
    await sleep(50);
  }
}

/** The fill at `nonce` once its follower is done with it (it confirms at its own poll). */
async function settledFill(chain: ChainName, nonce: bigint) {
  const subject = nonceGapSubject(senders[chain].chainId, facilitator.address, nonce);
  for (const deadline = Date.now() + 5000; ;) {
    const [fill] = await books.intentsFor(subject);
    if (fill && ["confirmed", "failed", "abandoned"].includes(fill.status)) return fill;
    assert.ok(Date.now() < deadline, `the fill at ${nonce} on ${chain} did not settle`);
    await sleep(50);
  }
}

async function mined(provider: JsonRpcProvider, hashes: string[]): Promise<boolean> {
  for (const hash of hashes) if (await provider.getTransactionReceipt(hash)) return true;
  return false;
}

test(
  "an intent sent again before the gap is filled reuses its refused nonce; no filler is sent",
  { timeout: 30_000 },
  async () => {
    const chain: ChainName = "auxiliary";
    const provider = providers[chain];
    const n = BigInt(await provider.getTransactionCount(facilitator.address, "latest"));
    await refusedPayout(chain, "reuse:A");
    const refused = await intentOf("reuse:A");
    assert.deepEqual(
      refused.attempts.map((attempt) => [attempt.nonce, attempt.status]),
      [[n, "failed"]],
    );
    const behind = await stuckPayout(chain, "reuse:B");
    assert.equal((await intentOf("reuse:B")).attempts[0]?.nonce, n + 1n);
    assert.equal(await manager.fillNonceGaps(), 0, "a gap is first only noted");

    // Sent again (the decision still wants it): the refused nonce is reused, the gap closes.
    const again = await within(manager.send(payout(chain, "reuse:A", 1n)), 10_000, "reuse:A again");
    assert.equal(again.status, "confirmed");
    const reused = await intentOf("reuse:A");
    assert.deepEqual(
      reused.attempts.map((attempt) => [attempt.nonce, attempt.status]),
      [
        [n, "dropped"],
        [n, "mined"],
      ],
    );
    assert.equal((await within(behind.outcome, 10_000, "reuse:B")).status, "confirmed");

    await sleep(RESUBMIT_MS + 100);
    assert.equal(await manager.fillNonceGaps(), 0, "no gap any more");
    assert.deepEqual(
      await books.intentsFor(nonceGapSubject(senders[chain].chainId, facilitator.address, n)),
      [],
    );
    assert.equal(BigInt(await provider.getTransactionCount(facilitator.address, "latest")), n + 2n);
  },
);

test(
  "a nonce refused by the node and never sent again is filled with a no-op to itself; the transactions behind it mine",
  { timeout: 30_000 },
  async () => {
    const chain: ChainName = "origin";
    const provider = providers[chain];
    const chainId = senders[chain].chainId;
    const n = BigInt(await provider.getTransactionCount(facilitator.address, "latest"));

    await refusedPayout(chain, "gap:A");
    const refusedHash = (await intentOf("gap:A")).attempts[0]!.hash;
    const behind = await stuckPayout(chain, "gap:B");
    assert.equal((await intentOf("gap:B")).attempts[0]?.nonce, n + 1n);

    // Stuck: blocks come, time passes (B is fee-bumped meanwhile), B does not mine.
    for (let block = 0; block < 3; block++) await provider.send("evm_mine", []);
    await sleep(RESUBMIT_MS + 300);
    await provider.send("evm_mine", []);
    const waiting = await intentOf("gap:B");
    assert.ok(waiting.attempts.length >= 2, "B was fee-bumped while it waited");
    assert.equal(
      await mined(
        provider,
        waiting.attempts.map((attempt) => attempt.hash),
      ),
      false,
      "B is stuck",
    );
    assert.equal(BigInt(await provider.getTransactionCount(facilitator.address, "latest")), n);

    // The filler runs on its own.
    manager.watchNonceGaps(200);
    const outcome = await within(behind.outcome, 15_000, "B behind the gap");
    assert.equal(outcome.status, "confirmed");

    const filler = await settledFill(chain, n);
    assert.equal(filler.step, NONCE_GAP_STEP);
    assert.equal(filler.status, "confirmed");
    const fill = await provider.getTransaction(filler.minedHash!);
    assert.ok(fill);
    assert.equal(BigInt(fill.nonce), n);
    assert.equal(fill.from, facilitator.address);
    assert.equal(fill.to, facilitator.address);
    assert.equal(fill.value, 0n);
    assert.equal(fill.data, "0x");
    assert.equal(fill.gasLimit, 21_000n);
    assert.equal((await provider.getTransactionReceipt(filler.minedHash!))?.status, 1);
    // The fill replaced A's refused transaction in the slot of nonce n, which is no longer A's.
    const fillAttempt = filler.attempts.find((attempt) => attempt.hash === filler.minedHash);
    assert.equal(fillAttempt?.replaces, refusedHash);
    assert.deepEqual((await intentOf("gap:A")).attempts, []);
    const state = await books.nonceState({ chainId, account: facilitator.address, nonce: n });
    assert.equal(state.holder?.intent.step, NONCE_GAP_STEP);
    const bMined = (await intentOf("gap:B")).attempts.find((attempt) => attempt.status === "mined");
    assert.equal(bMined?.nonce, n + 1n);

    // A's refused transaction cannot be sent again at n: the books refuse, and A planned again
    // gets a fresh nonce.
    const atN = await facilitator.signTransaction({
      type: 2,
      chainId,
      nonce: Number(n),
      to: payee,
      value: 1n,
      gasLimit: 21_000n,
      maxFeePerGas: parseUnits("100", "gwei"),
      maxPriorityFeePerGas: parseUnits("2", "gwei"),
    });
    await assert.rejects(books.recordReplacement(refusedHash, atN), BooksConflictError);
    const again = await within(manager.send(payout(chain, "gap:A", 1n)), 10_000, "gap:A again");
    assert.equal(again.status, "confirmed");
    const replanned = await intentOf("gap:A");
    assert.deepEqual(
      replanned.attempts.map((attempt) => [attempt.nonce, attempt.status]),
      [[n + 2n, "mined"]],
    );
    assert.equal(BigInt(await provider.getTransactionCount(facilitator.address, "latest")), n + 3n);

    const fills = (await metrics.nonceGapFills.get()).values.find((value) => value.labels.chain === chain);
    assert.equal(fills?.value, 1, "the fill is counted");
    const logged = logLines.find((line) => line.msg === "filling nonce gap");
    assert.ok(logged, "the fill is logged");
    assert.equal(logged.level, "info");
    assert.equal(logged.chain, chain);
    assert.equal(logged.nonce, String(n));
    assert.equal(logged.hash, filler.minedHash);
    const key = facilitator.privateKey.slice(2).toLowerCase();
    assert.ok(
      !logLines.some((line) => JSON.stringify(line).toLowerCase().includes(key)),
      "no key in the logs",
    );
  },
);

test("a nonce handed out and never signed is filled as well", { timeout: 30_000 }, async () => {
  const chain: ChainName = "auxiliary";
  const provider = providers[chain];
  const chainId = senders[chain].chainId;
  const n = BigInt(await provider.getTransactionCount(facilitator.address, "latest"));
  // Handed out, then the sender went away before signing (no restart releases it).
  assert.equal(await books.allocateNonce({ chainId, account: facilitator.address, chainNonce: n }), n);
  const behind = await stuckPayout(chain, "leak:C");
  assert.equal((await intentOf("leak:C")).attempts[0]?.nonce, n + 1n);
  assert.equal((await within(behind.outcome, 15_000, "C behind the gap")).status, "confirmed");
  // The fill is mined before C; its own follower books it confirmed at its next look.
  const fillIntent = async () =>
    (await books.intentsFor(nonceGapSubject(chainId, facilitator.address, n)))[0];
  const deadline = Date.now() + 5000;
  while ((await fillIntent())?.status !== "confirmed" && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const filler = await fillIntent();
  assert.equal(filler?.status, "confirmed");
  const fill = await provider.getTransaction(filler.minedHash!);
  assert.equal(fill?.to, facilitator.address);
  assert.equal(BigInt(fill!.nonce), n);
});

test("the books: a gap fill takes only a nonce no live transaction holds", async () => {
  // A chain the manager does not send on: only the books are exercised here.
  const chainId = 999_001;
  const account = facilitator.address;
  const sign = (nonce: number, to: string) =>
    facilitator.signTransaction({
      type: 2,
      chainId,
      nonce,
      to,
      value: 0n,
      gasLimit: 21_000n,
      maxFeePerGas: parseUnits("3", "gwei"),
      maxPriorityFeePerGas: parseUnits("1", "gwei"),
    });
  const plan = async (subject: string, step: string) => {
    await books.planIntent({ subject, step, chainId, target: payee, calldata: "0x" });
    return { subject, step };
  };
  const x = await plan("books:X", "payout");
  for (let nonce = 0n; nonce < 3n; nonce++) {
    assert.equal(await books.allocateNonce({ chainId, account }), nonce);
  }
  const held = await books.recordAttempt(x, await sign(0, payee));
  const fill0 = await plan(nonceGapSubject(chainId, account, 0n), NONCE_GAP_STEP);
  await assert.rejects(books.recordGapFill(fill0, await sign(0, account)), BooksConflictError, "held");

  await books.markFailed(x, { kind: "insufficientFunds", message: "refused", attemptHash: held.hash });
  const filled = await books.recordGapFill(fill0, await sign(0, account));
  assert.equal(filled.replaces, held.hash);
  assert.deepEqual((await books.intentsFor(x.subject))[0]?.attempts, []);
  assert.deepEqual(
    (await books.intentsFor(fill0.subject))[0]?.attempts.map((attempt) => [attempt.hash, attempt.status]),
    [
      [held.hash, "replaced"],
      [filled.hash, "signed"],
    ],
  );
  await assert.rejects(books.recordReplacement(held.hash, await sign(0, payee)), BooksConflictError);

  // Handed out and never signed: the fill takes a new slot. Given back: the fill takes it back.
  const fill1 = await plan(nonceGapSubject(chainId, account, 1n), NONCE_GAP_STEP);
  assert.equal((await books.recordGapFill(fill1, await sign(1, account))).nonce, 1n);
  await books.releaseNonce({ chainId, account, nonce: 2n });
  assert.equal((await books.nonceState({ chainId, account, nonce: 2n })).released, true);
  const fill2 = await plan(nonceGapSubject(chainId, account, 2n), NONCE_GAP_STEP);
  assert.equal((await books.recordGapFill(fill2, await sign(2, account))).nonce, 2n);
  assert.equal(await books.allocateNonce({ chainId, account }), 3n, "a filled nonce is not handed out again");
  // Never handed out: no gap.
  const fill9 = await plan(nonceGapSubject(chainId, account, 9n), NONCE_GAP_STEP);
  await assert.rejects(books.recordGapFill(fill9, await sign(9, account)), /never handed out/);
});
