// The mapping runtime's manifest features, ethereum.call arguments and results, and error classes,
// checked without a chain against what graph-node v0.44.0 does by its source (the public
// repository graphprotocol/graph-node at tag v0.44.0; file:line in each case).
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, describe, test } from "node:test";
import { Interface, zeroPadValue } from "ethers";
import { callArguments, decodeCallResult, isRevertLike } from "../indexer/runtime/ethereum-call.ts";
import { handlerMatches, loadManifest, ManifestError } from "../indexer/runtime/manifest.ts";
import { parseSubgraphSchema } from "../indexer/schema/index.ts";
import { writeOneSourceManifest } from "./helpers/manifest-file.ts";

const dir = mkdtempSync(path.join(tmpdir(), "parity-runtime-"));
after(() => rmSync(dir, { recursive: true, force: true }));

const abi = [
  "event Tagged(address indexed who, uint256 indexed n, uint256 value)",
  "function echo4(bytes4 x) view returns (bytes4)",
  "function echo32(bytes32 x) view returns (bytes32)",
  "function pair(bytes2[] xs, (bytes3 a, uint8 b) t) view returns (uint256)",
  "function poke()",
];
writeFileSync(path.join(dir, "Parity.json"), JSON.stringify(new Interface(abi).formatJson()));

let manifests = 0;
function manifest(
  edit: (source: Record<string, unknown>, handler: Record<string, unknown>) => void,
  top: Record<string, unknown> = {},
) {
  return writeOneSourceManifest(path.join(dir, `subgraph-${++manifests}.yaml`), {
    contract: "Parity",
    startBlock: 5,
    handler: { event: "Tagged(indexed address,indexed uint256,uint256)", handler: "handleTagged" },
    edit,
    top,
  });
}

const word = (hex: string) => zeroPadValue(hex, 32);
const A = "0x00000000000000000000000000000000000000a1";
const B = "0x00000000000000000000000000000000000000b2";

describe("manifest features graph-node honours", () => {
  test('context: typed values as graph-node\'s Value serde (graph/src/data/store/mod.rs:206-221, `#[serde(tag = "type", content = "data")]`; chain/ethereum/src/data_source.rs:1199)', () => {
    const file = manifest((source) => {
      source.context = {
        tag: { type: "String", data: "hello" },
        n: { type: "Int", data: 7 },
        big: { type: "BigInt", data: "123456789012345678901234567890" },
        flag: { type: "Bool", data: true },
        raw: { type: "Bytes", data: "0xabcd" },
        nothing: { type: "Null" },
        many: { type: "List", data: [{ type: "String", data: "x" }] },
      };
    });
    const [source] = loadManifest(file).dataSources;
    // Sorted by key, as the host hands it over (runtime/wasm/src/module/context.rs:1094-1106).
    assert.deepEqual(
      source!.context.map(([key]) => key),
      ["big", "flag", "many", "n", "nothing", "raw", "tag"],
    );
    assert.deepEqual(Object.fromEntries(source!.context), {
      big: { type: "BigInt", data: 123456789012345678901234567890n },
      flag: { type: "Bool", data: true },
      many: { type: "List", data: [{ type: "String", data: "x" }] },
      n: { type: "Int", data: 7 },
      nothing: { type: "Null" },
      raw: { type: "Bytes", data: "0xabcd" },
      tag: { type: "String", data: "hello" },
    });
    assert.deepEqual(loadManifest(manifest(() => {})).dataSources[0]!.context, []);
  });

  test("a context value of an unknown type or with wrong data is refused at load, naming the key", () => {
    const bad = manifest((source) => {
      source.context = { n: { type: "Integer", data: 1 } };
    });
    assert.throws(
      () => loadManifest(bad),
      (error: Error) => {
        assert.ok(error instanceof ManifestError);
        assert.match(error.message, /context\.n: type Integer/);
        return true;
      },
    );
    const wrong = manifest((source) => {
      source.context = { big: { type: "BigInt", data: "12x" } };
    });
    assert.throws(() => loadManifest(wrong), /context\.big/);
  });

  test("topic1..topic3 filter a handler: values left-padded to 32 bytes, one of the list per position, every listed position (chain/ethereum/src/data_source.rs:1532-1556 and 1564-1582)", () => {
    const file = manifest((_, handler) => {
      handler.topic1 = [A.slice(2), B];
      handler.topic2 = ["0x07"];
    });
    const [handler] = loadManifest(file).dataSources[0]!.eventHandlers;
    const topic0 = handler!.topic0;
    assert.deepEqual(handler!.topicFilters, [[word(A), word(B)], [word("0x07")], undefined]);
    assert.equal(handlerMatches(handler!, [topic0, word(A), word("0x07")]), true);
    assert.equal(handlerMatches(handler!, [topic0, word(B), word("0x07")]), true);
    assert.equal(handlerMatches(handler!, [topic0, word(A), word("0x08")]), false);
    assert.equal(handlerMatches(handler!, [topic0, word("0xcc"), word("0x07")]), false);
    // A listed position the log lacks never matches (`log.topics().get(index).is_some_and(..)`).
    assert.equal(handlerMatches(handler!, [topic0, word(A)]), false);
    assert.equal(handlerMatches(handler!, []), false);
  });

  test("an explicit topic0 replaces the signature's hash (chain/ethereum/src/data_source.rs:1559-1562)", () => {
    const other = word("0x1234");
    const [handler] = loadManifest(
      manifest((_, handler) => {
        handler.topic0 = other;
      }),
    ).dataSources[0]!.eventHandlers;
    assert.equal(handler!.topic0, other);
    assert.equal(handler!.fragment.name, "Tagged");
  });

  test("a topic longer than 32 bytes or not hex is refused at load, naming the handler", () => {
    const file = manifest((_, handler) => {
      handler.topic3 = [`0x${"11".repeat(33)}`];
    });
    assert.throws(() => loadManifest(file), /Tagged.*topic3/);
  });

  test("endBlock is read from source.endBlock (graph/src/data/subgraph/mod.rs:1246-1254)", () => {
    const file = manifest((source) => {
      (source.source as Record<string, unknown>).endBlock = 9;
    });
    assert.equal(loadManifest(file).dataSources[0]!.endBlock, 9);
    assert.equal(loadManifest(manifest(() => {})).dataSources[0]!.endBlock, undefined);
  });

  test("templates, block and call handlers are refused by name with a pointer to docs/graph-node.md", () => {
    const templates = manifest(() => {}, { templates: [{ name: "Child" }] });
    assert.throws(() => loadManifest(templates), /templates .*not supported.*docs\/graph-node\.md/);
    const blocks = manifest((source) => {
      (source.mapping as Record<string, unknown>).blockHandlers = [{ handler: "handleBlock" }];
    });
    assert.throws(() => loadManifest(blocks), /block handlers .*not supported.*docs\/graph-node\.md/);
    const calls = manifest((source) => {
      (source.mapping as Record<string, unknown>).callHandlers = [{ function: "f()", handler: "h" }];
    });
    assert.throws(() => loadManifest(calls), /call handlers .*not supported.*docs\/graph-node\.md/);
  });
});

