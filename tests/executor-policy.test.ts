// Requests the executor must leave alone: a gas price below policy, and a cogateway it does not
// serve. They stay requested, nothing is sent for them, and the reason is in the logs and books.
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { after, before, test } from "node:test";
import { parseEther, parseUnits } from "ethers";
import { devWallet } from "../devnet/accounts.ts";
import { readConfig } from "../executor/config.ts";
import type { RunningExecutor } from "../executor/service-api.ts";
import { formatStatus, statusOf } from "../executor/status.ts";
import { SUBGRAPH_NAMES } from "../subgraph/hosting.ts";
import { type ExecutorStack, startExecutorStack, startLoggedExecutor } from "./helpers/executor-stack.ts";
import { waitForProgressed } from "./helpers/executor-watch.ts";
import { graphql } from "./helpers/graphql-client.ts";
import { requestStake } from "./helpers/manual-flows.ts";

const OTHER_GATEWAY = "0x00000000000000000000000000000000000C0fEe";
const OTHER_COGATEWAY = "0x00000000000000000000000000000000000Fee01";
const lines: string[] = [];
let stack: ExecutorStack;
const executors: RunningExecutor[] = [];

async function executorWith(overrides: Record<string, unknown>, database: string): Promise<RunningExecutor> {
  const file = path.join(stack.dir, `${database}.json`);
  const base = JSON.parse(readFileSync(stack.configFile, "utf8")) as Record<string, unknown>;
  writeFileSync(file, JSON.stringify({ ...base, ...overrides, database: `file:${database}.sqlite` }));
  const executor = await startLoggedExecutor(readConfig(file), lines);
  executors.push(executor);
  return executor;
}

const skipLine = (subject: string, reason: string) =>
  lines.find(
    (line) =>
      line.includes('"msg":"left alone"') && line.includes(subject.toLowerCase()) && line.includes(reason),
  );

async function waitForSkip(subject: string, reason: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!skipLine(subject, reason)) {
    if (Date.now() > deadline) throw new Error(`no "left alone" line for ${subject} (${reason})`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

async function stakeRequests(): Promise<{ id: string; status: string }[]> {
  const data = await graphql<{ stakeRequests: { id: string; status: string }[] }>(
    stack.host.httpUrl(SUBGRAPH_NAMES.origin),
    `
      {
        stakeRequests(orderBy: requestedBlock) {
          id
          status
        }
      }
    `,
  );
  return data.stakeRequests;
}

before(async () => {
  stack = await startExecutorStack();
});
after(async () => {
  for (const executor of executors) await executor.stop();
  await stack?.stop();
});

test(
  "a request offering less gas than the policy asks is left alone, with the reason",
  { timeout: 120_000 },
  async () => {
    const executor = await executorWith(
      { gas: { minRequestGasPrice: "2 gwei", minRequestGasLimit: 100_000 } },
      "gas-policy",
    );
    const cheap = await requestStake(stack.net, devWallet(2), {
      amount: parseEther("10"),
      beneficiary: devWallet(2).address,
      gasPrice: parseUnits("1", "gwei"),
      gasLimit: 200_000n,
    });
    const good = await requestStake(stack.net, devWallet(3), {
      amount: parseEther("10"),
      beneficiary: devWallet(3).address,
      gasPrice: parseUnits("3", "gwei"),
      gasLimit: 200_000n,
    });
    await waitForProgressed(stack, "Stake", 1);
    await waitForSkip(cheap.stakeRequestHash, "gasPriceBelowPolicy");
    assert.deepEqual(await stakeRequests(), [
      { id: cheap.stakeRequestHash.toLowerCase(), status: "Requested" },
      { id: good.stakeRequestHash.toLowerCase(), status: "Accepted" },
    ]);
    const skip = (await executor.books.skips(100)).find(
      (row) => row.subject.toLowerCase() === cheap.stakeRequestHash.toLowerCase(),
    );
    assert.match(skip?.reason ?? "", /^gasPriceBelowPolicy: /);
    assert.deepEqual(await executor.books.intentsFor(cheap.stakeRequestHash), [], "nothing planned for it");
    const status = formatStatus(
      await statusOf(cheap.stakeRequestHash, { readers: executor.readers, books: executor.books }),
    );
    assert.match(status, /gasPriceBelowPolicy/, "`facilitator status` shows the reason");
    await executor.stop();
  },
);

test(
  "a request to a gateway pair the executor does not serve is left alone, with the reason",
  { timeout: 120_000 },
  async () => {
    const executor = await executorWith(
      { supportedGateways: { gateway: OTHER_GATEWAY, coGateway: OTHER_COGATEWAY } },
      "other-gateways",
    );
    const unserved = await requestStake(stack.net, devWallet(4), {
      amount: parseEther("10"),
      beneficiary: devWallet(4).address,
      gasPrice: parseUnits("3", "gwei"),
      gasLimit: 200_000n,
    });
    await waitForSkip(unserved.stakeRequestHash, "unsupportedGateway");
    const rows = await stakeRequests();
    assert.equal(rows.find((row) => row.id === unserved.stakeRequestHash.toLowerCase())?.status, "Requested");
    const skip = (await executor.books.skips(100)).find(
      (row) => row.subject.toLowerCase() === unserved.stakeRequestHash.toLowerCase(),
    );
    assert.match(skip?.reason ?? "", /^unsupportedGateway: /);
    assert.deepEqual(await executor.books.intentsFor(unserved.stakeRequestHash), []);
  },
);
