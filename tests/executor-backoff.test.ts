// A facilitator without the base token for the stake bounty, against real anvil chains, the embedded
// indexer and an anchorer: acceptStake's dry run fails, and the executor backs off instead of trying
// again on every block: over half a minute the intent fails a handful of times, sends nothing, and
// `status` says why and when it tries next. `facilitator abandon` (a process of its own, beside the
// running executor) gives it up; once the facilitator is funded, `facilitator retry` makes it due at
// once and the stake completes.
// The executor leaves a request alone while its balance reading says the bounty cannot be paid; here
// that reading is stale (the origin node refuses eth_getBalance from before the tokens leave), so the
// accept is tried and its dry run is what fails.
// Afterwards the books file holds none of the run's unlock secrets in plain text, and only its owner
// may read it.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { after, before, test } from "node:test";
import { Contract, parseEther, parseUnits } from "ethers";
import type { MintableToken } from "../chain/contract-types.ts";
import { tokenArtifact } from "../chain/mosaic-artifacts.ts";
import { mined } from "../chain/receipts.ts";
import { devWallet, ROLE_INDEX } from "../devnet/accounts.ts";
import { startRpcFaultProxy, type RpcFaultProxy } from "../devnet/faults/rpc-fault-proxy.ts";
import { openBooks } from "../executor/bookkeeping/index.ts";
import { createMetrics, type ExecutorMetrics } from "../executor/observability/metrics.ts";
import type { RunningExecutor } from "../executor/service-api.ts";
import { formatStatus, statusOf } from "../executor/status.ts";
import {
  type ExecutorStack,
  SECRETS_PASSPHRASE,
  startExecutorStack,
  startLoggedExecutor,
} from "./helpers/executor-stack.ts";
import { waitForProgressed } from "./helpers/executor-watch.ts";
import { requestStake } from "./helpers/manual-flows.ts";

/** Holds the facilitator's base tokens while it must go without. */
const HOLDER = 39;
const WINDOW_MS = 30_000;
const lines: string[] = [];
let stack: ExecutorStack;
let executor: RunningExecutor;
let metrics: ExecutorMetrics;
let requestHash: string;
let proxy: RpcFaultProxy;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function baseToken(index: number): MintableToken {
  return new Contract(
    stack.net.deployment.origin.contracts.baseToken,
    tokenArtifact().abi,
    devWallet(index, stack.net.origin.provider),
  ) as unknown as MintableToken;
}

async function acceptIntent() {
  return (await executor.books.intentsFor(requestHash)).find((intent) => intent.step === "acceptStake");
}

function facilitatorCli(args: string[]): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ["--import", "tsx", "cli/facilitator.ts", ...args, "--config", stack.configFile],
      { env: { ...process.env, FACILITATOR_KEYSTORE_PASSWORD: "", FACILITATOR_SECRETS_PASSPHRASE: "" } },
      (error, stdout, stderr) =>
        resolve({ code: error ? Number(error.code ?? 1) : 0, output: stdout + stderr }),
    );
  });
}

before(async () => {
  stack = await startExecutorStack();
  proxy = await startRpcFaultProxy(stack.config.chains.origin.rpcUrl);
  const origin = { ...stack.config.chains.origin, rpcUrl: proxy.url, rpcUrls: [proxy.url] };
  metrics = createMetrics();
  executor = await startLoggedExecutor(
    { ...stack.config, chains: { ...stack.config.chains, origin } },
    lines,
    metrics,
  );
  // Its balances were read at start, funded; from now on that reading stays.
  proxy.fail("eth_getBalance", "http500");
  // The facilitator gives its base tokens away: it cannot pay a stake's bounty.
  const facilitator = devWallet(ROLE_INDEX.facilitator).address;
  const balance = await baseToken(ROLE_INDEX.facilitator).balanceOf(facilitator);
  await mined(baseToken(ROLE_INDEX.facilitator).transfer(devWallet(HOLDER).address, balance));
  assert.equal(await baseToken(ROLE_INDEX.facilitator).balanceOf(facilitator), 0n);
});
after(async () => {
  await executor?.stop();
  await proxy?.stop();
  await stack?.stop();
});

