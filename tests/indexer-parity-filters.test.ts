// Filters, derived fields and the `block` argument as graph-node v0.44.0 (the image
// docker-compose.yml pins) answers them. Each case names the graph-node source it follows, at tag
// v0.44.0 of the public repository graphprotocol/graph-node, with the answer that source gives.
// graph-node runs on PostgreSQL created with `-E UTF8 --locale=C` (docker-compose.yml), so LIKE is
// case sensitive and ILIKE folds ASCII letters only.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { executeQuery } from "../indexer/graphql/index.ts";
import { parseSubgraphSchema } from "../indexer/schema/index.ts";
import { openSqliteStore } from "../indexer/store/index.ts";
import { block, temporaryDirectory } from "./fixtures/indexer-fixture.ts";

const schema = parseSubgraphSchema(`
  enum Status { Open Closed }
  type Item @entity {
    id: ID!
    name: String
    status: Status!
    tags: [String!]!
    owner: Account
    price: BigDecimal
  }
  type Account @entity {
    id: Bytes!
    items: [Item!]! @derivedFrom(field: "owner")
    profile: Profile @derivedFrom(field: "account")
  }
  type Profile @entity {
    id: ID!
    account: Account!
  }
`);
const tmp = temporaryDirectory();
const store = openSqliteStore({ file: tmp.file("filters.sqlite"), schema, deployment: "QmFilters" });
after(() => tmp.cleanup());

const item = (id: string, name: string | null, fields: Record<string, unknown> = {}) => ({
  entity: "Item",
  id,
  data: { id, name, status: "Open", tags: [], owner: null, price: null, ...fields },
});

before(() => {
  store.applyBlock(block(1), [
    { entity: "Account", id: "0x00ab12", data: { id: "0x00ab12" } },
    { entity: "Account", id: "0xcd", data: { id: "0xcd" } },
    item("i1", "a_c", { owner: "0x00ab12", tags: ["a_c"] }),
    item("i2", "abc", { owner: "0xcd", status: "Closed", tags: ["abc"] }),
    item("i3", "a%c"),
    item("i4", "ABC"),
    item("i5", "xyz", { price: "1.000000000000000000000000000000000" }),
    item("i6", "École"),
    item("i7", null),
    item("i8", "a\\c"),
    { entity: "Profile", id: "p1", data: { id: "p1", account: "0xcd" } },
    { entity: "Profile", id: "p2", data: { id: "p2", account: "0xcd" } },
    { entity: "Profile", id: "p3", data: { id: "p3", account: "0x00ab12" } },
  ]);
  store.applyBlock(block(2), [item("i9", null)]);
});

type Json = Record<string, unknown>;

function ids(text: string): string[] {
  const result = executeQuery(store, schema, text);
  assert.equal(result.errors, undefined, `unexpected errors: ${JSON.stringify(result.errors)}`);
  return ((result.data as Json).items as { id: string }[]).map((entity) => entity.id);
}

function errors(text: string): string[] {
  const result = executeQuery(store, schema, text);
  assert.ok(result.errors && result.errors.length > 0, `expected errors for ${text}`);
  return result.errors.map((error) => error.message);
}

const where = (filter: string) => ids(`{ items(where: ${filter}) { id } }`);

