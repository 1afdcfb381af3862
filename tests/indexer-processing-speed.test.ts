// What makes processing from fetched logs fast, checked as behaviour: an eth_call repeated within
// a block reaches the node once (graph-node caches calls by block too), one at another block goes
// to the node again, and a block's ethereum.Block object is built once for all its triggers. The
// fixture (tests/fixtures/parity-differences-subgraph) runs through SubgraphRuntime.processBlock
// on blocks built here, against a JSON-RPC node on a worker thread that counts its requests.
import assert from "node:assert/strict";
import { once } from "node:events";
import { readFileSync } from "node:fs";
import { after, before, beforeEach, describe, test } from "node:test";
import { Worker } from "node:worker_threads";
import { Interface, keccak256, toBeHex, zeroPadValue } from "ethers";
import { AscMemory } from "../indexer/runtime/asc-memory.ts";
import type { RawBlock, RawLog } from "../indexer/runtime/chain-data.ts";
import { entityShapes } from "../indexer/runtime/entity-shapes.ts";
import { HandlerError } from "../indexer/runtime/handler-error.ts";
import { loadManifest } from "../indexer/runtime/manifest.ts";
import { SubgraphRuntime } from "../indexer/runtime/subgraph-runtime.ts";
import { parseSubgraphSchema } from "../indexer/schema/index.ts";
import { buildFixtureSubgraph } from "./helpers/fixture-subgraph.ts";

const ADDRESS = "0x00000000000000000000000000000000000000d1";
const hit = new Interface(["event Hit(uint256 mode)"]);
let runtime: SubgraphRuntime;

// Answers eth_call with the word 7 and posts each request's method and params here.
const NODE = `
  const { createServer } = require("node:http");
  const { parentPort } = require("node:worker_threads");
  const server = createServer((request, response) => {
    let body = "";
    request.on("data", (chunk) => (body += chunk));
    request.on("end", () => {
      const { id, method, params } = JSON.parse(body);
      parentPort.postMessage({ method, params });
      response.setHeader("content-type", "application/json");
      response.end(JSON.stringify({ jsonrpc: "2.0", id, result: "0x" + "7".padStart(64, "0") }));
    });
  });
  server.listen(0, "127.0.0.1", () => parentPort.postMessage({ port: server.address().port }));
`;
let node: Worker;
let requests: { method: string; params: unknown[] }[] = [];

before(async () => {
  node = new Worker(NODE, { eval: true });
  const [{ port }] = (await once(node, "message")) as [{ port: number }];
  node.on("message", (request: { method: string; params: unknown[] }) => requests.push(request));
  // The same build as tests/indexer-graph-node-differences-runtime.test.ts (cached by its inputs).
  const built = await buildFixtureSubgraph({
    fixture: "parity-differences-subgraph",
    contract: "Differences",
    eventHandlers: [
      { event: "Hit(uint256)", handler: "handleHit" },
      { event: "Hit(uint256)", handler: "handleHitAgain" },
    ],
    entities: ["Run", "Item", "Seen"],
  });
  const manifest = loadManifest(built.manifestFile);
  runtime = new SubgraphRuntime({
    manifest,
    shapes: entityShapes(parseSubgraphSchema(readFileSync(manifest.schemaFile, "utf8"))),
    rpcUrl: `http://127.0.0.1:${port}`,
    sources: { Differences: { address: ADDRESS, startBlock: 0 } },
  });
});
after(async () => {
  await runtime?.close();
  await node?.terminate();
});
beforeEach(() => {
  requests = [];
});

const word = (n: number) => zeroPadValue(toBeHex(n), 32);
const TX = keccak256("0x01");

function blockAt(number: number): RawBlock {
  return {
    number: toBeHex(number),
    hash: word(0xb000 + number),
    parentHash: word(0xb000 + number - 1),
    sha3Uncles: word(0),
    miner: ADDRESS,
    stateRoot: word(0x5000 + number),
    transactionsRoot: word(0),
    receiptsRoot: word(0),
    gasUsed: "0x0",
    gasLimit: "0x1c9c380",
    timestamp: "0x6553f100",
    transactions: [
      {
        hash: TX,
        transactionIndex: "0x0",
        from: ADDRESS,
        to: ADDRESS,
        value: "0x0",
        gas: "0x5208",
        gasPrice: "0x1",
        input: "0x",
        nonce: "0x0",
      },
    ],
  };
}

