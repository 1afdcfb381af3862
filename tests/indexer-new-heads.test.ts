// The host follows each chain's new heads over the node's WebSocket: a block is indexed as soon as
// anvil announces it, without waiting for the next poll (here an hour away).
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { parseEther } from "ethers";
import { devWallet } from "../devnet/accounts.ts";
import { startDevNetwork, type DevNetwork } from "../devnet/network.ts";
import { startIndexerHost, type IndexerHost } from "../indexer/host.ts";
import { mosaicSubgraphs, SUBGRAPH_NAMES } from "../subgraph/hosting.ts";
import { builtSubgraphs } from "../subgraph/cached-build.ts";
import { requestStake } from "./helpers/manual-flows.ts";

const AN_HOUR_MS = 3_600_000;

let net: DevNetwork;
let host: IndexerHost;
before(async () => {
  net = await startDevNetwork();
  const [origin] = mosaicSubgraphs(net.deployment, await builtSubgraphs(), ":memory:");
  host = await startIndexerHost({ subgraphs: [origin!], pollIntervalMs: AN_HOUR_MS, newHeads: true });
});
after(async () => {
  await host?.stop();
  await net?.stop();
});

async function indexedBlock(): Promise<number | null> {
  const response = await fetch(host.httpUrl(SUBGRAPH_NAMES.origin), {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ query: "{ stakeRequests { staker } _meta { block { number } } }" }),
  });
  const body = (await response.json()) as {
    data?: { stakeRequests: unknown[]; _meta: { block: { number: number } } };
  };
  return body.data && body.data.stakeRequests.length > 0 ? body.data._meta.block.number : null;
}

test("a block announced by the node is indexed before the next poll", { timeout: 60_000 }, async () => {
  await host.syncAll();
  assert.equal(await indexedBlock(), null, "nothing requested yet");
  const before = await net.origin.provider.getBlockNumber();
  await requestStake(net, devWallet(2), {
    amount: parseEther("5"),
    beneficiary: devWallet(2).address,
    gasPrice: 0n,
    gasLimit: 0n,
  });
  const deadline = Date.now() + 20_000;
  let block: number | null = null;
  while (block === null && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    block = await indexedBlock();
  }
  assert.ok(block !== null, "the request's block was indexed without a poll");
  assert.ok(block > before);
});
