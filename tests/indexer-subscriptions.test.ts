// graphql-ws subscriptions on the embedded host, fed by real indexing: a new request arrives as it
// is indexed, and a client that reconnects from its last block misses nothing.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { parseEther } from "ethers";
import { createClient, type Client } from "graphql-ws";
import WebSocket from "ws";
import { devWallet } from "../devnet/accounts.ts";
import { startDevNetwork, type DevNetwork } from "../devnet/network.ts";
import { startIndexerHost, type IndexerHost } from "../indexer/host.ts";
import { mosaicSubgraphs, SUBGRAPH_NAMES } from "../subgraph/hosting.ts";
import { builtSubgraphs } from "../subgraph/cached-build.ts";
import { acceptStake, requestStake } from "./helpers/manual-flows.ts";

interface Update {
  stakeRequests: { staker: string; status: string }[];
  _meta: { block: { number: number } };
}

const SUBSCRIPTION = `subscription($since: Int!) {
  stakeRequests(where: { _change_block: { number_gte: $since } }, orderBy: requestedBlock) { staker status }
  _meta { block { number } }
}`;

let net: DevNetwork;
let host: IndexerHost;
before(async () => {
  net = await startDevNetwork();
  const [origin] = mosaicSubgraphs(net.deployment, await builtSubgraphs(), ":memory:");
  host = await startIndexerHost({ subgraphs: [origin!], pollIntervalMs: 100 });
});
after(async () => {
  await host?.stop();
  await net?.stop();
});

/** Subscribes and returns a function that waits for the first update satisfying a condition. */
function subscribe(client: Client, since: number) {
  const updates: Update[] = [];
  const errors: string[] = [];
  const waiters: (() => void)[] = [];
  const stop = client.subscribe<Update>(
    { query: SUBSCRIPTION, variables: { since } },
    {
      next: (result) => {
        if (result.errors) errors.push(...result.errors.map((error) => error.message));
        else updates.push(result.data as Update);
        for (const wake of waiters.splice(0)) wake();
      },
      error: (error) => errors.push(String(error)),
      complete: () => undefined,
    },
  );
  const next = async (accept: (update: Update) => boolean, timeoutMs = 15_000): Promise<Update> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (errors.length > 0) throw new Error(`subscription errors: ${errors.join("; ")}`);
      const found = updates.find(accept);
      if (found) return found;
      if (Date.now() > deadline) throw new Error(`no matching update in ${JSON.stringify(updates)}`);
      await new Promise<void>((resolve) => {
        waiters.push(resolve);
        setTimeout(resolve, 200);
      });
    }
  };
  return { next, stop };
}

test(
  "subscribers get new requests as they are indexed, and resume without missing any",
  { timeout: 60_000 },
  async () => {
    const url = host.wsUrl(SUBGRAPH_NAMES.origin);
    const staker = (index: number) => devWallet(index).address.toLowerCase();
    const request = (beneficiary: number) => ({
      amount: parseEther("5"),
      beneficiary: devWallet(beneficiary).address,
      gasPrice: 0n,
      gasLimit: 0n,
    });

    await host.syncAll(); // a subgraph answers once it has indexed a block, as graph-node
    const first = createClient({ url, webSocketImpl: WebSocket, retryAttempts: 0 });
    const live = subscribe(first, 0);
    await live.next((update) => update.stakeRequests.length === 0);
    const requested = await requestStake(net, devWallet(2), request(12));
    const arrived = await live.next((update) => update.stakeRequests.length === 1);
    assert.deepEqual(arrived.stakeRequests, [{ staker: staker(2), status: "Requested" }]);
    const lastSeen = arrived._meta.block.number;
    live.stop();
    await first.dispose();

    // While nobody listens: the request is accepted and another one is made.
    await acceptStake(net, requested);
    await requestStake(net, devWallet(3), request(13));
    await host.syncAll();

    const second = createClient({ url, webSocketImpl: WebSocket, retryAttempts: 0 });
    const resumed = subscribe(second, lastSeen + 1);
    const caughtUp = await resumed.next((update) => update.stakeRequests.length === 2);
    assert.deepEqual(caughtUp.stakeRequests, [
      { staker: staker(2), status: "Accepted" },
      { staker: staker(3), status: "Requested" },
    ]);
    assert.ok(caughtUp._meta.block.number > lastSeen);
    resumed.stop();
    await second.dispose();
  },
);
