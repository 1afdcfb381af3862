// What anvil itself answers to a broadcast, and what the transaction manager makes of it: "already
// known" (the same raw transaction again), "replacement transaction underpriced" (a transaction at
// the same nonce with equal fees), "nonce too low" (the nonce taken outside the manager), a
// permanent refusal (a gas limit above the block's) at the first broadcast and when sent again, a
// fee bump refused (the transaction it was to replace is the one sent again), and a chain without a
// base fee (berlin), which gets legacy transactions.
import assert from "node:assert/strict";
import { after, before, beforeEach, test } from "node:test";
import { parseUnits, Transaction, type JsonRpcProvider, type Wallet } from "ethers";
import { devWallet, ROLE_INDEX } from "../devnet/accounts.ts";
import type { Books } from "../executor/bookkeeping/index.ts";
import type { GasPolicy } from "../executor/config.ts";
import { createLogger } from "../executor/observability/logger.ts";
import type { ExecutorMetrics } from "../executor/observability/metrics.ts";
import { classifyRpcError } from "../executor/transactions/rpc-errors.ts";
import type { Outcome, TransactionManager, TransactionRequest } from "../executor/transactions/tx-manager.ts";
import { startManagerChains, type ManagerChains } from "./helpers/manager-chains.ts";
import { startRpcFaultProxy, type RpcFaultProxy } from "../devnet/faults/rpc-fault-proxy.ts";

const gas: GasPolicy = {
  minRequestGasPrice: 0n,
  minRequestGasLimit: 0n,
  maxFeePerGas: parseUnits("500", "gwei"),
  priorityFeePerGas: parseUnits("1", "gwei"),
  bumpPercent: 15,
  resubmitAfterMs: 1000,
};
const payee = devWallet(5).address;

let books: Books;
let manager: TransactionManager;
let metrics: ExecutorMetrics;
let providers: ManagerChains["providers"];
let stack: ManagerChains | undefined;
let proxy: RpcFaultProxy | undefined;
/** The manager's log lines, warnings and errors. */
const warnings: string[] = [];
/** The facilitator's key on origin, used outside the manager. */
let outside: Wallet;

before(async () => {
  stack = await startManagerChains({
    chainIds: { origin: 4151, auxiliary: 4152 },
    gas,
    logger: createLogger({ level: "warn", write: (line) => warnings.push(line) }),
    hardforks: { auxiliary: "berlin" },
    rpcUrls: async (name, rpcUrl) => {
      if (name !== "origin") return [rpcUrl];
      proxy = await startRpcFaultProxy(rpcUrl);
      return [proxy.url];
    },
  });
  ({ books, manager, metrics, providers } = stack);
  outside = devWallet(ROLE_INDEX.facilitator).connect(providers.origin) as unknown as Wallet;
});

after(async () => {
  await stack?.stop();
  await proxy?.stop();
});

