// The mapping runtime on a subgraph of our own (tests/fixtures/parity-runtime-subgraph, its
// contract compiled by solc from npm, built by the real `graph build`), against what graph-node
// v0.44.0 does by its source (public repository graphprotocol/graph-node at tag v0.44.0;
// file:line in each case): manifest context, topic filters and endBlock; indexed string/bytes
// params; ethereum.call arguments, nulls and gas; which failures fail the subgraph.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { getBytes, keccak256, toUtf8Bytes, type ContractTransactionResponse } from "ethers";
import { mined } from "../chain/receipts.ts";
import {
  buildRuntimeFixture,
  startRuntimeFixture,
  type RuntimeFixture,
} from "./helpers/parity-runtime-fixture.ts";

type Row = Record<string, unknown>;

const A = "0x00000000000000000000000000000000000000a1";
const B = "0x00000000000000000000000000000000000000b2";

/** The context every variant carries (handleTagged reads it). */
const CONTEXT = {
  tag: { type: "String", data: "hello" },
  n: { type: "Int", data: 7 },
  big: { type: "BigInt", data: "123456789012345678901234567890" },
  flag: { type: "Bool", data: true },
};

function withContext(dataSource: Row): void {
  dataSource.context = CONTEXT;
}

function taggedHandler(dataSource: Row): Row {
  const handlers = (dataSource.mapping as Row).eventHandlers as Row[];
  return handlers.find((handler) => String(handler.event).startsWith("Tagged"))!;
}

