// A development network with two gateway pairs: one executor serving both completes a stake and a
// redeem on each pair, through each pair's own gateway, cogateway, proofs and tokens; an executor
// configured with the first pair only leaves the second pair's requests alone, with the reason in
// `facilitator status`, which names the request's gateway.
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { after, before, test } from "node:test";
import { parseEther, parseUnits } from "ethers";
import { gatewayPairs, type GatewayPair } from "../chain/deployment-file.ts";
import { bindPairOnAuxiliary, bindPairOnOrigin } from "../chain/mosaic-contracts.ts";
import { devWallet } from "../devnet/accounts.ts";
import { readConfig } from "../executor/config.ts";
import { createLogger } from "../executor/observability/logger.ts";
import { createMetrics } from "../executor/observability/metrics.ts";
import type { RunningExecutor } from "../executor/service-api.ts";
import { startExecutor } from "../executor/service.ts";
import { formatStatus, statusOf } from "../executor/status.ts";
import { SUBGRAPH_NAMES } from "../subgraph/hosting.ts";
import {
  KEYSTORE_PASSWORD,
  SECRETS_PASSPHRASE,
  startExecutorStack,
  type ExecutorStack,
} from "./helpers/executor-stack.ts";
import { waitForProgressed } from "./helpers/executor-watch.ts";
import { graphql } from "./helpers/graphql-client.ts";
import { requestRedeem, requestStake } from "./helpers/manual-flows.ts";

let stack: ExecutorStack;
let pairs: GatewayPair[];
const executors: RunningExecutor[] = [];
const TERMS = { gasPrice: parseUnits("1", "gwei"), gasLimit: 200_000n };

async function executorWith(overrides: Record<string, unknown>, name: string): Promise<RunningExecutor> {
  const file = path.join(stack.dir, `${name}.json`);
  const base = JSON.parse(readFileSync(stack.configFile, "utf8")) as Record<string, unknown>;
  writeFileSync(file, JSON.stringify({ ...base, ...overrides, database: `file:${name}.sqlite` }));
  const executor = await startExecutor(
    readConfig(file),
    { keystorePassword: KEYSTORE_PASSWORD, secretsPassphrase: SECRETS_PASSPHRASE },
    { logger: createLogger({ level: "warn", write: () => undefined }), metrics: createMetrics() },
  );
  executors.push(executor);
  return executor;
}

/** The gateway of each message of a kind, as the source chain's subgraph indexed it. */
async function messageGateways(kind: "Stake" | "Redeem"): Promise<Map<string, string>> {
  const chain = kind === "Stake" ? SUBGRAPH_NAMES.origin : SUBGRAPH_NAMES.auxiliary;
  const data = await graphql<{ messages: { id: string; gateway: string }[] }>(
    stack.host.httpUrl(chain),
    `
      query ($kind: MessageKind!) {
        messages(where: { kind: $kind, box: Outbox }) {
          id
          gateway
        }
      }
    `,
    { kind },
  );
  return new Map(data.messages.map((message) => [message.id, message.gateway]));
}

before(async () => {
  stack = await startExecutorStack({ network: { gatewayPairs: 2 } });
  pairs = gatewayPairs(stack.net.deployment);
});
after(async () => {
  for (const executor of executors) await executor.stop();
  await stack?.stop();
});

test("the development network deploys two gateway pairs on the shared composer and pool", () => {
  assert.equal(pairs.length, 2);
  assert.notEqual(pairs[0]!.gateway, pairs[1]!.gateway);
  assert.notEqual(pairs[0]!.valueToken, pairs[1]!.valueToken);
  assert.equal(pairs[0]!.baseToken, pairs[1]!.baseToken);
});

