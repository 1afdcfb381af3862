// indexer/ingest/subgraph-indexer.ts reads the next window of blocks while the handlers of the
// current one run, so the node's answers overlap with processing; the entity changes are the same
// as with every block read before any is handled; behind the head a range's blocks reach the file
// in one commit; the manifest's declared calls are made before the handlers ask for them.
// (Reorganisations during those reads: indexer-ingest-reorg.test.ts.)
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { parseEther } from "ethers";
import { connectChain } from "../chain/provider.ts";
import { devWallet, FIRST_USER_INDEX } from "../devnet/accounts.ts";
import { startDevNetwork, type DevNetwork } from "../devnet/network.ts";
import { closeSubgraph, openSubgraph } from "../indexer/host.ts";
import { ChainReader } from "../indexer/ingest/chain-reader.ts";
import { SubgraphIndexer } from "../indexer/ingest/subgraph-indexer.ts";
import { SyncRpc } from "../indexer/runtime/sync-rpc.ts";
import type { BlockPointer, EntityChange } from "../indexer/store/types.ts";
import { generateMosaicTraffic } from "../bench/mosaic-traffic.ts";
import { RecordedChain } from "../bench/log-replay.ts";
import { builtSubgraphs } from "../subgraph/cached-build.ts";
import { mosaicSubgraphs } from "../subgraph/hosting.ts";
import { dumpEntities } from "./helpers/entity-dump.ts";
import { requestStake } from "./helpers/manual-flows.ts";

const stake = (beneficiary: number) => ({
  amount: parseEther("10"),
  beneficiary: devWallet(beneficiary).address,
  gasPrice: 0n,
  gasLimit: 0n,
});

const USERS = 6;
let net: DevNetwork;
before(async () => {
  net = await startDevNetwork({ accounts: FIRST_USER_INDEX + USERS });
});
after(async () => {
  await net?.stop();
});

/**
 * Stakes and redeems through every step (messages declared and confirmed, whose terms the handlers
 * read), made once for the tests that need them, after the reorganisation test's own stakes.
 */
let traffic: Promise<unknown> | undefined;
const withTraffic = () =>
  (traffic ??= generateMosaicTraffic(net, { targetEvents: 100, users: USERS, progress: () => {} }));

/** The origin subgraph of the development network, its store in memory. */
async function originSubgraph() {
  return mosaicSubgraphs(net.deployment, await builtSubgraphs(), ":memory:")[0]!;
}

/** The chain without `call` (as logs in memory): declared calls are not made early. */
function withoutEarlyCalls(chain: ChainReader): ChainReader {
  return Object.assign(Object.create(chain) as ChainReader, { call: undefined });
}

/** Counts the eth_calls the handlers make themselves (through the blocking bridge) until stop(). */
function countHandlerCalls() {
  const call = SyncRpc.prototype.call;
  const asked = { eth_call: 0, stop: () => void (SyncRpc.prototype.call = call) };
  SyncRpc.prototype.call = function (method, params) {
    if (method === "eth_call") asked.eth_call++;
    return call.call(this, method, params);
  };
  return asked;
}

/**
 * Indexes the recorded chain with `blockWindow`, noting each block read, handled and applied, and
 * each hold and commit of the store. `rangeBlocks`: the blocks of each eth_getLogs range (one
 * range by default).
 */
async function index(recorded: RecordedChain, blockWindow: number, rangeBlocks = 10_000) {
  const origin = await originSubgraph();
  const opened = openSubgraph(origin, {});
  const events: string[] = [];
  const writes: { block: BlockPointer; changes: EntityChange[] }[] = [];
  const chain = Object.create(recorded) as RecordedChain;
  chain.block = (number: number) => {
    events.push(`read ${number}`);
    return recorded.block(number);
  };
  const process = opened.runtime.processBlockInTurns.bind(opened.runtime);
  opened.runtime.processBlockInTurns = (block, logs, ...rest) => {
    events.push(`handle ${Number(block.number)}`);
    return process(block, logs, ...rest);
  };
  const apply = opened.store.applyBlock.bind(opened.store);
  opened.store.applyBlock = (block, changes) => {
    events.push(`apply ${block.number}`);
    writes.push({ block, changes });
    apply(block, changes);
  };
  const hold = opened.store.holdCommits!.bind(opened.store);
  opened.store.holdCommits = () => {
    events.push("hold");
    hold();
  };
  const commit = opened.store.commitBlocks!.bind(opened.store);
  opened.store.commitBlocks = () => {
    events.push("commit");
    commit();
  };
  try {
    await new SubgraphIndexer({
      runtime: opened.runtime,
      store: opened.store,
      chain,
      blockWindow,
      range: { initial: rangeBlocks, max: rangeBlocks },
    }).syncToHead();
    assert.equal(opened.store.failure(), null);
    return { events, writes };
  } finally {
    await closeSubgraph(opened);
  }
}

