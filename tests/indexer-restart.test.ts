// The indexer host killed with SIGKILL in the middle of indexing, then started again on the same
// database: it resumes, and the entities equal a fresh index of the whole chain. And --new-heads:
// the host follows each chain's heads over the WebSocket on its RPC URL's port.
import assert from "node:assert/strict";
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { parseEther, toQuantity } from "ethers";
import { anchorContract } from "../chain/anchoring.ts";
import { blockHeader, headBlockNumber } from "../chain/blocks.ts";
import { writeDeploymentFile } from "../chain/deployment-file.ts";
import { mined } from "../chain/receipts.ts";
import { devWallet, ROLE_INDEX } from "../devnet/accounts.ts";
import { startDevNetwork, type DevNetwork } from "../devnet/network.ts";
import { closeSubgraph, openSubgraph } from "../indexer/host.ts";
import { mosaicSubgraphs } from "../subgraph/hosting.ts";
import { builtSubgraphs } from "../subgraph/cached-build.ts";
import { dumpEntities } from "./helpers/entity-dump.ts";
import { requestStake } from "./helpers/manual-flows.ts";
import { startRewritingProxy } from "./helpers/rewriting-proxy.ts";

const ANCHORS = 300;
let net: DevNetwork;
const dir = mkdtempSync(path.join(tmpdir(), "indexer-restart-"));
const deploymentFile = path.join(dir, "deployment.json");
const dataDir = path.join(dir, "data");
/** Where the cached build is (builtSubgraphs tells, in before()). */
let buildDir: string;

/** `npm run indexer` for the deployment, as a process of its own (without npm in between). */
function startIndexer(
  extra: string[] = [],
  files = { deploymentFile, dataDir },
): { child: ChildProcessWithoutNullStreams; output: () => string } {
  const args = [
    "--deployment",
    files.deploymentFile,
    "--build-dir",
    buildDir,
    "--data-dir",
    files.dataDir,
    "--port",
    "0",
    ...extra,
  ];
  // Three blocks per eth_getLogs, so that indexing takes many steps and can be cut in the middle.
  args.push("--range", "3");
  const child = spawn(process.execPath, ["--import", "tsx", "cli/indexer.ts", ...args], { stdio: "pipe" });
  child.stdin.end();
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
  return { child, output: () => output };
}

async function waitFor(output: () => string, pattern: RegExp, timeoutMs = 60_000): Promise<RegExpExecArray> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const match = pattern.exec(output());
    if (match) return match;
    if (Date.now() > deadline) throw new Error(`no ${pattern} in:\n${output()}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

before(async () => {
  buildDir = path.dirname(path.dirname((await builtSubgraphs()).origin));
  net = await startDevNetwork();
  writeDeploymentFile(deploymentFile, net.deployment);
  // Many blocks with events on origin: anchored auxiliary roots, then a few stake requests.
  await net.auxiliary.provider.send("anvil_mine", [toQuantity(ANCHORS + 1)]);
  // Sent back to back with explicit nonces (automine keeps them in order), awaited once.
  const owner = devWallet(ROLE_INDEX.owner, net.origin.provider);
  const anchor = anchorContract(net.deployment.origin.contracts.anchor, owner);
  const first = (await headBlockNumber(net.auxiliary.provider)) - ANCHORS + 1;
  let nonce = await net.origin.provider.getTransactionCount(owner.address, "pending");
  const sent = [];
  for (let height = first; height < first + ANCHORS; height++) {
    const { stateRoot } = await blockHeader(net.auxiliary.provider, height);
    sent.push(await anchor.anchorStateRoot(height, stateRoot, { nonce: nonce++, gasLimit: 200_000 }));
  }
  await mined(sent.at(-1)!);
  for (let user = 2; user < 8; user++) {
    await requestStake(net, devWallet(user), {
      amount: parseEther("1"),
      beneficiary: devWallet(user).address,
      gasPrice: 0n,
      gasLimit: 0n,
    });
  }
});
after(async () => {
  await net?.stop();
});

test(
  "killed mid-indexing and restarted, the host ends with the entities of a fresh index",
  { timeout: 180_000 },
  async () => {
    const head = await net.origin.provider.getBlockNumber();
    const killed = startIndexer();
    const progress = await waitFor(killed.output, /mosaic-origin: indexed to block (\d+) of (\d+)/);
    killed.child.kill("SIGKILL");
    await new Promise((resolve) => killed.child.once("exit", resolve));
    assert.ok(Number(progress[1]) < head, `killed at block ${progress[1]} of ${head}`);

    const [origin] = mosaicSubgraphs(net.deployment, await builtSubgraphs(), dataDir);
    const interrupted = openSubgraph(origin!, {});
    const reached = interrupted.store.latestBlock()?.number ?? 0;
    await closeSubgraph(interrupted);
    assert.ok(reached < head, `the kill left the index part way (${reached} of ${head})`);

    const resumed = startIndexer();
    await waitFor(resumed.output, new RegExp(`mosaic-origin: indexed to block ${head} of ${head}`));
    resumed.child.kill("SIGINT");
    assert.equal(await new Promise((resolve) => resumed.child.once("exit", resolve)), 0);
    assert.match(resumed.output(), /Stopped\./);
    assert.doesNotMatch(resumed.output(), /newHeads/, "without --new-heads no chain's WebSocket is followed");

    const restarted = openSubgraph(origin!, {});
    const [fresh] = mosaicSubgraphs(net.deployment, await builtSubgraphs(), ":memory:");
    const fromScratch = openSubgraph(fresh!, {});
    try {
      await fromScratch.indexer.syncToHead();
      assert.equal(restarted.store.latestBlock()?.number, head);
      const expected = dumpEntities(fromScratch.store, fromScratch.schema);
      assert.equal(expected.AnchoredStateRoot!.length, ANCHORS);
      assert.equal(expected.StakeRequest!.length, 6);
      assert.deepEqual(dumpEntities(restarted.store, restarted.schema), expected);
    } finally {
      for (const opened of [restarted, fromScratch]) await closeSubgraph(opened);
    }
  },
);

test("with --new-heads the host follows each chain's heads at its RPC URL, as ws://", async () => {
  // Origin's RPC URL is a proxy that serves HTTP only: the host's WebSocket to it fails, and says so.
  const proxy = await startRewritingProxy(net.origin.rpcUrl);
  const proxied = path.join(dir, "proxied-deployment.json");
  const originUrl = proxy.urlFor(net.origin.rpcUrl);
  writeDeploymentFile(proxied, {
    ...net.deployment,
    origin: { ...net.deployment.origin, rpcUrl: originUrl },
  });
  const indexer = startIndexer(["--new-heads"], {
    deploymentFile: proxied,
    dataDir: path.join(dir, "heads"),
  });
  try {
    // ws's refusal of the proxy's HTTP answer to its upgrade request, named by the node's host
    // (the URL, which may hold a key, is not logged).
    const host = new URL(originUrl).host;
    await waitFor(
      indexer.output,
      new RegExp(`mosaic-origin \\[fault\\] newHeads: ${host}: Unexpected server response`),
    );
    assert.doesNotMatch(indexer.output(), /ws:\/\//);
    await waitFor(indexer.output, /mosaic-auxiliary: indexed to block (\d+) of \1/);
    assert.doesNotMatch(indexer.output(), /mosaic-auxiliary \[fault\] newHeads/);
  } finally {
    indexer.child.kill("SIGINT");
    await new Promise((resolve) => indexer.child.once("exit", resolve));
    await proxy.stop();
  }
});
