// The example queries of docs/subgraph.md, taken from the document itself and run against the
// embedded host (which applies graph-node's query rules) while a stake waits for its anchor and
// after: each answers what the document says it answers.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { after, before, test } from "node:test";
import { Contract, parseEther, parseUnits } from "ethers";
import { mosaicAbi } from "../chain/mosaic-artifacts.ts";
import { mined } from "../chain/receipts.ts";
import { devWallet, ROLE_INDEX } from "../devnet/accounts.ts";
import { startDevNetwork, type DevNetwork } from "../devnet/network.ts";
import { startIndexerHost, type IndexerHost } from "../indexer/host.ts";
import { builtSubgraphs } from "../subgraph/cached-build.ts";
import { mosaicSubgraphs, SUBGRAPH_NAMES } from "../subgraph/hosting.ts";
import { graphql } from "./helpers/graphql-client.ts";
import {
  acceptStake,
  anchorOriginOnAuxiliary,
  progressStakeAndMint,
  proveAndConfirmStake,
  requestAndAcceptRedeem,
  requestAndAcceptStake,
  requestStake,
  type DeclaredRedeem,
  type DeclaredStake,
} from "./helpers/manual-flows.ts";

type Row = Record<string, unknown>;

/** Each `query Name…` of the document's graphql blocks, by name. */
function documentedQueries(): Map<string, string> {
  const doc = readFileSync(path.join(import.meta.dirname, "..", "docs", "subgraph.md"), "utf8");
  const queries = new Map<string, string>();
  for (const block of doc.matchAll(/```graphql\n([\s\S]*?)```/g)) {
    for (const query of block[1]!.split(/(?=^query )/m)) {
      const name = /^query (\w+)/.exec(query)?.[1];
      if (name) queries.set(name, query.replace(/^#.*$/gm, ""));
    }
  }
  return queries;
}

let net: DevNetwork;
let host: IndexerHost;
let stake: DeclaredStake;
let redeem: DeclaredRedeem;
const queries = documentedQueries();

async function ask(chain: "origin" | "auxiliary", name: string, variables: Row = {}): Promise<Row> {
  const query = queries.get(name);
  assert.ok(query, `docs/subgraph.md has no query ${name}`);
  await host.syncAll();
  return graphql<Row>(host.httpUrl(SUBGRAPH_NAMES[chain]), query, variables);
}

before(async () => {
  const manifests = await builtSubgraphs();
  net = await startDevNetwork();
  host = await startIndexerHost({ subgraphs: mosaicSubgraphs(net.deployment, manifests, ":memory:") });
  // First a redeem of tokens minted by a stake of the redeemer's own, driven by hand up to its
  // declaration; then the stake whose wait for an anchor the last test follows.
  const redeemer = devWallet(4);
  const minting = await requestAndAcceptStake(net, devWallet(5), {
    amount: parseEther("30"),
    beneficiary: redeemer.address,
    gasPrice: 0n,
    gasLimit: 0n,
  });
  const { blockHeight } = await anchorOriginOnAuxiliary(net);
  await proveAndConfirmStake(net, minting.stake, blockHeight);
  await progressStakeAndMint(net, minting.stake);
  ({ redeem } = await requestAndAcceptRedeem(net, redeemer, {
    amount: parseEther("12"),
    beneficiary: devWallet(6).address,
    gasPrice: parseUnits("1", "gwei"),
    gasLimit: 200_000n,
  }));
  const staker = devWallet(2);
  const requested = await requestStake(net, staker, {
    amount: parseEther("10"),
    beneficiary: staker.address,
    gasPrice: parseUnits("1", "gwei"),
    gasLimit: 200_000n,
  });
  ({ stake } = await acceptStake(net, requested));
});

after(async () => {
  await host?.stop();
  await net?.stop();
});

test("the document has the queries it describes", () => {
  assert.deepEqual(
    [...queries.keys()].sort(),
    [
      "LatestOriginRoot",
      "MessagesOfStaker",
      "Redeem",
      "Stake",
      "WaitingForAnchor",
      "WorkersAt",
      // Run against real reverts in tests/executor-reverts.test.ts.
      "Revert",
      "RevertsUnderway",
    ].sort(),
  );
});

test("a stake by its request hash: the request, its message and the message's events", async () => {
  const { stakeRequest } = (await ask("origin", "Stake", { requestHash: stake.stakeRequestHash })) as {
    stakeRequest: Row & { message: Row & { events: Row[] } };
  };
  assert.equal(stakeRequest.status, "Accepted");
  assert.equal(stakeRequest.staker, stake.staker.toLowerCase());
  assert.equal(stakeRequest.message.id, stake.messageHash);
  assert.equal(stakeRequest.message.status, "Declared");
  assert.equal(stakeRequest.message.hashLock, stake.hashLock);
  assert.deepEqual(
    stakeRequest.message.events.map((event) => event.name),
    ["StakeIntentDeclared"],
  );
});

test("a redeem by its request hash: the request, its message and the message's events", async () => {
  const { redeemRequest } = (await ask("auxiliary", "Redeem", { requestHash: redeem.redeemRequestHash })) as {
    redeemRequest: Row & { message: Row & { events: Row[] } };
  };
  assert.equal(redeemRequest.status, "Accepted");
  assert.equal(redeemRequest.redeemer, redeem.redeemer.toLowerCase());
  assert.equal(redeemRequest.redeemerProxy, redeem.redeemerProxy.toLowerCase());
  assert.equal(redeemRequest.amount, parseEther("12").toString());
  assert.equal(redeemRequest.message.id, redeem.messageHash);
  assert.equal(redeemRequest.message.status, "Declared");
  assert.equal(redeemRequest.message.hashLock, redeem.hashLock);
  assert.deepEqual(
    redeemRequest.message.events.map((event) => event.name),
    ["RedeemIntentDeclared"],
  );
});

test("all messages of a staker", async () => {
  const { messages } = (await ask("origin", "MessagesOfStaker", { staker: stake.staker.toLowerCase() })) as {
    messages: Array<Row & { stakeRequest: Row }>;
  };
  assert.deepEqual(
    messages.map((message) => [message.id, message.kind, message.stakeRequest.id]),
    [[stake.messageHash, "Stake", stake.stakeRequestHash]],
  );
  const none = (await ask("origin", "MessagesOfStaker", { staker: devWallet(3).address.toLowerCase() })) as {
    messages: Row[];
  };
  assert.deepEqual(none.messages, []);
});

test("everything waiting for an anchor: the stake until its height is anchored, then nothing", async () => {
  const waiting = async () => {
    const { anchoredStateRoots } = (await ask("auxiliary", "LatestOriginRoot")) as {
      anchoredStateRoots: Array<{ blockHeight: string }>;
    };
    const anchored = anchoredStateRoots[0]?.blockHeight ?? "-1";
    const { messages } = (await ask("origin", "WaitingForAnchor", { anchored })) as { messages: Row[] };
    return messages.map((message) => message.id);
  };
  assert.deepEqual(await waiting(), [stake.messageHash]);
  await anchorOriginOnAuxiliary(net);
  assert.deepEqual(await waiting(), []);
});

test("the workers at a block: a worker set with an expiration height counts until that height", async () => {
  const facilitator = devWallet(ROLE_INDEX.facilitator).address.toLowerCase();
  const newcomer = devWallet(7).address.toLowerCase();
  const organization = new Contract(
    net.deployment.origin.contracts.organization,
    mosaicAbi("Organization"),
    devWallet(ROLE_INDEX.owner, net.origin.provider),
  );
  const before = await net.origin.provider.getBlockNumber();
  const expiration = before + 5;
  const receipt = await mined(organization.getFunction("setWorker")(newcomer, expiration));
  const workersAt = async (block: number) => {
    const { workers } = (await ask("origin", "WorkersAt", { block, height: String(block) })) as {
      workers: Row[];
    };
    return workers.map((worker) => worker.worker);
  };
  assert.deepEqual(await workersAt(before), [facilitator]);
  assert.deepEqual(await workersAt(receipt!.blockNumber), [facilitator, newcomer].sort());
  while ((await net.origin.provider.getBlockNumber()) < expiration)
    await net.origin.provider.send("evm_mine", []);
  assert.deepEqual(await workersAt(expiration - 1), [facilitator, newcomer].sort());
  assert.deepEqual(await workersAt(expiration), [facilitator]);
});