test(
  "one executor serves both pairs: a stake and a redeem on each complete",
  { timeout: 300_000 },
  async () => {
    const executor = await executorWith({}, "both-pairs");
    const stakers = [devWallet(2), devWallet(3)];
    const amount = parseEther("10");
    const stakes = await Promise.all(
      pairs.map((pair, index) =>
        requestStake(
          stack.net,
          stakers[index]!,
          { amount, beneficiary: stakers[index]!.address, ...TERMS },
          pair,
        ),
      ),
    );
    const staked = await waitForProgressed(stack, "Stake", 2, 180_000);
    const gateways = await messageGateways("Stake");
    assert.deepEqual(
      [...staked].map((id) => gateways.get(id)).sort(),
      pairs.map((pair) => pair.gateway.toLowerCase()).sort(),
      "one stake through each pair's gateway",
    );
    for (const [index, pair] of pairs.entries()) {
      const minted = await bindPairOnAuxiliary(pair, stack.net.auxiliary.provider).utilityToken.balanceOf(
        stakers[index]!.address,
      );
      // The amount less the facilitator's reward (gas price times gas used, at most the gas limit).
      assert.ok(
        minted >= amount - TERMS.gasPrice * TERMS.gasLimit && minted <= amount,
        `pair ${index + 1}'s utility token minted`,
      );
    }

    const back = parseEther("4");
    const valueBefore = await Promise.all(
      pairs.map((pair, index) =>
        bindPairOnOrigin(pair, stack.net.origin.provider).valueToken.balanceOf(stakers[index]!.address),
      ),
    );
    const redeems = await Promise.all(
      pairs.map((pair, index) =>
        requestRedeem(
          stack.net,
          stakers[index]!,
          { amount: back, beneficiary: stakers[index]!.address, ...TERMS },
          pair,
        ),
      ),
    );
    const redeemed = await waitForProgressed(stack, "Redeem", 2, 180_000);
    const coGateways = await messageGateways("Redeem");
    assert.deepEqual(
      [...redeemed].map((id) => coGateways.get(id)).sort(),
      pairs.map((pair) => pair.coGateway.toLowerCase()).sort(),
      "one redeem through each pair's cogateway",
    );
    for (const [index, pair] of pairs.entries()) {
      const value = await bindPairOnOrigin(pair, stack.net.origin.provider).valueToken.balanceOf(
        stakers[index]!.address,
      );
      const unstaked = value - valueBefore[index]!;
      assert.ok(
        unstaked >= back - TERMS.gasPrice * TERMS.gasLimit && unstaked <= back,
        `pair ${index + 1}'s value token unstaked`,
      );
    }
    for (const hash of [
      ...stakes.map((s) => s.stakeRequestHash),
      ...redeems.map((r) => r.redeemRequestHash),
    ]) {
      assert.ok((await executor.books.intentsFor(hash)).length > 0, `the executor accepted ${hash}`);
    }
    await executor.stop();
  },
);

test(
  "an executor serving only the first pair leaves the second pair's request alone, saying why",
  { timeout: 120_000 },
  async () => {
    const first = { gateway: pairs[0]!.gateway, coGateway: pairs[0]!.coGateway };
    const executor = await executorWith({ supportedGateways: [first] }, "first-pair");
    const unserved = await requestStake(
      stack.net,
      devWallet(4),
      { amount: parseEther("10"), beneficiary: devWallet(4).address, ...TERMS },
      pairs[1],
    );
    const deadline = Date.now() + 60_000;
    let status = "";
    while (!/unsupportedGateway/.test(status)) {
      assert.ok(Date.now() < deadline, `no unsupportedGateway skip in the status:\n${status}`);
      await new Promise((resolve) => setTimeout(resolve, 250));
      status = formatStatus(
        await statusOf(unserved.stakeRequestHash, { readers: executor.readers, books: executor.books }),
      );
    }
    assert.match(status, new RegExp(`is not served \\(only ${pairs[0]!.gateway}\\)`, "i"));
    assert.match(
      status,
      new RegExp(`at gateway ${pairs[1]!.gateway}`, "i"),
      "the status names the request's gateway",
    );
    assert.deepEqual(
      await executor.books.intentsFor(unserved.stakeRequestHash),
      [],
      "nothing planned for it",
    );
  },
);
