// Store semantics of graph-node v0.44.0, case by case, on a fixture subgraph of our own
// (tests/fixtures/parity-store-subgraph): each Step(mode, text) event drives one case of its
// mapping. Each test cites the graph-node source (at tag v0.44.0) that gives the expected answer.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { ContractTransactionResponse } from "ethers";
import { mined } from "../chain/receipts.ts";
import { buildFixtureSubgraph, startFixture, type RunningFixture } from "./helpers/fixture-subgraph.ts";

type Row = Record<string, unknown>;

describe("store semantics as graph-node's", { timeout: 180_000 }, () => {
  let fixture: RunningFixture;

  /** Sends a transaction and returns the block it was mined in. */
  async function minedBlock(sent: Promise<ContractTransactionResponse>): Promise<number> {
    return (await mined(sent)).blockNumber;
  }
  const step = (mode: number, text: string) => minedBlock(fixture.contract.getFunction("step")(mode, text));
  const steps = (modes: number[], text: string) =>
    minedBlock(fixture.contract.getFunction("steps")(modes, text));

  async function data(query: string): Promise<Row> {
    const body = await fixture.query(query);
    assert.equal(body.errors, undefined, JSON.stringify(body.errors));
    return body.data as Row;
  }

  before(async () => {
    const built = await buildFixtureSubgraph({
      fixture: "parity-store-subgraph",
      contract: "ParityStore",
      eventHandlers: [{ event: "Step(uint8,string)", handler: "handleStep" }],
      entities: ["Acc", "Seen", "Log", "Text", "Dec"],
    });
    fixture = await startFixture(built);
  });
  after(async () => {
    await fixture?.stop();
  });

  test("a partial store.set merges into the stored entity", async () => {
    // host_exports.rs:311-341 builds the entity from the fields set only; entity_cache.rs:385 records
    // EntityOp::Update; entity_cache.rs:499-517 (as_modifications) merges it into the stored entity
    // with merge_remove_null_fields (data/store/mod.rs:1027-1049): absent fields keep their value.
    // The partial entity lacks the non-null `c`, so entity_cache.rs:390-399 validates the merged one.
    await step(1, "x");
    await step(2, "x");
    assert.deepEqual(await data(`{ acc(id: "x") { a b c } }`), { acc: { a: 10, b: 2, c: 3 } });
  });

  test("a field set to null is removed, the others kept", async () => {
    // data/store/mod.rs:1035-1039: a Value::Null in the update removes the key (graph-ts unset()).
    await step(3, "x");
    assert.deepEqual(await data(`{ acc(id: "x") { a b c } }`), { acc: { a: 10, b: null, c: 3 } });
  });

  test("store.get sees the merged entity, store.get_in_block only this block's fields", async () => {
    // entity_cache.rs:235-279: GetScope::Store reads the store, then applies the block's and the
    // handler's updates (apply_to, :88-101, merging); GetScope::InBlock starts from None (:252), so
    // Update(new) on None gives just the fields set in this block (:95).
    await step(1, "z");
    await step(4, "z");
    assert.deepEqual(
      await data(`{ seen(id: "z") { a b c inBlockA inBlockHasB inBlockHasC } acc(id: "z") { a b c } }`),
      {
        seen: { a: 20, b: 2, c: 3, inBlockA: 20, inBlockHasB: false, inBlockHasC: false },
        acc: { a: 20, b: 2, c: 3 },
      },
    );
  });

  test("two partial saves in one block accumulate", async () => {
    // entity_cache.rs:104-121 (accumulate): Update onto Update merges (:119), so a later handler's
    // partial save in the same block adds to the earlier one.
    await steps([5, 6], "y");
    assert.deepEqual(await data(`{ acc(id: "y") { a b c } }`), { acc: { a: 1, b: 2, c: 1 } });
  });

  test("a save that changes nothing writes no new version", async () => {
    // entity_cache.rs:499-517: merge_remove_null_fields reports `changed`; when false the
    // modification is None, so no version starts at that block (visible through _change_block).
    const unchanged = await step(7, "x");
    const since = `{ accs(where: { id: "x", _change_block: { number_gte: ${unchanged} } }) { id } }`;
    assert.deepEqual(await data(since), { accs: [] });
    await step(2, "x"); // a = 10 again: also unchanged
    assert.deepEqual(await data(since), { accs: [] });
    await step(1, "x"); // b = 2 again: a change
    assert.deepEqual(await data(since), { accs: [{ id: "x" }] });
  });

  test("an immutable entity saved twice in one block is one merged insert", async () => {
    // entity_cache.rs:462-476: immutable entities are never looked up and become one Insert of the
    // accumulated updates (:119 merges them), so both saves' fields are kept.
    await steps([8, 9], "k");
    assert.deepEqual(await data(`{ log(id: "k") { v w } }`), { log: { v: 1, w: 2 } });
  });

  test("NULs are stripped from strings the mapping hands to the host", async () => {
    // to_from/mod.rs:109-124: every AscString read by the host loses all its '\u{0000}'s, ids and
    // String values alike; strings from the chain reach the mapping with them (external.rs:190), so
    // the length computed in the mapping is 4. bytesToString trims trailing NULs only
    // (host_exports.rs:1273-1290), the interior one goes when stored.
    await step(10, "a\u0000b\u0000");
    assert.deepEqual(await data(`{ texts { id s len trimmed } }`), {
      texts: [{ id: "ab", s: "ab", len: 4, trimmed: "ab" }],
    });
  });

  test("BigDecimal keeps 34 digits the way graph-node's bigdecimal 0.1.2 rounds", async () => {
    // scalar/bigdecimal.rs:31-34, 90-106: every BigDecimal is normalized with with_prec(34) of
    // bigdecimal =0.1.2 (graph/Cargo.toml:16). with_prec (bigdecimal lib.rs:218-244) divides by
    // 10^diff with truncation and adds get_rounding_term (lib.rs:110-134, 1 iff the first dropped
    // digit is >= 5) only when `p < 10 * r`, which a negative remainder never is: positive values
    // round half up, negative ones are truncated. count_decimal_digits (lib.rs:88-100) guesses
    // bits/3.3219 and corrects upward only for `int >= 10^digits`, never true when negative, so a
    // negative value may keep 35 digits. Division (lib.rs:1229-1306) works on magnitudes to 100
    // digits, rounded half up, and is then normalized.
    const values = [
      "1.0000000000000000000000000000000005",
      "-1.0000000000000000000000000000000009",
      "-1.00000000000000000000000000000000009",
      "2",
      "-2",
    ];
    for (const value of values) await step(11, value);
    const { decs } = await data(`{ decs(orderBy: v) { id v third } }`);
    assert.deepEqual(decs, [
      { id: "-2", v: "-2", third: "-0.66666666666666666666666666666666666" },
      {
        id: "-1.0000000000000000000000000000000009",
        v: "-1.0000000000000000000000000000000009",
        third: "-0.33333333333333333333333333333333363",
      },
      {
        id: "-1.00000000000000000000000000000000009",
        v: "-1",
        third: "-0.33333333333333333333333333333333333",
      },
      {
        id: "1.0000000000000000000000000000000005",
        v: "1.000000000000000000000000000000001",
        third: "0.3333333333333333333333333333333337",
      },
      { id: "2", v: "2", third: "0.6666666666666666666666666666666667" },
    ]);
  });

  test("an immutable entity saved again in a later block fails the subgraph", async () => {
    // write.rs:473-500: a second Insert of an immutable entity in a later block is
    // StoreError::Input ("entity … is immutable; inserting it at block N is not possible as it was
    // already inserted at block M"), or the table's unique constraint; both deterministic
    // (err.rs:182-196). Kept last: the subgraph stays failed.
    const failed = await step(9, "k");
    const { _meta } = (
      await fixture.query(
        `{ _meta { block { number } hasIndexingErrors indexingError { message block { number } } } }`,
      )
    ).data as { _meta: Row };
    assert.equal(_meta.hasIndexingErrors, true);
    assert.deepEqual((_meta.indexingError as Row).block, { number: failed });
    assert.match(
      String((_meta.indexingError as Row).message),
      /Log\[k\] is immutable; inserting it at block \d+/,
    );
  });
});