beforeEach(async () => {
  proxy!.clear();
  await providers.origin.send("evm_setAutomine", [true]);
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const payout = (subject: string, chain: "origin" | "auxiliary" = "origin"): TransactionRequest => ({
  subject,
  step: "payout",
  chain,
  to: payee,
  data: "0x",
  value: 1n,
});

async function attemptsOf(subject: string) {
  const [intent] = await books.intentsFor(subject);
  return intent?.attempts ?? [];
}

async function errorCount(kind: string): Promise<number> {
  const metric = await metrics.errors.get();
  return metric.values.find((value) => value.labels.kind === kind)?.value ?? 0;
}

/** A payout sent with mining stopped: its outcome, and its first attempt once that is in the pool. */
async function sentUnmined(subject: string) {
  await providers.origin.send("evm_setAutomine", [false]);
  const outcome = manager.send(payout(subject));
  while (!(await attemptsOf(subject)).some((attempt) => attempt.status === "broadcast")) await sleep(50);
  const [first] = await attemptsOf(subject);
  return { outcome, first: first! };
}

/**
 * Has `onRaw` see (and may refuse, by throwing) every raw transaction the manager sends on origin
 * before the node does; `send` reaches the node directly, `restore` ends it.
 */
function onSend(onRaw: (raw: string) => Promise<void>) {
  const original = providers.origin.send;
  const send = original.bind(providers.origin);
  providers.origin.send = async (method: string, params: unknown[] | Record<string, unknown>) => {
    if (method === "eth_sendRawTransaction") await onRaw((params as string[])[0]!);
    return send(method, params);
  };
  return { send, restore: () => (providers.origin.send = original) };
}

/** The outcome, settled within eight resubmission intervals (a follower that waits on fails). */
async function settledSoon(outcome: Promise<Outcome>, subject: string): Promise<Outcome> {
  const result = await Promise.race([outcome, sleep(8 * gas.resubmitAfterMs).then(() => undefined)]);
  assert.ok(result, `not settled: ${(await attemptsOf(subject)).length} attempts, none mined`);
  return result;
}

/** The payout sent again (blocks mined as it comes) is confirmed, at `nonce` (the refused transaction's). */
async function confirmedAgainAt(subject: string, nonce: bigint): Promise<void> {
  await providers.origin.send("evm_setAutomine", [true]);
  const again = await manager.send(payout(subject));
  assert.equal(again.status, "confirmed", JSON.stringify(again));
  const tx = await providers.origin.getTransaction((again as { hash: string }).hash);
  assert.equal(BigInt(tx!.nonce), nonce, "the refused transaction's nonce was reused");
}

/** The fees the manager offers first on origin now (its base fee twice, plus the tip). */
async function managerFees(provider: JsonRpcProvider) {
  const block = (await provider.send("eth_getBlockByNumber", ["latest", false])) as { baseFeePerGas: string };
  const tip = gas.priorityFeePerGas;
  return { maxPriorityFeePerGas: tip, maxFeePerGas: BigInt(block.baseFeePerGas) * 2n + tip };
}

test("already known: a broadcast whose answer was lost is sent again and the node already has it", async () => {
  await providers.origin.send("evm_setAutomine", [false]);
  const subject = "0x" + "a1".repeat(32);
  proxy!.fail("eth_sendRawTransaction", "drop", 1); // forwarded to anvil, the answer dropped
  const outcome = manager.send(payout(subject));
  while (!(await attemptsOf(subject)).some((attempt) => attempt.status === "broadcast")) await sleep(50);
  assert.equal(proxy!.failed("eth_sendRawTransaction"), 1);
  assert.ok(proxy!.seen("eth_sendRawTransaction") >= 2, "the same transaction was sent again");
  const pool = (await providers.origin.send("txpool_content", [])) as { pending: Record<string, object> };
  assert.equal(
    Object.values(pool.pending).flatMap((byNonce) => Object.keys(byNonce)).length,
    1,
    "one in the pool",
  );
  await providers.origin.send("evm_mine", []);
  const result = await outcome;
  assert.equal(result.status, "confirmed", JSON.stringify(result));
  assert.deepEqual(
    (await attemptsOf(subject)).map((attempt) => attempt.status),
    ["mined"],
  );
});

test("replacement underpriced: a transaction at the same nonce with equal fees is outbid by a bump", async () => {
  await providers.origin.send("evm_setAutomine", [false]);
  const subject = "0x" + "a2".repeat(32);
  const nonce = await providers.origin.getTransactionCount(outside.address, "latest");
  // Outside the manager, at the nonce the manager will use, with the fees it will offer.
  await outside.sendTransaction({
    to: outside.address,
    value: 0n,
    nonce,
    ...(await managerFees(providers.origin)),
  });
  const before = await errorCount("underpriced");
  const outcome = manager.send(payout(subject));
  // The replacement is recorded before it is broadcast: mined before it reaches the pool, the block
  // would hold the outside transaction instead.
  const replacementOut = (attempts: { replaces: string | null; status: string }[]) =>
    attempts.some((attempt) => attempt.replaces !== null && attempt.status === "broadcast");
  while (!replacementOut(await attemptsOf(subject))) await sleep(50);
  assert.ok((await errorCount("underpriced")) > before, "the node refused the first attempt as underpriced");
  await providers.origin.send("evm_mine", []);
  const result = await outcome;
  assert.equal(result.status, "confirmed", JSON.stringify(result));
  const attempts = await attemptsOf(subject);
  const mined = attempts.find((attempt) => attempt.status === "mined");
  assert.equal(mined?.nonce, BigInt(nonce));
  assert.notEqual(mined?.replaces, null, "the bumped replacement is the one mined");
});

test(
  "nonce too low: the nonce taken by a transaction outside the books fails the intent after three sightings",
  { timeout: 60_000 },
  async () => {
    const { outcome, first: ours } = await sentUnmined("0x" + "a3".repeat(32));
    // The same key, the same nonce, far higher fees: it replaces ours in the pool and is mined.
    await outside.sendTransaction({
      to: outside.address,
      value: 0n,
      nonce: Number(ours.nonce),
      maxPriorityFeePerGas: parseUnits("100", "gwei"),
      maxFeePerGas: parseUnits("400", "gwei"),
    });
    await providers.origin.send("evm_mine", []);
    const before = await errorCount("nonceTooLow");
    const result = await outcome;
    assert.equal(result.status, "failed");
    assert.equal((result as { kind: string }).kind, "nonceTooLow");
    assert.match((result as { message: string }).message, /was taken by a transaction not in the books/);
    assert.ok((await errorCount("nonceTooLow")) >= before + 1);
  },
);

test(
  "a bump the node refuses leaves the transaction it replaced in play: sent again when the node lost it, and mined",
  { timeout: 60_000 },
  async () => {
    const subject = "0x" + "a7".repeat(32);
    const { outcome, first } = await sentUnmined(subject);
    // From now on the node refuses every other transaction, in geth's words for its fee cap.
    const sentAgain: string[] = [];
    const { send, restore } = onSend(async (raw) => {
      if (Transaction.from(raw).hash !== first.hash)
        throw new Error("tx fee (1.20 ether) exceeds the configured cap (1.00 ether)");
      sentAgain.push(raw);
    });
    try {
      const refusedBump = (attempts: { replaces: string | null }[]) =>
        attempts.some((attempt) => attempt.replaces !== null);
      while (!refusedBump(await attemptsOf(subject))) await sleep(50);
      // The node loses the first transaction from its pool (a restart, an eviction).
      await send("anvil_dropTransaction", [first.hash]);
      const deadline = Date.now() + 6 * gas.resubmitAfterMs;
      for (let after = sentAgain.length; ; await sleep(100)) {
        const pool = (await send("txpool_content", [])) as { pending: Record<string, object> };
        if (Object.keys(pool.pending).length > 0 && sentAgain.length > after) break;
        assert.ok(
          Date.now() < deadline,
          `the transaction the refused bump replaced was not sent again (${(await attemptsOf(subject)).length} attempts)`,
        );
      }
      await send("evm_mine", []);
      const result = await outcome;
      assert.equal(result.status, "confirmed", JSON.stringify(result));
      assert.equal((result as { hash: string }).hash, first.hash);
      assert.ok(
        warnings.some((line) => /fee bump refused/.test(line) && /exceeds the configured cap/.test(line)),
        "the refusal is logged with the node's words",
      );
    } finally {
      restore();
    }
  },
);

test(
  "a permanent refusal fails the intent with the node's words, is not sent again, and its nonce is reused",
  { timeout: 60_000 },
  async () => {
    const subject = "0x" + "a4".repeat(32);
    const nonce = await providers.origin.getTransactionCount(outside.address, "latest");
    // After the dry run and before the broadcast, the block gas limit drops below the transaction's.
    const send = providers.origin.send.bind(providers.origin);
    const original = providers.origin.send;
    providers.origin.send = async (method: string, params: unknown[] | Record<string, unknown>) => {
      if (method === "eth_sendRawTransaction") {
        providers.origin.send = original;
        await send("anvil_setBlockGasLimit", ["0x7530"]); // 30 000: below 21 000 × 1.3 + 20 000
      }
      return send(method, params);
    };
    let result: Outcome;
    try {
      result = await manager.send(payout(subject));
    } finally {
      providers.origin.send = original;
    }
    assert.equal(result.status, "failed");
    assert.equal((result as { kind: string }).kind, "gasLimitTooHigh");
    assert.match((result as { message: string }).message, /gas_limit|gas limit/);
    const sent = proxy!.seen("eth_sendRawTransaction");
    await sleep(3 * gas.resubmitAfterMs);
    assert.equal(proxy!.seen("eth_sendRawTransaction"), sent, "nothing was sent again");
    assert.deepEqual(
      (await attemptsOf(subject)).map((attempt) => attempt.status),
      ["failed"],
    );

    await send("anvil_setBlockGasLimit", ["0x1c9c380"]);
    await confirmedAgainAt(subject, BigInt(nonce));
  },
);

test(
  "a permanent refusal of a transaction sent again (the block gas limit lowered after the node lost it) fails the intent; planned again, it reuses the nonce",
  { timeout: 60_000 },
  async () => {
    const subject = "0x" + "a8".repeat(32);
    const { outcome, first } = await sentUnmined(subject);
    const send = providers.origin.send.bind(providers.origin);
    await send("anvil_dropTransaction", [first.hash]);
    await send("anvil_setBlockGasLimit", ["0x7530"]); // 30 000: below 21 000 × 1.3 + 20 000
    try {
      const result = await settledSoon(outcome, subject);
      assert.equal(result.status, "failed", JSON.stringify(result));
      assert.equal((result as { kind: string }).kind, "gasLimitTooHigh");
      assert.match((result as { message: string }).message, /gas_limit|gas limit/);
    } finally {
      await send("anvil_setBlockGasLimit", ["0x1c9c380"]);
    }
    await confirmedAgainAt(subject, first.nonce);
  },
);

test(
  "a bump refused for good fails the intent with its replacement; planned again, it reuses the nonce",
  { timeout: 60_000 },
  async () => {
    const subject = "0x" + "a9".repeat(32);
    const { outcome, first } = await sentUnmined(subject);
    // The block gas limit drops just as the bump is sent: the node refuses it as above the limit.
    const { send, restore } = onSend(async (raw) => {
      if (Transaction.from(raw).hash !== first.hash) await send("anvil_setBlockGasLimit", ["0x7530"]);
    });
    try {
      const result = await settledSoon(outcome, subject);
      assert.equal(result.status, "failed", JSON.stringify(result));
      assert.equal((result as { kind: string }).kind, "gasLimitTooHigh");
    } finally {
      restore();
      // Over the block's limit the first transaction leaves the node's pool too (geth drops it).
      await send("anvil_dropTransaction", [first.hash]);
      await send("anvil_setBlockGasLimit", ["0x1c9c380"]);
    }
    const attempts = await attemptsOf(subject);
    assert.equal(attempts.length, 2, "the first transaction and its refused bump");
    assert.equal(attempts[1]!.status, "failed", "the refused bump holds no nonce");
    await confirmedAgainAt(subject, first.nonce);
  },
);

test(
  "an estimate below the gas a transaction costs before it runs fails the dry run; nothing is signed",
  { timeout: 60_000 },
  async () => {
    // anvil's own words for a gas limit below that cost are a permanent refusal.
    await assert.rejects(
      outside.sendTransaction({ to: payee, gasLimit: 20_000n }),
      (error: unknown) => classifyRpcError(error) === "gasLimitTooLow",
    );
    // A node that answers an estimate of 0: a gas limit from it (20,000) could never be mined.
    const subject = "0x" + "a6".repeat(32);
    const original = providers.origin.send;
    const send = original.bind(providers.origin);
    providers.origin.send = async (method: string, params: unknown[] | Record<string, unknown>) =>
      method === "eth_estimateGas" ? "0x0" : send(method, params);
    const sent = proxy!.seen("eth_sendRawTransaction");
    let result: Outcome;
    try {
      result = await manager.send(payout(subject));
    } finally {
      providers.origin.send = original;
    }
    assert.equal(result.status, "failed", JSON.stringify(result));
    assert.equal((result as { kind: string }).kind, "badEstimate");
    assert.match((result as { message: string }).message, /estimated 0 gas, below the 21000/);
    assert.deepEqual(await attemptsOf(subject), [], "nothing was signed");
    assert.equal(proxy!.seen("eth_sendRawTransaction"), sent, "nothing was sent");
    const [intent] = await books.intentsFor(subject);
    assert.equal(intent?.errorKind, "dryRun:badEstimate");
  },
);

test(
  "a chain without a base fee (berlin) gets legacy transactions, and they are mined",
  { timeout: 60_000 },
  async () => {
    const berlin = providers.auxiliary;
    const block = (await berlin.send("eth_getBlockByNumber", ["latest", false])) as {
      baseFeePerGas?: string;
    };
    assert.equal(block.baseFeePerGas, undefined, "berlin has no base fee");
    const wallet = devWallet(6).connect(berlin);
    await assert.rejects(
      async () => {
        const raw = await wallet.signTransaction({
          type: 2,
          chainId: 4152,
          nonce: 0,
          to: payee,
          gasLimit: 21_000n,
          maxFeePerGas: parseUnits("10", "gwei"),
          maxPriorityFeePerGas: 1n,
        });
        await berlin.send("eth_sendRawTransaction", [raw]);
      },
      (error: unknown) => classifyRpcError(error) === "unsupportedType",
      "a type-2 transaction is refused there as unsupported",
    );

    const subject = "0x" + "a5".repeat(32);
    const result = await manager.send(payout(subject, "auxiliary"));
    assert.equal(result.status, "confirmed", JSON.stringify(result));
    const hash = (result as { hash: string }).hash;
    const receipt = await berlin.getTransactionReceipt(hash);
    assert.equal(receipt!.status, 1);
    const [attempt] = await attemptsOf(subject);
    const signed = Transaction.from(attempt!.rawTransaction);
    assert.equal(signed.type, 0);
    assert.equal(signed.chainId, 4152n, "EIP-155: the chain id is signed");
  },
);

test("geth's words for the permanent refusals are classified as anvil's are", () => {
  const kinds = [
    "transaction type not supported",
    "exceeds block gas limit",
    "intrinsic gas too low: have 21000, want 22024",
    "tx fee (1.10 ether) exceeds the configured cap (1.00 ether)",
    "max fee per gas higher than 2^256-1",
    "invalid chain id for signer",
    "invalid sender",
  ].map((message) => classifyRpcError({ error: { message } }));
  assert.deepEqual(kinds, [
    "unsupportedType",
    "gasLimitTooHigh",
    "gasLimitTooLow",
    "feeCap",
    "feeCap",
    "invalidTransaction",
    "invalidTransaction",
  ]);
  // Transient ones keep their kinds: the follower handles them.
  assert.equal(
    classifyRpcError({ error: { message: "replacement transaction underpriced" } }),
    "underpriced",
  );
  assert.equal(classifyRpcError({ error: { message: "nonce too low" } }), "nonceTooLow");
});
