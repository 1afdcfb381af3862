// The facilitator's balances end to end: a key without the base token (a stake's bounty) or without
// ether on auxiliary (a redeem's bounty and gas) shows it in the gauges, /health is degraded with
// the reason, `status` shows why the new request is left alone and nothing is accepted; once the
// key is funded, the request completes.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { parseEther, parseUnits, toBeHex } from "ethers";
import { bindOrigin } from "../chain/mosaic-contracts.ts";
import { mined } from "../chain/receipts.ts";
import { devWallet, ROLE_INDEX } from "../devnet/accounts.ts";
import { startObservabilityServer, type ObservabilityServer } from "../executor/observability/http.ts";
import { createMetrics } from "../executor/observability/metrics.ts";
import type { ExecutorHealth, RunningExecutor } from "../executor/service-api.ts";
import { statusOf, type StatusReport } from "../executor/status.ts";
import { type ExecutorStack, startExecutorStack, startLoggedExecutor } from "./helpers/executor-stack.ts";
import { waitForProgressed } from "./helpers/executor-watch.ts";
import { requestRedeem, requestStake } from "./helpers/manual-flows.ts";
import { until } from "./helpers/wait-until.ts";

const USER = 2;
const HOLDER = 9;
const TERMS = { gasPrice: parseUnits("1", "gwei"), gasLimit: 200_000n };
const lines: string[] = [];
let stack: ExecutorStack;
let executor: RunningExecutor;
let server: ObservabilityServer;

const facilitator = devWallet(ROLE_INDEX.facilitator).address;
const baseTokenOf = (index: number) =>
  bindOrigin(stack.net.deployment, devWallet(index, stack.net.origin.provider)).baseToken;

async function health(): Promise<{ code: number; body: ExecutorHealth }> {
  const response = await fetch(`${server.url}/health`);
  return { code: response.status, body: (await response.json()) as ExecutorHealth };
}

/** The value of one series of /metrics, e.g. `facilitator_balance{chain="origin",asset="ether"}`. */
async function metric(series: string): Promise<number> {
  const text = await (await fetch(`${server.url}/metrics`)).text();
  const line = text.split("\n").find((row) => row.startsWith(`${series} `));
  assert.ok(line, `${series} in /metrics:\n${text}`);
  return Number(line.slice(series.length + 1));
}

async function skipOf(
  requestHash: string,
  reason: string,
): Promise<{ report: StatusReport; reason: string }> {
  return until(`a ${reason} skip of ${requestHash}`, async () => {
    const report = await statusOf(requestHash, { readers: executor.readers, books: executor.books });
    const skip = report.skips.find((item) => item.reason.startsWith(reason));
    return skip ? { report, reason: skip.reason } : undefined;
  });
}

const warnings = () => lines.filter((line) => line.includes('"msg":"low balance:'));

before(async () => {
  stack = await startExecutorStack();
  // The key's base token goes: it cannot pay a stake's bounty.
  const held = await baseTokenOf(ROLE_INDEX.facilitator).balanceOf(facilitator);
  await mined(baseTokenOf(ROLE_INDEX.facilitator).transfer(devWallet(HOLDER).address, held));
  const metrics = createMetrics();
  executor = await startLoggedExecutor(stack.config, lines, metrics);
  server = await startObservabilityServer({ host: "127.0.0.1", port: 0, health: executor.health, metrics });
});
after(async () => {
  await server?.close();
  await executor?.stop();
  await stack?.stop();
});

