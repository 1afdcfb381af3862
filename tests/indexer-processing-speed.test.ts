// What makes processing from fetched logs fast, checked as behaviour: an eth_call repeated within
// a block reaches the node once (graph-node caches calls by block too), one at another block goes
// to the node again, and a block's ethereum.Block object is built once for all its triggers. The
// fixture (tests/fixtures/parity-differences-subgraph) runs through SubgraphRuntime.processBlock
// on blocks built here, against a JSON-RPC node on a worker thread that counts its requests.
import assert from "node:assert/strict";
import { after, before, beforeEach, describe, test } from "node:test";
import { AscMemory } from "../indexer/runtime/asc-memory.ts";
import { HandlerError } from "../indexer/runtime/handler-error.ts";
import type { SubgraphRuntime } from "../indexer/runtime/subgraph-runtime.ts";
import {
  fixtureBlock,
  hitLogs,
  startDifferencesRuntime,
  type DifferencesRuntime,
  type RpcRequest,
} from "./helpers/differences-runtime.ts";

let fixture: DifferencesRuntime;
let runtime: SubgraphRuntime;

before(async () => {
  // The same build as tests/indexer-graph-node-differences-runtime.test.ts (cached by its inputs).
  fixture = await startDifferencesRuntime();
  runtime = fixture.runtime;
});
after(() => fixture?.stop());
beforeEach(() => {
  fixture.requests.length = 0;
});

/** Requests answered by the node so far (its messages arrive on this thread's event loop). */
async function settledRequests(): Promise<RpcRequest[]> {
  await new Promise((resolve) => setTimeout(resolve, 50));
  return fixture.requests;
}

describe("ethereum.call within and across blocks", () => {
  test("two identical ethereum.calls in one block reach the node once", async () => {
    const block = fixtureBlock(10);
    const changes = runtime.processBlock(block, hitLogs(block, [7, 7]), () => null);
    assert.deepEqual(changes.find((change) => change.id === "call")?.data, { id: "call", absent: false });
    const calls = (await settledRequests()).filter((request) => request.method === "eth_call");
    assert.equal(calls.length, 1);
    assert.deepEqual(calls[0]!.params[1], { blockHash: block.hash });
  });

  test("the same ethereum.call in two blocks reaches the node at each block", async () => {
    const [first, second] = [fixtureBlock(10), fixtureBlock(11)];
    runtime.processBlock(first, hitLogs(first, [7]), () => null);
    runtime.processBlock(second, hitLogs(second, [7]), () => null);
    const calls = (await settledRequests()).filter((request) => request.method === "eth_call");
    assert.deepEqual(
      calls.map((call) => call.params[1]),
      [{ blockHash: first.hash }, { blockHash: second.hash }],
    );
  });

  test("a block processed again asks the node again (answers are not kept past the block)", async () => {
    const block = fixtureBlock(12);
    runtime.processBlock(block, hitLogs(block, [7]), () => null);
    runtime.processBlock(block, hitLogs(block, [7]), () => null);
    const calls = (await settledRequests()).filter((request) => request.method === "eth_call");
    assert.equal(calls.length, 2);
  });
});

test("a block's ethereum.Block object is built once for all its triggers", () => {
  const block = fixtureBlock(20);
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

test("a block handled in turns pauses between groups of triggers, with the same changes", async () => {
  const block = fixtureBlock(21);
  // Three logs, each triggering both handlers: six triggers, in turns of two.
  const logs = hitLogs(block, [1, 1, 1]);
  const order: string[] = [];
  const loadStored = (entity: string, id: string) => {
    order.push(`load ${id}`);
    return null;
  };
  const changes = await runtime.processBlockInTurns(block, logs, loadStored, 2, async () => {
    order.push("pause");
  });
  assert.equal(order.filter((step) => step === "pause").length, 2);
  assert.notEqual(order[0], "pause", "no pause before the first trigger");
  assert.deepEqual(
    changes,
    runtime.processBlock(block, logs, () => null),
  );
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
