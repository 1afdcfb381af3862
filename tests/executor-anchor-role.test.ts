// The anchoring role end to end, with no devnet anchorer: first one executor, made admin of both
// Anchors' organizations by the owner, is the only anchorer and both flows complete; then two
// executors with two keys that both hold the right (the organization's owner and its admin) take
// turns, the flows complete, and the chains show no height anchored twice and no anchor reverted.
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { after, before, test } from "node:test";
import { Contract, encryptKeystoreJsonSync, parseEther, parseUnits, type JsonRpcProvider } from "ethers";
import { mosaicAbi } from "../chain/mosaic-artifacts.ts";
import { bindOrigin } from "../chain/mosaic-contracts.ts";
import { mined } from "../chain/receipts.ts";
import { devWallet, ROLE_INDEX } from "../devnet/accounts.ts";
import { auditChains } from "../devnet/faults/chain-audit.ts";
import { readConfig } from "../executor/config.ts";
import { createLogger } from "../executor/observability/logger.ts";
import { createMetrics } from "../executor/observability/metrics.ts";
import type { RunningExecutor } from "../executor/service-api.ts";
import { startExecutor } from "../executor/service.ts";
import {
  KEYSTORE_PASSWORD,
  SECRETS_PASSPHRASE,
  startExecutorStack,
  type ExecutorStack,
} from "./helpers/executor-stack.ts";
import { waitForProgressed } from "./helpers/executor-watch.ts";
import { requestRedeem, requestStake } from "./helpers/manual-flows.ts";

const TERMS = { gasPrice: parseUnits("1", "gwei"), gasLimit: 200_000n };
const OWNER = devWallet(ROLE_INDEX.owner).address;
const ADMIN = devWallet(ROLE_INDEX.facilitator).address;
const lines: string[] = [];
let stack: ExecutorStack;
const running: RunningExecutor[] = [];
let runs = 0;

type Chain = "origin" | "auxiliary";
const CHAINS: Chain[] = ["origin", "auxiliary"];
const provider = (chain: Chain): JsonRpcProvider => stack.net[chain].provider;

/** The organization that may anchor on `chain`'s Anchor, signed by the owner. */
async function anchorOrganization(chain: Chain): Promise<Contract> {
  const owner = devWallet(ROLE_INDEX.owner, provider(chain));
  const anchor = new Contract(stack.net.deployment[chain].contracts.anchor, mosaicAbi("Anchor"), owner);
  const organization = (await anchor.getFunction("organization")()) as string;
  return new Contract(organization, mosaicAbi("Organization"), owner);
}

/** Starts an executor with the key of development account `index` and its own books and port. */
async function startWith(index: number, anchoring: Record<string, unknown>): Promise<RunningExecutor> {
  const config = JSON.parse(readFileSync(stack.configFile, "utf8")) as Record<string, unknown>;
  const wallet = devWallet(index);
  const keystore = `keystore-${index}.json`;
  writeFileSync(
    path.join(stack.dir, keystore),
    encryptKeystoreJsonSync({ address: wallet.address, privateKey: wallet.privateKey }, KEYSTORE_PASSWORD, {
      scrypt: { N: 1024 },
    }),
  );
  const file = path.join(stack.dir, `anchor-role-${++runs}.json`);
  writeFileSync(
    file,
    JSON.stringify({ ...config, keystore, database: `file:anchor-role-${runs}.sqlite`, anchoring }),
  );
  const executor = await startExecutor(
    readConfig(file),
    { keystorePassword: KEYSTORE_PASSWORD, secretsPassphrase: SECRETS_PASSPHRASE },
    {
      logger: createLogger({ level: "info", write: (line) => lines.push(`${wallet.address} ${line}`) }),
      metrics: createMetrics(),
    },
  );
  running.push(executor);
  return executor;
}

async function stopAll(): Promise<void> {
  await Promise.all(running.splice(0).map((executor) => executor.stop()));
}

/** Stakes by `users`, then redeems by them; both flows complete. */
async function stakeThenRedeem(users: number[], already: { stakes: number; redeems: number }): Promise<void> {
  await Promise.all(
    users.map((user) =>
      requestStake(stack.net, devWallet(user), {
        amount: parseEther("100"),
        beneficiary: devWallet(user).address,
        ...TERMS,
      }),
    ),
  );
  await waitForProgressed(stack, "Stake", already.stakes + users.length, 180_000);
  await Promise.all(
    users.map((user) =>
      requestRedeem(stack.net, devWallet(user), {
        amount: parseEther("40"),
        beneficiary: devWallet(user).address,
        ...TERMS,
      }),
    ),
  );
  await waitForProgressed(stack, "Redeem", already.redeems + users.length, 180_000);
}

/** The heights each chain's Anchor recorded (StateRootAvailable) from block `from` on. */
async function anchoredHeights(from: Record<Chain, number>): Promise<Record<Chain, bigint[]>> {
  const heights = async (chain: Chain) => {
    const anchor = new Contract(
      stack.net.deployment[chain].contracts.anchor,
      mosaicAbi("Anchor"),
      provider(chain),
    );
    const events = await anchor.queryFilter(anchor.filters.StateRootAvailable!(), from[chain], "latest");
    return events.map((event) => (event as unknown as { args: [bigint] }).args[0]);
  };
  return { origin: await heights("origin"), auxiliary: await heights("auxiliary") };
}

