// Where the mapping runtime still differs from graph-node v0.44.0, pinned so docs/graph-node.md can
// name a test for each: these assert OUR behaviour, and each comment cites the graph-node source
// (public repository graphprotocol/graph-node, tag v0.44.0) and what it does instead. The fixture
// (tests/fixtures/parity-differences-subgraph) runs through SubgraphRuntime.processBlock on blocks
// built here, so no chain is needed.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { HandlerFailure, type SubgraphRuntime } from "../indexer/runtime/subgraph-runtime.ts";
import type { EntityData } from "../indexer/store/types.ts";
import {
  fixtureBlock,
  hitLogs,
  startDifferencesRuntime,
  word,
  type DifferencesRuntime,
} from "./helpers/differences-runtime.ts";

let fixture: DifferencesRuntime;
let runtime: SubgraphRuntime;

before(async () => {
  fixture = await startDifferencesRuntime();
  runtime = fixture.runtime;
});
after(() => fixture?.stop());

/** Runs the handlers of one Hit(mode) log in block 10, against `stored` as the previous state. */
function runMode(mode: number, stored: Record<string, EntityData> = {}) {
  const block = fixtureBlock(10);
  return runtime.processBlock(block, hitLogs(block, [mode]), (_entity, id) => stored[id] ?? null);
}

describe("mapping runtime differences from graph-node", () => {
  test("several handlers for one event in one data source all run", () => {
    // graph-node: matching the log is an error, "Multiple handlers defined for event `…`, only one
    // is supported" (chain/ethereum/src/data_source.rs:779-785, `ensure!`).
    const changes = runMode(1);
    assert.deepEqual(changes.map((change) => change.id).sort(), ["handleHit", "handleHitAgain"]);
  });

  test("a log whose transaction hash is the block hash or zero is retried, no dummy transaction", () => {
    // graph-node: chain/ethereum/src/data_source.rs:793-802 passes the mapping a dummy transaction
    // (create_dummy_transaction, :441) for such logs (Celo epoch rewards, zkSync-era).
    const block = fixtureBlock(10);
    for (const hash of [block.hash, word(0)]) {
      assert.throws(
        () => runtime.processBlock(block, hitLogs(block, [1], hash), () => null),
        (error: Error) =>
          !(error instanceof HandlerFailure) &&
          /transaction 0x[0-9a-f]{64} is not in the block/.test(error.message),
      );
    }
  });

  test("ethereum.encode answers null for a value ethers cannot encode (an empty FixedBytes)", () => {
    // graph-node: runtime/wasm/src/host_exports.rs:1202-1218 encodes any value it could read
    // (alloy's abi_encode does not fail; an empty FixedBytes is one zero word) and only a gas
    // failure makes runtime/wasm/src/module/context.rs:1155-1160 answer null.
    const changes = runMode(2);
    assert.deepEqual(changes.find((change) => change.id === "encode")?.data, { id: "encode", absent: true });
  });

  test("log.critical fails the subgraph with `critical: <message>`", () => {
    // graph-node: runtime/wasm/src/host_exports.rs:1092-1097, also deterministic, words it
    // "Critical error logged in mapping with log message: <message>".
    assert.throws(
      () => runMode(3),
      (error: Error) =>
        error instanceof HandlerFailure &&
        error.message.endsWith("critical: stop at 10") &&
        !error.message.includes("Critical error logged in mapping"),
    );
  });

  test("store.set of an entity type not in the schema fails the subgraph", () => {
    // graph-node: runtime/wasm/src/host_exports.rs:236 (`schema.entity_type(&entity_type)?`) is an
    // anyhow error, HostExportError::Unknown (graph/src/runtime/mod.rs:388-390): the block is retried.
    assert.throws(
      () => runMode(4),
      (error: Error) =>
        error instanceof HandlerFailure && /entity type Nope is not in the schema/.test(error.message),
    );
  });

  test("store.get leaves out a field the block saved as an explicit null", () => {
    // graph-node: a new entity's Update is kept as given, Value::Null included
    // (graph/src/components/store/entity_cache.rs:95, `(Update(new), None) => Ok(Some(new))`), so
    // store.get hands the mapping a Value of kind NULL for `a`; here `get("a")` is null.
    const changes = runMode(5);
    assert.deepEqual(changes.find((change) => change.id === "get")?.data, { id: "get", absent: true });
    assert.deepEqual(changes.find((change) => change.id === "n")?.data, { id: "n", b: 1 });
  });

  test("an explicit null for a non-null field of a stored entity fails at store.set and is retried", () => {
    // graph-node: Entity::validate (graph/src/data/store/mod.rs:1087-1110) takes Value::Null as
    // assignable to any field (is_assignable, :492-508), so the partial update passes
    // EntityCache::set (graph/src/components/store/entity_cache.rs:358 and 390-399) and the
    // subgraph fails later, when PostgreSQL refuses the NULL in a NOT NULL column.
    const stored = { m: { id: "m", a: 1, b: 2 } };
    assert.throws(
      () => runMode(6, stored),
      (error: Error) =>
        !(error instanceof HandlerFailure) &&
        error.message === 'entity Item[m]: missing value for non-nullable field "b"',
    );
  });

  test("eth_call always sends gas 50,000,000: there is no list of chains to send none", async () => {
    // graph-node: eth_call_gas (chain/ethereum/src/runtime/runtime_adapter.rs:67-78) sends no gas
    // for the chains in GRAPH_ETH_CALL_NO_GAS (chain/ethereum/src/env.rs:198-199, default
    // "421613,421614": Arbitrum Goerli and Sepolia); this runtime is not told the chain at all.
    const changes = runMode(7);
    assert.deepEqual(changes.find((change) => change.id === "call")?.data, { id: "call", absent: false });
    const call = await fixture.firstRequest("eth_call");
    assert.equal((call.params[0] as { gas?: string }).gas, "0x2faf080");
  });
});