test(
  "an accept that cannot pay its bounty backs off, says why, and completes after funding and retry",
  { timeout: 240_000 },
  async () => {
    ({ stakeRequestHash: requestHash } = await requestStake(stack.net, devWallet(2), {
      amount: parseEther("10"),
      beneficiary: devWallet(2).address,
      gasPrice: parseUnits("1", "gwei"),
      gasLimit: 200_000n,
    }));
    for (let polls = 0; (await acceptIntent())?.status !== "failed"; polls++) {
      if (polls >= 300) assert.fail(`acceptStake never failed; it is ${(await acceptIntent())?.status}`);
      await sleep(100);
    }
    // Half a minute of blocks (the anchorer mines several a second), each one a decision.
    await sleep(WINDOW_MS);
    const dryRuns = lines.filter(
      (line) => line.includes("dry run failed") && line.includes(requestHash.toLowerCase()),
    );
    assert.ok(dryRuns.length <= 6, `${dryRuns.length} dry runs failed in ${WINDOW_MS / 1000} s`);
    const decisions = (await metrics.decisions.get()).values[0]?.value ?? 0;
    assert.ok(decisions > 3 * dryRuns.length, `decisions ${decisions}, dry runs ${dryRuns.length}`);
    const waited = await acceptIntent();
    assert.equal(waited?.status, "failed");
    assert.match(waited?.errorKind ?? "", /^dryRun:/);
    // Tries at about 0, 2, 6, 14 and 30 s: a handful, not one per block.
    assert.ok(waited!.failures >= 2 && waited!.failures <= 6, `failures: ${waited!.failures}`);
    assert.equal(waited!.attempts.length, 0, "nothing was signed for it");
    assert.ok(waited!.nextAttemptAt !== null, "it knows its next try");

    const status = formatStatus(
      await statusOf(requestHash, { readers: executor.readers, books: executor.books }),
    );
    assert.match(status, /acceptStake on origin failed \(dryRun:/, status);
    assert.match(status, /next try at \d{4}-/, status);

    // The operator gives it up (no automatic try can race the test from here), funds the
    // facilitator and retries it: it is planned at once.
    for (let tries = 1; ; tries++) {
      const abandoned = await facilitatorCli(["abandon", requestHash, "--step", "acceptStake"]);
      if (abandoned.code === 0) {
        assert.match(
          abandoned.output,
          /acceptStake of 0x[0-9a-f]{64}: abandoned \(abandoned by the operator/,
        );
        break;
      }
      // Caught in the middle of a try (planned): it fails again in a moment.
      assert.ok(tries < 5 && /left alone, it is planned/.test(abandoned.output), abandoned.output);
      await sleep(500);
    }
    const given = formatStatus(
      await statusOf(requestHash, { readers: executor.readers, books: executor.books }),
    );
    assert.match(given, /operator: acceptStake on origin is abandoned \(abandonedByOperator: /, given);
    const held = await baseToken(HOLDER).balanceOf(devWallet(HOLDER).address);
    await mined(baseToken(HOLDER).transfer(devWallet(ROLE_INDEX.facilitator).address, held));
    proxy.clear();
    await sleep(3000);
    assert.equal((await acceptIntent())?.status, "abandoned", "an abandoned intent is not tried");
    const retried = await facilitatorCli(["retry", requestHash, "--step", "acceptStake"]);
    assert.equal(retried.code, 0, retried.output);
    assert.match(retried.output, /acceptStake of 0x[0-9a-f]{64}: was abandoned .*due now/);
    await waitForProgressed(stack, "Stake", 1);
    const accepted = await acceptIntent();
    assert.equal(accepted?.status, "confirmed");
    const retries = (await metrics.retries.get()).values.reduce((sum, item) => sum + item.value, 0);
    assert.ok(retries >= 1, "retries are counted");
    // A confirmed intent cannot be given up; an unknown subject is said so.
    const refused = await facilitatorCli(["abandon", requestHash]);
    assert.equal(refused.code, 1, refused.output);
    assert.match(refused.output, /acceptStake of 0x[0-9a-f]{64}: left alone, it is confirmed/);
    const unknown = await facilitatorCli(["retry", `0x${"00".repeat(32)}`]);
    assert.equal(unknown.code, 1, unknown.output);
    assert.match(unknown.output, /no intent of 0x0{64} is in the books/);
  },
);

test("the books file holds none of the run's unlock secrets in clear, and only its owner reads it", async () => {
  await executor.stop();
  const books = await openBooks({ url: stack.config.databaseUrl, passphrase: SECRETS_PASSPHRASE });
  const secrets: string[] = [];
  try {
    const progressed = (await books.recent(1000)).filter(
      (intent) => intent.step === "progressStake" || intent.step === "progressMint",
    );
    assert.equal(progressed.length, 2, "the stake was progressed on both chains by this executor");
    for (const { subject } of await books.heldHashLocks()) {
      const secret = await books.readSecret({ subject });
      if (secret) secrets.push(secret.slice(2).toLowerCase());
    }
  } finally {
    await books.close();
  }
  assert.ok(secrets.length >= 1);
  const file = stack.config.databaseUrl.slice("file:".length);
  const files = readdirSync(path.dirname(file))
    .filter((name) => name.startsWith(path.basename(file)))
    .map((name) => path.join(path.dirname(file), name));
  for (const name of files) {
    const text = readFileSync(name).toString("latin1").toLowerCase();
    for (const secret of secrets)
      assert.ok(!text.includes(secret), `${name} holds an unlock secret in clear`);
  }
  assert.equal(statSync(file).mode & 0o777, 0o600, "the books file is private to its owner");
});