test("Int8 ids are refused by name, with a pointer to graph-node, which supports them from specVersion 1.1.0 (graph/src/schema/input/mod.rs:2123-2140)", () => {
  assert.throws(
    () => parseSubgraphSchema("type Counter @entity(immutable: true) { id: Int8! n: Int! }"),
    /Counter: Int8 ids are not supported.*docs\/graph-node\.md/,
  );
});

describe("ethereum.call arguments and results", () => {
  const parity = new Interface(abi);

  test("bytesN arguments shorter than N are right-padded with zeros (graph/src/abi/value_ext.rs:27-43 and 65-88, graph/src/abi/function_ext.rs:147-164)", () => {
    const echo32 = parity.getFunction("echo32")!;
    assert.deepEqual(callArguments(echo32, ["0x1234"]), [`0x1234${"00".repeat(30)}`]);
    const echo4 = parity.getFunction("echo4")!;
    assert.deepEqual(callArguments(echo4, ["0x12345678"]), ["0x12345678"]);
    const pair = parity.getFunction("pair")!;
    assert.deepEqual(
      callArguments(pair, [
        ["0x01", "0x0203"],
        ["0x04", 5n],
      ]),
      [
        ["0x0100", "0x0203"],
        ["0x040000", 5n],
      ],
    );
    // Longer than N (but at most 32) fails graph-node's type check: a TypeError, retried
    // (chain/ethereum/src/ethereum_adapter.rs:1508-1516); ethers refuses it the same way.
    assert.throws(() => parity.encodeFunctionData(echo4, callArguments(echo4, ["0x1234567890"])));
  });

  test("an empty 0x result or one that does not decode is a revert: null (chain/ethereum/src/ethereum_adapter.rs:1550-1566)", () => {
    const echo32 = parity.getFunction("echo32")!;
    assert.equal(decodeCallResult(parity, echo32, "0x"), null);
    assert.equal(decodeCallResult(parity, echo32, "0x1234"), null);
    assert.deepEqual([...decodeCallResult(parity, echo32, word("0x01"))!], [word("0x01")]);
    // A function without outputs and a 0x answer gives an empty list, not null.
    assert.deepEqual([...decodeCallResult(parity, parity.getFunction("poke")!, "0x")!], []);
  });

  test("revert-like node errors: graph-node's substrings and Parity's -32015 data (chain/ethereum/src/call_helper.rs:43-61 and 110-129)", () => {
    for (const message of [
      "execution reverted: no",
      "EVM error InvalidFEOpcode",
      "invalid opcode: INVALID",
      "out of gas",
      "EVM error OutOfGas",
      "VM execution error.",
      "stack limit reached 1024 (1023)",
      "stack underflow (0 <=> 1)",
      "invalid jump destination",
      "EVM error InvalidJump",
      "EVM error NotActivated",
    ]) {
      assert.equal(isRevertLike({ code: -32000, message }), message !== "EVM error OutOfGas", message);
    }
    assert.equal(isRevertLike({ code: -32015, message: "VM error", data: "Bad instruction fe" }), true);
    assert.equal(isRevertLike({ code: -32015, message: "VM error", data: "Reverted 0x08c3" }), true);
    assert.equal(isRevertLike({ code: -32015, message: "x", data: "Bad jump 12" }), true);
    assert.equal(isRevertLike({ code: -32015, message: "x", data: "Something else" }), false);
    assert.equal(isRevertLike({ code: -32000, message: "header not found" }), false);
    // GRAPH_GETH_ETH_CALL_ERRORS adds ;-separated substrings (chain/ethereum/src/env.rs:161).
    assert.equal(isRevertLike({ code: -32000, message: "Custom Failure" }, ["custom failure"]), true);
  });
});