/** Hit(mode) logs in the block, one per mode, at consecutive log indexes. */
function hitLogs(block: RawBlock, modes: number[]): RawLog[] {
  return modes.map((mode, index) => {
    const encoded = hit.encodeEventLog("Hit", [mode]);
    return {
      address: ADDRESS,
      topics: encoded.topics,
      data: encoded.data,
      blockNumber: block.number,
      blockHash: block.hash,
      transactionHash: TX,
      transactionIndex: "0x0",
      logIndex: toBeHex(index),
    };
  });
}

/** Requests answered by the node so far (its messages arrive on this thread's event loop). */
async function settledRequests(): Promise<{ method: string; params: unknown[] }[]> {
  await new Promise((resolve) => setTimeout(resolve, 50));
  return requests;
}

describe("ethereum.call within and across blocks", () => {
  test("two identical ethereum.calls in one block reach the node once", async () => {
    const block = blockAt(10);
    const changes = runtime.processBlock(block, hitLogs(block, [7, 7]), () => null);
    assert.deepEqual(changes.find((change) => change.id === "call")?.data, { id: "call", absent: false });
    const calls = (await settledRequests()).filter((request) => request.method === "eth_call");
    assert.equal(calls.length, 1);
    assert.deepEqual(calls[0]!.params[1], { blockHash: block.hash });
  });

  test("the same ethereum.call in two blocks reaches the node at each block", async () => {
    const [first, second] = [blockAt(10), blockAt(11)];
    runtime.processBlock(first, hitLogs(first, [7]), () => null);
    runtime.processBlock(second, hitLogs(second, [7]), () => null);
    const calls = (await settledRequests()).filter((request) => request.method === "eth_call");
    assert.deepEqual(
      calls.map((call) => call.params[1]),
      [{ blockHash: first.hash }, { blockHash: second.hash }],
    );
  });

  test("a block processed again asks the node again (answers are not kept past the block)", async () => {
    const block = blockAt(12);
    runtime.processBlock(block, hitLogs(block, [7]), () => null);
    runtime.processBlock(block, hitLogs(block, [7]), () => null);
    const calls = (await settledRequests()).filter((request) => request.method === "eth_call");
    assert.equal(calls.length, 2);
  });
});

test("a block's ethereum.Block object is built once for all its triggers", () => {
  const block = blockAt(20);
  let stateRootReads = 0;
  const counted = new Proxy(block, {
    get(target, property, receiver) {
      if (property === "stateRoot") stateRootReads++;
      return Reflect.get(target, property, receiver);
    },
  });
  // Three logs, each triggering both handlers: six triggers.
  const changes = runtime.processBlock(counted, hitLogs(block, [1, 1, 1]), () => null);
  assert.deepEqual(changes.map((change) => change.id).sort(), ["handleHit", "handleHitAgain"]);
  assert.equal(stateRootReads, 1);
});

test("strings from the module read as the strict UTF-16 decoder reads them, short or long", () => {
  const memory = new WebAssembly.Memory({ initial: 1 });
  const exports = { memory, __new: () => 0, id_of_type: () => 0 };
  const asc = new AscMemory(exports);
  const view = new DataView(memory.buffer);
  /** Writes the code units at 64 with their byte size in the header, as an AssemblyScript string. */
  const place = (units: number[]) => {
    view.setUint32(60, units.length * 2, true);
    units.forEach((unit, index) => view.setUint16(64 + index * 2, unit, true));
    return 64;
  };
  const units = (text: string) => Array.from(text, (char) => char.charCodeAt(0));
  for (const repeat of [1, 400]) {
    assert.equal(asc.readString(place(units("id-é€".repeat(repeat)))), "id-é€".repeat(repeat));
    // A surrogate pair is one character; NULs are dropped; a leading byte order mark is dropped.
    assert.equal(asc.readString(place([0xd83d, 0xde00, 0, 0x41])), "😀A");
    assert.equal(asc.readString(place([0xfeff, ...units("x".repeat(repeat))])), "x".repeat(repeat));
    assert.throws(() => asc.readString(place([0x41, 0xd800, ...units("y".repeat(repeat))])), HandlerError);
  }
});