test(
  "without the base token a stake is left alone, with the reason; funded, it completes",
  { timeout: 180_000 },
  async () => {
    const stake = await requestStake(stack.net, devWallet(USER), {
      amount: parseEther("100"),
      beneficiary: devWallet(USER).address,
      ...TERMS,
    });
    const { report, reason } = await skipOf(stake.stakeRequestHash, "insufficientFunds");
    assert.match(
      reason,
      /base token on origin: 0\.0 held, 1\.0 needed for a stake's bounty \(short by 1\.0\)/,
      "status names what is short and by how much",
    );
    assert.equal(report.request?.status, "Requested");
    assert.deepEqual(
      report.intents.map((intent) => intent.step),
      [],
      "nothing was accepted",
    );

    const poor = await health();
    assert.equal(poor.code, 503);
    assert.equal(poor.body.status, "degraded");
    assert.match(poor.body.lastError ?? "", /^low balance: base token on origin: 0\.0 held/);
    assert.equal(poor.body.balances?.low.length, 1);
    assert.equal(await metric('facilitator_balance{chain="origin",asset="baseToken"}'), 0);
    assert.ok((await metric('facilitator_balance{chain="origin",asset="ether"}')) > 1);
    assert.ok((await metric('facilitator_balance{chain="auxiliary",asset="ether"}')) > 1);
    assert.equal(await metric('facilitator_balance_low{chain="origin",asset="baseToken"}'), 1);
    assert.equal(await metric('facilitator_balance_low{chain="origin",asset="ether"}'), 0);

    // Several readings later the warning is still the one said at the crossing.
    await new Promise((resolve) => setTimeout(resolve, 7000));
    assert.equal(warnings().length, 1, warnings().join("\n"));
    assert.match(warnings()[0]!, /the key cannot pay a stake's bounty on origin/);

    const held = await baseTokenOf(HOLDER).balanceOf(devWallet(HOLDER).address);
    await mined(baseTokenOf(HOLDER).transfer(facilitator, held));
    const done = await waitForProgressed(stack, "Stake", 1);
    assert.equal(done.size, 1);
    const funded = await until("a healthy executor", async () => {
      const answer = await health();
      return answer.body.status === "ok" ? answer : undefined;
    });
    assert.equal(funded.code, 200);
    assert.deepEqual(funded.body.balances?.low, []);
    assert.equal(await metric('facilitator_balance_low{chain="origin",asset="baseToken"}'), 0);
    assert.ok(lines.some((line) => line.includes('"msg":"balance restored: new stakes are accepted again"')));
  },
);

test(
  "without ether on auxiliary a redeem is left alone; funded, it completes",
  { timeout: 180_000 },
  async () => {
    const auxiliary = stack.net.auxiliary.provider;
    const before = await auxiliary.getBalance(facilitator);
    // Less than a redeem's bounty (0.01) and an accept's gas.
    await auxiliary.send("anvil_setBalance", [facilitator, toBeHex(parseEther("0.005"))]);
    // Balances are read every few seconds: the request comes once the executor has seen it.
    await until("the low balance seen", async () =>
      (await metric('facilitator_balance_low{chain="auxiliary",asset="ether"}')) === 1 ? true : undefined,
    );
    const redeem = await requestRedeem(stack.net, devWallet(USER), {
      amount: parseEther("40"),
      beneficiary: devWallet(USER).address,
      ...TERMS,
    });
    const { reason } = await skipOf(redeem.redeemRequestHash, "insufficientFunds");
    assert.match(
      reason,
      /ether on auxiliary: 0\.005 held, 0\.01\d* needed for a redeem's bounty and an accept's gas/,
    );
    const poor = await health();
    assert.equal(poor.body.status, "degraded");
    assert.match(poor.body.lastError ?? "", /ether on auxiliary/);
    assert.equal(await metric('facilitator_balance{chain="auxiliary",asset="ether"}'), 0.005);
    assert.equal(await metric('facilitator_balance_low{chain="auxiliary",asset="ether"}'), 1);
    const intents = await executor.books.intentsFor(redeem.redeemRequestHash);
    assert.deepEqual(intents, [], "nothing was accepted");

    await auxiliary.send("anvil_setBalance", [facilitator, toBeHex(before)]);
    const done = await waitForProgressed(stack, "Redeem", 1);
    assert.equal(done.size, 1);
    assert.ok(
      !lines.some((line) => /"level":"error"/.test(line)),
      lines.filter((line) => /error/.test(line)).join("\n"),
    );
  },
);
