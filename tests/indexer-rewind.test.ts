// An index that missed a block's events (its node answered eth_getLogs without them) keeps the
// block as indexed: a restart goes on after it. `rewindTo` (npm run indexer -- --rewind) takes the
// store back to a block before it and indexes the blocks after again. Here the origin subgraph
// reads its chain through a proxy that leaves StakeRequested out, then through the node as it is.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { parseEther, parseUnits } from "ethers";
import { bindOrigin } from "../chain/mosaic-contracts.ts";
import { devWallet } from "../devnet/accounts.ts";
import { freePort } from "../devnet/anvil.ts";
import { startDevNetwork, type DevNetwork } from "../devnet/network.ts";
import { startIndexerHost, type HostedSubgraph } from "../indexer/host.ts";
import { builtSubgraphs } from "../subgraph/cached-build.ts";
import { mosaicSubgraphs, SUBGRAPH_NAMES } from "../subgraph/hosting.ts";
import { startLogDroppingProxy, type LogDroppingProxy } from "./helpers/log-dropping-proxy.ts";
import { requestStake } from "./helpers/manual-flows.ts";

let net: DevNetwork;
let proxy: LogDroppingProxy;
let dir: string;
let origin: HostedSubgraph;

before(async () => {
  const originPort = await freePort();
  proxy = await startLogDroppingProxy(`http://127.0.0.1:${originPort}`);
  net = await startDevNetwork({ originPort, accounts: 4 });
  dir = mkdtempSync(path.join(tmpdir(), "indexer-rewind-"));
  const subgraphs = mosaicSubgraphs(net.deployment, await builtSubgraphs(), dir);
  origin = { ...subgraphs.find((subgraph) => subgraph.name === SUBGRAPH_NAMES.origin)!, rpcUrl: proxy.url };
});
after(async () => {
  await net?.stop();
  await proxy?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Indexes the origin subgraph to the head in a host of its own; the stake request's row, or null. */
async function indexOnce(id: string, rewindTo?: Record<string, number>, logs: string[] = []) {
  const host = await startIndexerHost({
    subgraphs: [origin],
    subscriptions: false,
    rewindTo,
    onLog: (name, level, message) => logs.push(`${name} [${level}] ${message}`),
  });
  try {
    await host.syncAll();
    const { store } = host.subgraphs.get(SUBGRAPH_NAMES.origin)!;
    return { row: store.getEntity("StakeRequest", id), latest: store.latestBlock()!.number };
  } finally {
    await host.stop();
  }
}

test("a subgraph rewound to a block before the one it missed indexes that block's events again", async () => {
  const requested = bindOrigin(net.deployment, net.origin.provider).ostComposer.interface.getEvent(
    "StakeRequested",
  )!.topicHash;
  proxy.drop = (log) => log.topics[0] === requested;
  const user = devWallet(2);
  const stake = await requestStake(net, user, {
    amount: parseEther("1"),
    beneficiary: user.address,
    gasPrice: parseUnits("1", "gwei"),
    gasLimit: 200_000n,
  });
  const id = stake.stakeRequestHash.toLowerCase();
  const missed = await indexOnce(id);
  assert.equal(missed.row, null, "the request's event was left out");
  const block = Number(proxy.dropped[0]!.blockNumber);
  assert.ok(missed.latest >= block, `indexed to ${missed.latest}, past block ${block}`);
  // The node answers in full from now on: a restart alone goes on after the indexed block.
  proxy.drop = undefined;
  assert.equal((await indexOnce(id)).row, null, "a restart does not index the block again");
  const logs: string[] = [];
  const rewound = await indexOnce(id, { [SUBGRAPH_NAMES.origin]: block - 1 }, logs);
  assert.equal(rewound.row?.staker, user.address.toLowerCase());
  assert.ok(rewound.latest >= missed.latest);
  assert.ok(
    logs.some((line) => /\[info\] rewound to block \d+: indexing again from block \d+/.test(line)),
    logs.join("\n"),
  );
  // A block at or past the latest indexed one leaves the store as it is, and says so.
  const past: string[] = [];
  const kept = await indexOnce(id, { [SUBGRAPH_NAMES.origin]: 1_000_000 }, past);
  assert.equal(kept.row?.staker, user.address.toLowerCase());
  assert.ok(
    past.some((line) => /\[info\] not rewound: indexed to block \d+, not past 1000000/.test(line)),
    past.join("\n"),
  );
});

test("a rewind naming a subgraph that is not hosted is refused before anything is opened", async () => {
  await assert.rejects(
    startIndexerHost({ subgraphs: [origin], subscriptions: false, rewindTo: { "mosaic-other": 5 } }),
    /cannot rewind mosaic-other: no such subgraph is hosted \(mosaic-origin\)/,
  );
});
