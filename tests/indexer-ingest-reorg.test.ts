// Reorganisations that race the indexer's reads: the chain is reorganised right after a range's
// logs were read (before its end block is), and between the reads of two ranges; and a node that
// answers a range's logs from a shorter chain for a moment. Whatever the timing, the entities must
// end up equal to a fresh index of the final chain.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { parseEther } from "ethers";
import { devWallet } from "../devnet/accounts.ts";
import { startDevNetwork, type DevNetwork } from "../devnet/network.ts";
import { closeSubgraph, openSubgraph } from "../indexer/host.ts";
import type { LogQuery } from "../indexer/ingest/chain-reader.ts";
import type { RawLog } from "../indexer/runtime/chain-data.ts";
import type { BlockPointer } from "../indexer/store/types.ts";
import { builtSubgraphs } from "../subgraph/cached-build.ts";
import { mosaicSubgraphs } from "../subgraph/hosting.ts";
import { dumpEntities } from "./helpers/entity-dump.ts";
import { requestStake } from "./helpers/manual-flows.ts";

type Opened = ReturnType<typeof openSubgraph>;

const request = (beneficiary: number) => ({
  amount: parseEther("10"),
  beneficiary: devWallet(beneficiary).address,
  gasPrice: 0n,
  gasLimit: 0n,
});

let net: DevNetwork;
before(async () => {
  net = await startDevNetwork();
});
after(async () => {
  await net?.stop();
});

/** Ranges only, unless `byHash`: near the head the indexer reads each block's logs by hash. */
async function openOrigin(maxLogRange?: number, byHash = false): Promise<Opened> {
  const [origin] = mosaicSubgraphs(net.deployment, await builtSubgraphs(), ":memory:");
  return openSubgraph(origin!, { maxLogRange, nearHeadBlocks: byHash ? undefined : 0 });
}

/** Runs `reorganise` once, right after the next eth_getLogs of `opened` is answered. */
function reorganiseAfterLogs(opened: Opened, reorganise: () => Promise<void>): { raced: () => boolean } {
  const read = opened.chain.logs.bind(opened.chain);
  let raced = false;
  opened.chain.logs = async (query: LogQuery): Promise<RawLog[]> => {
    const logs = await read(query);
    if (!raced) {
      raced = true;
      await reorganise();
    }
    return logs;
  };
  return { raced: () => raced };
}

/** Runs `reorganise` once, right before `opened` first reads block `number`. */
function reorganiseBeforeBlock(
  opened: Opened,
  number: number,
  reorganise: () => Promise<void>,
): { raced: () => boolean } {
  const read = opened.chain.pointer.bind(opened.chain);
  let raced = false;
  opened.chain.pointer = async (wanted: number): Promise<BlockPointer | null> => {
    if (!raced && wanted === number) {
      raced = true;
      await reorganise();
    }
    return read(wanted);
  };
  return { raced: () => raced };
}

/** Back to `snapshot`, then a longer branch with a stake request of `staker`. */
async function reorganiseTo(snapshot: string, staker: number, extraBlocks: number): Promise<void> {
  assert.equal(await net.origin.provider.send("evm_revert", [snapshot]), true);
  await requestStake(net, devWallet(staker), request(staker + 10));
  await net.origin.provider.send("anvil_mine", [`0x${extraBlocks.toString(16)}`]);
}

async function assertEqualsFreshIndex(indexed: Opened, stakeRequests: number): Promise<void> {
  const head = await net.origin.provider.getBlock("latest");
  // A second sync: whatever the first one missed must not stay missed.
  await indexed.indexer.syncToHead();
  assert.deepEqual(indexed.store.latestBlock()?.hash, head!.hash);
  const fresh = await openOrigin();
  try {
    await fresh.indexer.syncToHead();
    const expected = dumpEntities(fresh.store, fresh.schema);
    assert.equal(expected.StakeRequest!.length, stakeRequests, "stake requests on the final chain");
    assert.deepEqual(dumpEntities(indexed.store, indexed.schema), expected);
  } finally {
    await closeSubgraph(fresh);
  }
}

test("a reorg right after a range's logs are read", { timeout: 180_000 }, async () => {
  const indexed = await openOrigin();
  try {
    await indexed.indexer.syncToHead();
    const snapshot = (await net.origin.provider.send("evm_snapshot", [])) as string;
    // The abandoned branch has no events: its (empty) logs must not stand for the new branch's.
    await net.origin.provider.send("anvil_mine", ["0x3"]);
    const race = reorganiseAfterLogs(indexed, () => reorganiseTo(snapshot, 4, 3));
    await indexed.indexer.syncToHead();
    assert.ok(race.raced());
    await assertEqualsFreshIndex(indexed, 1);
  } finally {
    await closeSubgraph(indexed);
  }
});

test("a reorg between the reads of two ranges", { timeout: 180_000 }, async () => {
  // Ranges of two blocks: the abandoned request falls in the first range, and the chain is
  // reorganised (below that range's end) before the second range's end block is read.
  const indexed = await openOrigin(2);
  try {
    await indexed.indexer.syncToHead();
    const forkPoint = await net.origin.provider.getBlockNumber();
    const snapshot = (await net.origin.provider.send("evm_snapshot", [])) as string;
    await requestStake(net, devWallet(3), request(13));
    await net.origin.provider.send("anvil_mine", ["0x2"]);
    const race = reorganiseBeforeBlock(indexed, forkPoint + 4, () => reorganiseTo(snapshot, 5, 4));
    await indexed.indexer.syncToHead();
    assert.ok(race.raced());
    // The request of the first test, and the new branch's; not the abandoned one.
    await assertEqualsFreshIndex(indexed, 2);
  } finally {
    await closeSubgraph(indexed);
  }
});

test(
  "a range's logs answered from a shorter chain for a moment are not taken for its blocks' logs",
  { timeout: 180_000 },
  async () => {
    const indexed = await openOrigin(undefined, true);
    try {
      await indexed.indexer.syncToHead();
      // The pass starts further back than the blocks read by hash: its range ends before them.
      await net.origin.provider.send("anvil_mine", ["0x14"]);
      await requestStake(net, devWallet(6), request(16));
      const newest = await net.origin.provider.getBlockNumber();
      // As anvil answers in the middle of anvil_reorg, or a node behind a load balancer that is a block
      // behind the one that gave the head: the range's logs of the blocks that node has, no error,
      // and the end block read the same before and after.
      const read = indexed.chain.logs.bind(indexed.chain);
      let shortAnswers = 0;
      indexed.chain.logs = async (query: LogQuery): Promise<RawLog[]> => {
        const logs = await read(query);
        if (query.toBlock < newest) return logs;
        shortAnswers++;
        return logs.filter((log) => Number(log.blockNumber) < newest);
      };
      await indexed.indexer.syncToHead();
      indexed.chain.logs = read;
      // The first test's request, the second test's, and this one.
      await assertEqualsFreshIndex(indexed, 3);
      assert.equal(shortAnswers, 0, "no range answer reaches the last blocks below the head");
    } finally {
      await closeSubgraph(indexed);
    }
  },
);