async function heads(): Promise<Record<Chain, number>> {
  return {
    origin: await provider("origin").getBlockNumber(),
    auxiliary: await provider("auxiliary").getBlockNumber(),
  };
}

/** Anchor intents of the running executors that failed (a dry run or a transaction reverted) or were given up. */
async function failedAnchorIntents(): Promise<string[]> {
  const intents = (await Promise.all(running.map((executor) => executor.books.recent(10_000)))).flat();
  return intents
    .filter(
      (intent) => intent.step === "anchor" && (intent.status === "failed" || intent.status === "abandoned"),
    )
    .map((intent) => `${intent.subject} ${intent.status}: ${intent.errorMessage}`);
}

/** The anchorStateRoot transactions `account` mined from block `from` on. */
async function anchorsBy(account: string, from: Record<Chain, number>) {
  const audit = await auditChains({ origin: provider("origin"), auxiliary: provider("auxiliary") }, account);
  return audit.transactions.filter(
    (transaction) =>
      transaction.step === "anchorStateRoot" && transaction.block > from[transaction.chain as Chain],
  );
}

before(async () => {
  // Blocks every second: two anchorers that send at once land in the same block, where one reverts.
  stack = await startExecutorStack({ network: { blockTime: 1 } });
  await stack.anchorer.stop(); // the executors anchor
  // The owner makes the facilitator's key admin of both Anchors' organizations.
  for (const chain of CHAINS) {
    const organization = await anchorOrganization(chain);
    await mined(organization.getFunction("setAdmin")(ADMIN));
  }
});
after(async () => {
  await stopAll();
  await stack?.stop();
});

test("a listed anchorer without the Anchors' organization rights is warned about at start", async () => {
  const outsider = devWallet(9).address;
  const before = lines.length;
  await startWith(ROLE_INDEX.facilitator, { anchorers: [outsider] });
  await stopAll();
  const warnings = lines
    .slice(before)
    .filter((line) => line.includes("a listed anchorer cannot anchor") && line.includes(outsider));
  assert.equal(warnings.length, 2, lines.slice(before).join("\n"));
  assert.ok(warnings.some((line) => line.includes('"chain":"origin"')));
  assert.ok(warnings.some((line) => line.includes('"chain":"auxiliary"')));
});

test(
  "one executor with the Anchors' organization rights is the only anchorer; both flows complete",
  { timeout: 400_000 },
  async () => {
    const from = await heads();
    await startWith(ROLE_INDEX.facilitator, { confirmations: 0, minInterval: 0 });
    await stakeThenRedeem([2, 3], { stakes: 0, redeems: 0 });
    const failed = await failedAnchorIntents();
    await stopAll();
    assert.deepEqual(failed, [], "no anchor was tried and refused");

    const ours = await anchorsBy(ADMIN, from);
    for (const chain of CHAINS) {
      assert.ok(
        ours.some((transaction) => transaction.chain === chain && !transaction.reverted),
        `the executor anchored on ${chain}`,
      );
    }
    assert.deepEqual(
      ours.filter((transaction) => transaction.reverted),
      [],
      "no anchor reverted",
    );
    assert.deepEqual(await anchorsBy(OWNER, from), [], "nobody else anchored");
  },
);

test(
  "two executors holding the anchoring right take turns: no height anchored twice, no anchor reverted",
  { timeout: 600_000 },
  async (t) => {
    // The owner's key becomes a second facilitator: a worker of both organizations, with base token.
    for (const chain of CHAINS) {
      const organization = await anchorOrganization(chain);
      await mined(organization.getFunction("setWorker")(OWNER, 2n ** 64n));
    }
    const baseToken = bindOrigin(
      stack.net.deployment,
      devWallet(ROLE_INDEX.facilitator, provider("origin")),
    ).baseToken;
    await mined(baseToken.transfer(OWNER, parseEther("1000")));

    const from = await heads();
    await startWith(ROLE_INDEX.facilitator, { confirmations: 0, minInterval: 0, anchorers: [OWNER] });
    await startWith(ROLE_INDEX.owner, { confirmations: 0, minInterval: 0, anchorers: [ADMIN] });
    await stakeThenRedeem([4, 5, 6, 7], { stakes: 2, redeems: 2 });
    const failed = await failedAnchorIntents();
    await stopAll();
    assert.deepEqual(failed, [], "no anchor was tried and refused");

    const heights = await anchoredHeights(from);
    for (const chain of CHAINS) {
      assert.ok(heights[chain].length > 0, `anchors on ${chain}`);
      assert.equal(
        new Set(heights[chain]).size,
        heights[chain].length,
        `no height anchored twice on ${chain}`,
      );
    }
    const byAdmin = await anchorsBy(ADMIN, from);
    const byOwner = await anchorsBy(OWNER, from);
    t.diagnostic(`anchors by the admin's executor: ${byAdmin.length}, by the owner's: ${byOwner.length}`);
    const anchors = [...byAdmin, ...byOwner];
    assert.deepEqual(
      anchors.filter((transaction) => transaction.reverted),
      [],
      "no anchor transaction reverted",
    );
    assert.equal(
      anchors.length,
      heights.origin.length + heights.auxiliary.length,
      "every anchor transaction recorded a height",
    );
    assert.ok(
      !lines.some((line) => /"level":"error"/.test(line)),
      lines.filter((line) => /error/.test(line)).join("\n"),
    );
  },
);