describe("string filters are SQL LIKE patterns", () => {
  // store/postgres/src/relational_queries.rs:1376-1397 (starts/ends: `format!("{}%", s)` and
  // `format!("%{}", s)`), 1457-1469 (contains: `%s%` unless s starts or ends with `%`), 929-936
  // (like, not like, ilike, not ilike); the value is bound as is, so `%` and `_` are wildcards
  // and a backslash escapes the next character (PostgreSQL's default LIKE escape).
  test("`%` and `_` in the value are wildcards; a `_contains` value starting or ending with `%` is used as is (relational_queries.rs:1376-1397, 1457-1469)", () => {
    assert.deepEqual(where(`{ name_contains: "_" }`), ["i1", "i2", "i3", "i4", "i5", "i6", "i8"]);
    assert.deepEqual(where(`{ name_starts_with: "a_" }`), ["i1", "i2", "i3", "i8"]);
    assert.deepEqual(where(`{ name_contains: "a%" }`), ["i1", "i2", "i3", "i8"]);
    assert.deepEqual(where(`{ name_not_contains: "%" }`), []);
    assert.deepEqual(where(`{ name_ends_with_nocase: "C" }`), ["i1", "i2", "i3", "i4", "i8"]);
    // A null name matches neither a pattern nor its negation.
    assert.deepEqual(where(`{ name_not_starts_with: "a" }`), ["i4", "i5", "i6"]);
  });

  test("a backslash escapes the next character; a pattern ending in one is PostgreSQL's error (relational_queries.rs:1383-1387, store/postgres/src/relational.rs:936-938)", () => {
    assert.deepEqual(where(`{ name_contains: "\\\\_" }`), ["i1"]);
    assert.deepEqual(where(`{ name_ends_with: "\\\\\\\\c" }`), ["i8"]);
    // `a\\` + `%` is the pattern `a\\%`: the name "a%" exactly.
    assert.deepEqual(where(`{ name_starts_with: "a\\\\" }`), []);
    const [message] = errors(`{ items(where: { name_ends_with: "\\\\" }) { id } }`);
    assert.ok(
      message?.startsWith(
        "Failed to get entities from store: LIKE pattern must not end with escape character",
      ),
      message,
    );
  });

  test("LIKE is case sensitive, ILIKE folds ASCII letters only (relational_queries.rs:929-936; the C locale of docker-compose.yml)", () => {
    assert.deepEqual(where(`{ name_contains: "b" }`), ["i2"]);
    assert.deepEqual(where(`{ name_contains_nocase: "b" }`), ["i2", "i4"]);
    assert.deepEqual(where(`{ name_starts_with: "É" }`), ["i6"]);
    assert.deepEqual(where(`{ name_starts_with_nocase: "é" }`), []);
    assert.deepEqual(where(`{ name_not_starts_with_nocase: "é" }`), [
      "i1",
      "i2",
      "i3",
      "i4",
      "i5",
      "i6",
      "i8",
    ]);
    // List `_contains_nocase`: each value an ILIKE pattern with the same escapes (relational_queries.rs:1680-1687).
    assert.deepEqual(where(`{ tags_contains_nocase: ["A\\\\_C"] }`), ["i1"]);
  });

  test("on a reference to a Bytes-id entity, `_contains` is byte containment of the hex-decoded value; `_nocase` and prefix filters fail (relational_queries.rs:639-643, 1440-1455, 1649-1669)", () => {
    assert.deepEqual(where(`{ owner_contains: "ab12" }`), ["i1"]);
    assert.deepEqual(where(`{ owner_contains: "0xab" }`), ["i1"]);
    assert.deepEqual(where(`{ owner_not_contains: "0xab" }`), ["i2"]);
    assert.deepEqual(errors(`{ items(where: { owner_contains_nocase: "ab" }) { id } }`), [
      "Store error: unsupported filter `contains_nocase` for value `ab`",
    ]);
    const [message] = errors(`{ items(where: { owner_starts_with: "0x00" }) { id } }`);
    assert.ok(
      message?.startsWith("Failed to get entities from store: operator does not exist: bytea ~~ text"),
      message,
    );
  });
});

describe("and / or", () => {
  // graphql/src/store/query.rs:285-306: the `and` and `or` handlers build their list from every
  // key of the object (build_list_filter_from_object, 223-236), and a value that is not a list of
  // objects is InvalidFilterError (207-218), "Filter must by an object" (graph/src/data/query/error.rs:227).
  test("`and` or `or` next to a column filter or `_change_block` is `Filter must by an object` (graphql/src/store/query.rs:207-236, 285-306)", () => {
    assert.deepEqual(errors(`{ items(where: { name: "abc", and: [{ status: Open }] }) { id } }`), [
      "Filter must by an object",
    ]);
    assert.deepEqual(
      errors(`{ items(where: { _change_block: { number_gte: 0 }, or: [{ name: "abc" }] }) { id } }`),
      ["Filter must by an object"],
    );
    assert.deepEqual(errors(`{ items(where: { and: null }) { id } }`), ["Filter must by an object"]);
  });

  test("`and` with `or` at one level means all of both lists (graphql/src/store/query.rs:285-306)", () => {
    assert.deepEqual(where(`{ and: [{ name: "abc" }], or: [{ name: "xyz" }] }`), []);
    assert.deepEqual(where(`{ and: [{ name_starts_with: "a" }], or: [{ name_ends_with: "c" }] }`), [
      "i1",
      "i2",
      "i3",
      "i8",
    ]);
  });

  test("`or` with column filters: graph-node's message, keys sorted and quoted (graphql/src/store/query.rs:244-266, graph/src/data/query/error.rs:228-234)", () => {
    assert.deepEqual(
      errors(`{ items(where: { status: Open, name_gt: "A", or: [{ name: "abc" }] }) { id } }`),
      [
        "Cannot mix column filters with 'or' operator at the same level. Found column filter(s) 'name_gt', 'status' alongside 'or' operator.\n\n" +
          "Instead of:\nwhere: { 'name_gt', 'status', or: [...] }\n\n" +
          "Use:\nwhere: { or: [{ 'name_gt', 'status', ... }, { 'name_gt', 'status', ... }] }",
      ],
    );
  });

  test("a child filter inside a child filter: graph-node's message with its filter text (store/postgres/src/relational_queries.rs:1559-1565, graph/src/components/store/mod.rs:148-190)", () => {
    assert.deepEqual(errors(`{ items(where: { owner_: { items_: { name: "abc" } } }) { id } }`), [
      "Child filter nesting not supported by value `owner`: `join on owner with Item(name = abc)`",
    ]);
  });
});

