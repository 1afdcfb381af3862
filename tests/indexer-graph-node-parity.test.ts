// Where the embedded host must answer a query as graph-node v0.44.0 (the image docker-compose.yml
// pins) answers it. Each case names the graph-node source it follows, at tag v0.44.0 of the public
// repository graphprotocol/graph-node, with the answer that source gives.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { executeQuery } from "../indexer/graphql/index.ts";
import { openSqliteStore } from "../indexer/store/index.ts";
import { account, block, fixtureSchema, temporaryDirectory, token } from "./fixtures/indexer-fixture.ts";

const schema = fixtureSchema();
const tmp = temporaryDirectory();
const store = openSqliteStore({ file: tmp.file("parity.sqlite"), schema, deployment: "QmParity" });
after(() => tmp.cleanup());

before(() => {
  store.applyBlock(block(1), [
    account("0xaa", "Zed"),
    account("0xbb", "Amy"),
    token("t1", { symbol: "ONE", tags: ["a"], owner: "0xaa", status: "Open" }),
    token("t2", { symbol: "TWO", tags: ["a", "b"], owner: "0xbb", status: "Closed" }),
    token("t3", { symbol: "THREE", tags: ["c"], owner: null, status: "Open" }),
    token("t4", { symbol: "FOUR", tags: [], owner: "0xaa", status: "Closed" }),
  ]);
});

type Json = Record<string, unknown>;

function ids(text: string): string[] {
  const result = executeQuery(store, schema, text);
  assert.equal(result.errors, undefined, `unexpected errors: ${JSON.stringify(result.errors)}`);
  return ((result.data as Json).tokens as { id: string }[]).map((entity) => entity.id);
}

function errors(text: string): string[] {
  const result = executeQuery(store, schema, text);
  assert.ok(result.errors && result.errors.length > 0, `expected errors for ${text}`);
  return result.errors.map((error) => error.message);
}

const tokensWhere = (where: string) => ids(`{ tokens(where: ${where}) { id } }`);

describe("ordering", () => {
  test("orderDirection without orderBy is ignored: ascending by id (graphql/src/store/query.rs:562, `(None, _) => EntityOrder::Default`)", () => {
    assert.deepEqual(ids(`{ tokens(orderDirection: desc) { id } }`), ["t1", "t2", "t3", "t4"]);
    assert.deepEqual(ids(`{ tokens(orderBy: symbol, orderDirection: desc) { id } }`), [
      "t2",
      "t3",
      "t1",
      "t4",
    ]);
  });

  test("orderBy an enum or a reference field is an error; a referenced entity's scalar is not (graphql/src/store/query.rs:582-589 and 640-647, graph/src/data/query/error.rs:193-198)", () => {
    assert.deepEqual(errors(`{ tokens(orderBy: status) { id } }`), [
      "Ordering by `status` is not supported for type `Token`",
    ]);
    assert.deepEqual(errors(`{ tokens(orderBy: owner) { id } }`), [
      "Ordering by `owner` is not supported for type `Token`",
    ]);
    // A LEFT JOIN: a token without an owner sorts as NULL, last ascending
    // (store/postgres/src/relational_queries.rs:4252).
    assert.deepEqual(ids(`{ tokens(orderBy: owner__label) { id } }`).slice(0, 1), ["t2"]);
  });

  test("list and derived fields are orderBy values too, and ordering by one is the same error (graph/src/schema/api.rs:532-547; graph/src/schema/ast.rs:216, `Only scalar values`, mapped at graphql/src/store/query.rs:582-589)", () => {
    for (const field of ["tags", "holders", "transfers"]) {
      assert.deepEqual(errors(`{ tokens(orderBy: ${field}) { id } }`), [
        `Ordering by \`${field}\` is not supported for type \`Token\``,
      ]);
    }
    assert.deepEqual(errors(`{ accounts(orderBy: tokens) { id } }`), [
      "Ordering by `tokens` is not supported for type `Account`",
    ]);
  });
});

describe("first and skip", () => {
  test("first must be 1 to 1000; skip has graph-node's default limit u32::MAX (graphql/src/store/query.rs:62-90, graph/src/env/graphql.rs:74-76 and 183-184)", () => {
    assert.deepEqual(errors(`{ tokens(first: 0) { id } }`), [
      "The `first` argument must be between 0 and 1000, but is 0",
    ]);
    assert.deepEqual(ids(`{ tokens(skip: 5001) { id } }`), []);
    assert.deepEqual(ids(`{ tokens(first: 1, skip: 3) { id } }`), ["t4"]);
    assert.deepEqual(errors(`{ tokens(skip: -1) { id } }`), [
      "The `skip` argument must be between 0 and 4294967295, but is -1",
    ]);
  });
});

describe("filters", () => {
  test('x_in: [] and x_not_in: [] both match nothing (store/postgres/src/relational_queries.rs:1716-1725, `if values.is_empty() { out.push_sql("false")`)', () => {
    assert.deepEqual(tokensWhere(`{ symbol_in: [] }`), []);
    assert.deepEqual(tokensWhere(`{ symbol_not_in: [] }`), []);
    assert.deepEqual(tokensWhere(`{ symbol_not_in: ["ONE"] }`), ["t2", "t3", "t4"]);
  });

  test("list _contains is all of, _not_contains none of, _contains_nocase any of as LIKE patterns, _not_contains_nocase none of (store/postgres/src/relational_queries.rs:1671-1695)", () => {
    assert.deepEqual(tokensWhere(`{ tags_contains: ["a", "b"] }`), ["t2"]);
    assert.deepEqual(tokensWhere(`{ tags_not_contains: ["a", "b"] }`), ["t3", "t4"]);
    assert.deepEqual(tokensWhere(`{ tags_not_contains: [] }`), ["t1", "t2", "t3", "t4"]);
    assert.deepEqual(tokensWhere(`{ tags_contains_nocase: ["B", "C"] }`), ["t2", "t3"]);
    assert.deepEqual(tokensWhere(`{ tags_contains_nocase: ["_"] }`), ["t1", "t2", "t3"]);
    assert.deepEqual(tokensWhere(`{ tags_contains_nocase: [] }`), []);
    assert.deepEqual(tokensWhere(`{ tags_not_contains_nocase: ["A", "C"] }`), ["t4"]);
  });
});

describe("_meta", () => {
  test("with a block number, the block's hash, timestamp and parent hash are null (graphql/src/store/resolver.rs:122-131 and 199-213: a zero hash stands for a number constraint)", () => {
    store.applyBlock(block(2), []);
    const meta = (text: string) => {
      const result = executeQuery(store, schema, text);
      assert.equal(result.errors, undefined, JSON.stringify(result.errors));
      return ((result.data as Json)._meta as { block: Json }).block;
    };
    assert.deepEqual(meta(`{ _meta(block: { number: 1 }) { block { number hash timestamp parentHash } } }`), {
      number: 1,
      hash: null,
      timestamp: null,
      parentHash: null,
    });
    // By hash, or the latest: looked up.
    assert.deepEqual(meta(`{ _meta(block: { hash: "${block(1).hash}" }) { block { number hash } } }`), {
      number: 1,
      hash: block(1).hash,
    });
    assert.deepEqual(meta(`{ _meta { block { number hash parentHash } } }`), {
      number: 2,
      hash: block(2).hash,
      parentHash: block(1).hash,
    });
  });
});