test("a reorg while the next block is read ahead is found and reverted", { timeout: 180_000 }, async () => {
  const origin = await originSubgraph();
  const indexed = openSubgraph(origin, {});
  const fresh = openSubgraph(origin, {});
  try {
    // One block per window: each block with logs is read while the one before it is handled.
    const indexer = new SubgraphIndexer({ ...indexed, blockWindow: 1 });
    await indexer.syncToHead();
    const snapshot = (await net.origin.provider.send("evm_snapshot", [])) as string;
    await requestStake(net, devWallet(3), stake(3));
    const firstStake = await net.origin.provider.getBlockNumber();
    await requestStake(net, devWallet(4), stake(4));
    const stakedAt = await net.origin.provider.getBlockNumber();
    const read = indexed.chain.block.bind(indexed.chain);
    let raced = false;
    let indexedAtRace: number | undefined;
    indexed.chain.block = async (number: number, withTransactions: boolean) => {
      // The second block with a request is read ahead, and the chain is reorganised then.
      if (!raced && withTransactions && number === stakedAt) {
        raced = true;
        indexedAtRace = indexed.store.latestBlock()?.number;
        assert.equal(await net.origin.provider.send("evm_revert", [snapshot]), true);
        await requestStake(net, devWallet(5), stake(5));
        await net.origin.provider.send("anvil_mine", ["0x6"]);
      }
      return read(number, withTransactions);
    };
    await indexer.syncToHead();
    assert.ok(raced, `block ${stakedAt} was read`);
    assert.ok(
      indexedAtRace! < firstStake,
      `read ahead: indexed to ${indexedAtRace}, first stake at ${firstStake}`,
    );
    await indexer.syncToHead();
    const head = await net.origin.provider.getBlock("latest");
    assert.equal(indexed.store.latestBlock()?.hash, head!.hash);
    await fresh.indexer.syncToHead();
    const expected = dumpEntities(fresh.store, fresh.schema);
    assert.equal(expected.StakeRequest!.length, 1, "only the new branch's stake request");
    assert.deepEqual(dumpEntities(indexed.store, indexed.schema), expected);
  } finally {
    await closeSubgraph(indexed);
    await closeSubgraph(fresh);
  }
});

test(
  "the next window of blocks is read while the current one is handled, with the same changes",
  { timeout: 240_000 },
  async () => {
    await withTraffic();
    const origin = await originSubgraph();
    const opened = openSubgraph(origin, {});
    const provider = connectChain(origin.rpcUrl, origin.chainId);
    const reader = new ChainReader(provider);
    const range = { fromBlock: opened.runtime.logFilter().startBlock, toBlock: await reader.head() };
    const recorded = await RecordedChain.record(reader, opened.runtime, [range]);
    provider.destroy();
    await closeSubgraph(opened);

    const overlapped = await index(recorded, 2);
    const handled = overlapped.events
      .filter((event) => event.startsWith("handle"))
      .map((event) => Number(event.slice(7)));
    assert.ok(handled.length >= 6, `${handled.length} blocks with logs`);
    // Blocks 3 and 4 (the second window) are read before block 2 (the first window's last) is handled.
    const at = (event: string) => overlapped.events.indexOf(event);
    assert.ok(
      at(`read ${handled[2]}`) < at(`handle ${handled[1]}`),
      overlapped.events.slice(0, 8).join(", "),
    );
    assert.ok(
      at(`read ${handled[4]}`) < at(`handle ${handled[3]}`),
      overlapped.events.slice(0, 12).join(", "),
    );

    const sequential = await index(recorded, 1_000_000);
    assert.deepEqual(overlapped.writes, sequential.writes);
  },
);