describe("derived single field", () => {
  test("two entities referring back is AmbiguousDerivedFromResult (graphql/src/store/resolver.rs:311-340, graph/src/data/query/error.rs:269-276)", () => {
    assert.deepEqual(errors(`{ account(id: "0xcd") { profile { id } } }`), [
      "Ambiguous result for derived field `profile`: Multiple `Profile` entities refer back via `account`",
    ]);
    const result = executeQuery(store, schema, `{ account(id: "0x00ab12") { profile { id } } }`);
    assert.deepEqual(result, { data: { account: { profile: { id: "p3" } } } });
  });
});

describe("block argument", () => {
  // graphql/src/query/ext.rs:89-101: hash, then number, then number_gte; no key is an error,
  // reported as InvalidArgumentError (graphql/src/execution/query.rs:297-304,
  // graph/src/data/query/error.rs:178-180, the value printed with Rust's `{:?}`).
  test("with several keys, hash wins over number, number over number_gte; no error (graphql/src/query/ext.rs:89-101)", () => {
    const atBlock1 = ["i1", "i2", "i3", "i4", "i5", "i6", "i7", "i8"];
    assert.deepEqual(ids(`{ items(block: { number: 1, number_gte: 999 }) { id } }`), atBlock1);
    assert.deepEqual(ids(`{ items(block: { hash: "${block(1).hash}", number: 2 }) { id } }`), atBlock1);
    assert.deepEqual(ids(`{ items(block: { number_gte: 2 }) { id } }`), [...atBlock1, "i9"]);
  });

  test("an empty block, or a null for the key that decides, is `Invalid value provided for argument `block`` (graphql/src/query/ext.rs:82-101, graphql/src/execution/query.rs:297-304)", () => {
    assert.deepEqual(errors(`{ items(block: {}) { id } }`), [
      "Invalid value provided for argument `block`: Object({})",
    ]);
    assert.deepEqual(errors(`{ items(block: { number: null, number_gte: 1 }) { id } }`), [
      'Invalid value provided for argument `block`: Object({"number": Null, "number_gte": Int(Number(1))})',
    ]);
  });

  test("a negative block number is below the earliest block (graph/src/data/subgraph/mod.rs:1345-1357, graphql/src/store/resolver.rs:88-95)", () => {
    assert.deepEqual(errors(`{ items(block: { number: -1 }) { id } }`), [
      "Failed to decode `block.number` value: `subgraph QmFilters only has data starting at block number 0 and data for block number -1 is therefore not available`",
    ]);
  });
});

describe("BigDecimal inputs", () => {
  test("a filter value is rounded to 34 significant digits, as graph-node parses it (graph/src/data/store/mod.rs:366, graph/src/data/store/scalar/bigdecimal.rs:31-34, 88-106, 121-126)", () => {
    // 36 significant digits: 1 on graph-node, so price 1 is >= it.
    assert.deepEqual(where(`{ price_gte: "1.00000000000000000000000000000000001" }`), ["i5"]);
    assert.deepEqual(where(`{ price: "1.0000000000000000000000000000000004" }`), ["i5"]);
    // 35 nines round up to 1, which price 1 is not greater than.
    assert.deepEqual(where(`{ price_gt: "0.99999999999999999999999999999999999" }`), []);
  });
});

describe("null filter values", () => {
  // graphql/src/store/query.rs:157-192 and 416-438 (list_values); store/postgres/src/
  // relational_queries.rs:860-892 (Comparison::suitable), 1376-1410 (starts/ends: the operator
  // text with its spaces), 1440-1455 (nocase on a non-String column), 1700-1714 (contains of null,
  // reported by relational.rs:936-938).
  const first = (text: string) => errors(`{ items(where: ${text}) { id } }`)[0] ?? "";

  test("a null value is graph-node's error for each operator; `x: null` and `x_not: null` test for null (graphql/src/store/query.rs:157-192, 416-438; relational_queries.rs:860-892, 1376-1410, 1440-1455, 1700-1714)", () => {
    assert.equal(first(`{ name_in: null }`), "Non-list value passed to `_in` filter");
    assert.equal(first(`{ name_not_in: null }`), "Non-list value passed to `_not_in` filter");
    assert.equal(first(`{ name_gt: null }`), "Store error: unsupported filter `>` for value `null`");
    assert.equal(
      first(`{ name_not_starts_with_nocase: null }`),
      "Store error: unsupported filter ` not ilike ` for value `null`",
    );
    assert.ok(
      first(`{ name_not_contains: null }`).startsWith(
        "Failed to get entities from store: unsupported filter `not_contains` for value `null`",
      ),
    );
    assert.ok(
      first(`{ tags_contains_nocase: null }`).startsWith(
        "Failed to get entities from store: unsupported filter `contains` for value `null`",
      ),
    );
    assert.equal(
      first(`{ owner_contains_nocase: null }`),
      "Store error: unsupported filter `contains_nocase` for value `null`",
    );
    assert.deepEqual(where(`{ name: null }`), ["i7", "i9"]);
    assert.deepEqual(where(`{ name_not: null }`), ["i1", "i2", "i3", "i4", "i5", "i6", "i8"]);
  });
});