describe("mapping runtime parity with graph-node", { timeout: 240_000 }, () => {
  let fixture: RuntimeFixture;

  async function minedBlock(sent: Promise<ContractTransactionResponse>): Promise<number> {
    return (await mined(sent)).blockNumber;
  }
  const tag = (who: string, n: number, value: number) => minedBlock(fixture.contract.tag!(who, n, value));
  const probe = (mode: number) => minedBlock(fixture.contract.probe!(mode));
  const data = (answer: Row) => {
    assert.equal(answer.errors, undefined, JSON.stringify(answer.errors));
    return answer.data as Row;
  };

  before(async () => {
    fixture = await startRuntimeFixture(await buildRuntimeFixture());
  });
  after(async () => {
    await fixture?.stop();
  });

  let tagBlocks: number[] = [];

  test("dataSource.context() is the manifest's context, keys sorted (chain/ethereum/src/data_source.rs:1199, runtime/wasm/src/module/context.rs:1094-1106); topic1..topic3 filter handlers (chain/ethereum/src/data_source.rs:1564-1582)", async () => {
    tagBlocks = [await tag(A, 1, 10), await tag(B, 1, 20), await tag(A, 3, 30), await tag(A, 2, 40)];
    const all = await fixture.host("all", withContext);
    const filtered = await fixture.host("filtered", (dataSource) => {
      withContext(dataSource);
      // An address given as 20 bytes is left-padded to a topic (data_source.rs:1532-1556).
      Object.assign(taggedHandler(dataSource), { topic1: [A], topic2: ["0x01", "0x02"] });
    });
    const fourth = await fixture.host("fourth-topic", (dataSource) => {
      withContext(dataSource);
      // Tagged has two indexed params: a log has no topic3, so the handler never matches.
      Object.assign(taggedHandler(dataSource), { topic3: ["0x01"] });
    });

    const tags = `{ tags(orderBy: value) { who n value ctxTag ctxN ctxBig ctxFlag ctxKeys } }`;
    const everything = data(await all.query(tags)).tags as Row[];
    assert.deepEqual(
      everything.map((row) => [row.who, row.n]),
      [
        [A, "1"],
        [B, "1"],
        [A, "3"],
        [A, "2"],
      ],
    );
    assert.deepEqual(everything[0], {
      who: A,
      n: "1",
      value: "10",
      ctxTag: "hello",
      ctxN: 7,
      ctxBig: "123456789012345678901234567890",
      ctxFlag: true,
      ctxKeys: ["big", "flag", "n", "tag"],
    });
    assert.deepEqual(
      (data(await filtered.query(`{ tags(orderBy: value) { who n } }`)).tags as Row[]).map((row) => [
        row.who,
        row.n,
      ]),
      [
        [A, "1"],
        [A, "2"],
      ],
    );
    assert.deepEqual(data(await fourth.query(`{ tags { id } }`)).tags, []);
  });

  test("endBlock is inclusive and indexing stops there once every data source has ended (graph/src/blockchain/mod.rs:354-356, core/src/subgraph/runner/mod.rs:1340-1350)", async () => {
    const endBlock = tagBlocks[1]!;
    const ended = await fixture.host("ended", (dataSource) => {
      withContext(dataSource);
      (dataSource.source as Row).endBlock = endBlock;
    });
    await tag(A, 9, 50);
    const answer = data(await ended.query(`{ tags(orderBy: value) { value } _meta { block { number } } }`));
    assert.deepEqual(answer.tags, [{ value: "10" }, { value: "20" }]);
    assert.deepEqual(answer._meta, { block: { number: endBlock } });
  });

  test("indexed string and bytes params are their topic (FixedBytes), and a string that is not UTF-8 is decoded lossily (graph/src/abi/event_ext.rs:14-45; alloy-sol-types data_type.rs String::detokenize uses from_utf8_lossy)", async () => {
    const from = await minedBlock(fixture.contract.name!("hello", "0x0102", "0x68ff69"));
    const named = await fixture.host("named", withContext, from);
    const rows = data(await named.query(`{ names { nameKind name blobKind blob plain } }`)).names as Row[];
    // graph-ts ethereum.ValueKind.FIXED_BYTES is 1.
    assert.deepEqual(rows, [
      {
        nameKind: 1,
        name: keccak256(toUtf8Bytes("hello")),
        blobKind: 1,
        blob: keccak256("0x0102"),
        plain: "h\uFFFDi",
      },
    ]);
  });

  test("a log that does not decode as the handler's event is skipped, not a failure (chain/ethereum/src/data_source.rs:745-774)", async () => {
    const bad = await minedBlock(fixture.contract.badProbe!());
    const skipping = await fixture.host("undecodable", withContext, bad);
    const answer = data(
      await skipping.query(`{ _meta { block { number } hasIndexingErrors } calls { id } }`),
    );
    assert.deepEqual(answer, { _meta: { block: { number: bad }, hasIndexingErrors: false }, calls: [] });
  });

  test("ethereum.call: bytesN right-padded, 0x and revert-like errors null, gas 50M (runtime_adapter.rs:43, value_ext.rs:27-43, ethereum_adapter.rs:1550-1566, call_helper.rs:43-61)", async () => {
    const from = await probe(1);
    const calls = await fixture.host("calls", withContext, from);
    const rows = data(await calls.query(`{ calls { id reverted value } }`)).calls as Row[];
    // The call carries graph-node's gas, 50M (runtime_adapter.rs:43): gasleft() is just below it.
    const gas = rows.find((row) => row.id === "gas")!;
    const left = BigInt(
      `0x${Buffer.from(getBytes(String(gas.value)))
        .reverse()
        .toString("hex")}`,
    );
    assert.ok(left > 49_900_000n && left < 50_000_000n, `gasleft() ${left}`);
    assert.deepEqual(
      rows.filter((row) => row.id !== "gas"),
      [
        { id: "boom", reverted: true, value: null },
        { id: "echo32", reverted: false, value: `0x1234${"00".repeat(30)}` },
        { id: "empty", reverted: true, value: null },
        { id: "rev", reverted: true, value: null },
        // Bytes.fromBigInt is little-endian: 12345 = 0x3039.
        { id: "revOk", reverted: false, value: "0x3930" },
      ],
    );
  });

  test("a fixed bytes argument over 32 bytes, a negative uint and an address not of 20 bytes fail the subgraph deterministically (graph/src/abi/value_ext.rs:30-33, runtime/wasm/src/to_from/external.rs:213-245)", async () => {
    const expected: Record<number, RegExp> = {
      2: /fixed bytes hold at most 32 bytes, not 33/,
      3: /-1 is not a uint256/,
      6: /an Address has 20 bytes, not 2/,
    };
    for (const mode of [2, 3, 6]) {
      const block = await probe(mode);
      const failing = await fixture.host(`deterministic-${mode}`, withContext, block);
      const meta = data(
        await failing.query(`{ _meta { block { number } hasIndexingErrors indexingError { message } } }`),
      )._meta as Row;
      assert.equal(meta.hasIndexingErrors, true, `mode ${mode}`);
      assert.deepEqual(meta.block, { number: block });
      assert.match(String((meta.indexingError as Row).message), expected[mode]!);
    }
  });

  test("retried, not failed, and shown as retrying: a uint8 argument of 300 (graph-node's TypeError, chain/ethereum/src/ethereum_adapter.rs:1508-1516 → runtime_adapter.rs:370-375 HostExportError::Unknown) and a call out of gas on anvil, whose `EVM error OutOfGas` is none of graph-node's revert substrings (call_helper.rs:43-61 → runtime_adapter.rs:354-362 PossibleReorg)", async () => {
    const cases = [
      { mode: 4, message: /value out-of-bounds/ },
      { mode: 5, message: /EVM error OutOfGas/ },
    ];
    for (const { mode, message } of cases) {
      const start = await probe(0);
      const name = `retried-${mode}`;
      const retried = await fixture.host(name, withContext, start);
      await retried.host.syncAll();
      await probe(mode);
      await assert.rejects(retried.host.syncAll(), message);
      const fault = retried.host.subgraphs.get(name)!.indexer.retrying();
      assert.match(fault?.message ?? "", message);
      assert.ok(fault!.attempts >= 1);
      const response = await fetch(retried.host.httpUrl(name), {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ query: `{ _meta { block { number } hasIndexingErrors } calls { id } }` }),
      });
      assert.deepEqual(await response.json(), {
        data: { _meta: { block: { number: start }, hasIndexingErrors: false }, calls: [] },
      });
    }
  });
});