test("behind the head a range's blocks are committed together; the head block on its own", async () => {
  const origin = await originSubgraph();
  const opened = openSubgraph(origin, {});
  const provider = connectChain(origin.rpcUrl, origin.chainId);
  const reader = new ChainReader(provider);
  const head = await reader.head();
  const range = { fromBlock: opened.runtime.logFilter().startBlock, toBlock: head };
  const recorded = await RecordedChain.record(reader, opened.runtime, [range]);
  provider.destroy();
  await closeSubgraph(opened);

  const ranged = await index(recorded, 2, 3);
  // Each block applied while held; a commit closes each hold; only the head block is not held.
  let held = false;
  const appliedHeld = new Map<number, boolean>();
  for (const event of ranged.events) {
    if (event === "hold") held = true;
    else if (event === "commit") held = false;
    else if (event.startsWith("apply ")) appliedHeld.set(Number(event.slice(6)), held);
  }
  assert.equal(held, false, "every hold ends with a commit");
  for (const [number, wasHeld] of appliedHeld)
    assert.equal(wasHeld, number < head, `block ${number} held: ${wasHeld}`);
  assert.ok([...appliedHeld.values()].some(Boolean), "some blocks were held");
  // The same changes as one range (which writes no empty block at the other ranges' ends).
  const changed = (writes: { changes: EntityChange[] }[]) =>
    writes.filter((write) => write.changes.length > 0);
  assert.deepEqual(changed(ranged.writes), changed((await index(recorded, 1_000_000)).writes));
});

test(
  "the declared calls are made when a range's logs arrive: the handlers wait on the node for none, with the same entities",
  { timeout: 180_000 },
  async () => {
    await withTraffic();
    const origin = await originSubgraph();
    const early = openSubgraph(origin, {});
    const late = openSubgraph(origin, {});
    const asked = countHandlerCalls();
    try {
      await new SubgraphIndexer({
        runtime: early.runtime,
        store: early.store,
        chain: early.chain,
      }).syncToHead();
      const handlersAskedEarly = asked.eth_call;
      // A source without `call` (as logs in memory): the handlers ask the node themselves.
      const chain = withoutEarlyCalls(late.chain);
      await new SubgraphIndexer({ runtime: late.runtime, store: late.store, chain }).syncToHead();
      const handlersAskedLate = asked.eth_call - handlersAskedEarly;
      const messages = dumpEntities(late.store, late.schema).Message ?? [];
      assert.ok(messages.length > 0 && handlersAskedLate >= messages.length, `${handlersAskedLate} calls`);
      assert.equal(handlersAskedEarly, 0);
      assert.deepEqual(dumpEntities(early.store, early.schema), dumpEntities(late.store, late.schema));
    } finally {
      asked.stop();
      await closeSubgraph(early);
      await closeSubgraph(late);
    }
  },
);

test(
  "a node that answers a handler's eth_call with something other than hex data fails the block for another try, not as a revert",
  { timeout: 180_000 },
  async () => {
    await withTraffic();
    const origin = await originSubgraph();
    const opened = openSubgraph(origin, {});
    // No early calls: every message's terms are asked for by its handler.
    const chain = withoutEarlyCalls(opened.chain);
    const indexer = new SubgraphIndexer({ runtime: opened.runtime, store: opened.store, chain });
    const call = SyncRpc.prototype.call;
    SyncRpc.prototype.call = function (method, params) {
      return method === "eth_call" ? null : call.call(this, method, params);
    };
    try {
      await assert.rejects(
        indexer.syncToHead(),
        /eth_call to 0x[0-9a-f]{40}: the node's answer is not hex data/,
      );
      assert.equal(opened.store.failure(), null, "the subgraph is not failed");
      SyncRpc.prototype.call = call;
      await indexer.syncToHead();
      const messages = (dumpEntities(opened.store, opened.schema).Message ?? []) as Record<string, unknown>[];
      assert.ok(messages.length > 0);
      // The terms read with the call: null only when the call reverted.
      assert.ok(
        messages.every((message) => message.gasPrice !== null && message.gasLimit !== null),
        "every message has the terms the node answered once it answered",
      );
    } finally {
      SyncRpc.prototype.call = call;
      await closeSubgraph(opened);
    }
  },
);

test("a range's declared calls go to the node at most so many at a time", { timeout: 180_000 }, async () => {
  await withTraffic();
  const origin = await originSubgraph();
  const opened = openSubgraph(origin, {});
  let inFlight = 0;
  let most = 0;
  let made = 0;
  const chain = Object.assign(Object.create(opened.chain) as ChainReader, {
    call: async (request: { to: string; data: string }, blockHash: string) => {
      made++;
      most = Math.max(most, ++inFlight);
      try {
        return await opened.chain.call(request, blockHash);
      } finally {
        inFlight--;
      }
    },
  });
  const asked = countHandlerCalls();
  try {
    await new SubgraphIndexer({
      runtime: opened.runtime,
      store: opened.store,
      chain,
      declaredCallsInFlight: 2,
    }).syncToHead();
    assert.ok(made > 2, `${made} declared calls`);
    assert.equal(most, 2);
    assert.equal(asked.eth_call, 0, "every answer was there before its handler ran");
  } finally {
    asked.stop();
    await closeSubgraph(opened);
  }
});
