// Instance reuse (indexer/runtime/reusable-instance.ts) against graph-node's fresh instance per
// trigger (runtime/wasm/src/mapping.rs instantiates a module for every trigger): the Mosaic
// subgraphs indexed from the same recorded logs and blocks, once with a fresh instance per trigger
// and once with reused instances, write the same entity changes in every block. The benchmark
// runs the same comparison over all its events (bench/process-rate.ts).
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { connectChain } from "../chain/provider.ts";
import { FIRST_USER_INDEX } from "../devnet/accounts.ts";
import { startDevNetwork, type DevNetwork } from "../devnet/network.ts";
import { closeSubgraph, openSubgraph } from "../indexer/host.ts";
import { ChainReader } from "../indexer/ingest/chain-reader.ts";
import { generateMosaicTraffic } from "../bench/mosaic-traffic.ts";
import { measureProcessing } from "../bench/process-rate.ts";
import type { BlockRange } from "../bench/log-replay.ts";
import { builtSubgraphs } from "../subgraph/cached-build.ts";
import { mosaicSubgraphs } from "../subgraph/hosting.ts";

const USERS = 4;
let net: DevNetwork;
const dir = mkdtempSync(path.join(os.tmpdir(), "instance-reuse-"));
before(async () => {
  net = await startDevNetwork({ accounts: FIRST_USER_INDEX + USERS });
});
after(async () => {
  await net?.stop();
  rmSync(dir, { recursive: true, force: true });
});

test(
  "fresh and reused module instances write the same changes in every block",
  { timeout: 240_000 },
  async () => {
    await generateMosaicTraffic(net, { targetEvents: 150, users: USERS, progress: () => {} });
    const subgraphs = mosaicSubgraphs(net.deployment, await builtSubgraphs(), path.join(dir, "unused"));
    // One range per chain, from the subgraph's start block to the head.
    const ranges = new Map<string, BlockRange[]>();
    for (const subgraph of subgraphs) {
      const opened = openSubgraph({ ...subgraph, databaseFile: ":memory:" }, {});
      const provider = connectChain(subgraph.rpcUrl, subgraph.chainId);
      const head = await new ChainReader(provider).head();
      ranges.set(subgraph.name, [{ fromBlock: opened.runtime.logFilter().startBlock, toBlock: head }]);
      provider.destroy();
      await closeSubgraph(opened);
    }
    // Throws, naming the first block, when the two runs' changes differ.
    const processing = await measureProcessing(subgraphs, (name) => ranges.get(name)!, dir);
    assert.ok(processing.events >= 150, `${processing.events} events processed`);
    assert.ok(processing.blocks > 10, `${processing.blocks} blocks compared`);
  },
);
