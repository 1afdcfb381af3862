// Where the query API and the schema still differ from graph-node v0.44.0, pinned so
// docs/graph-node.md can name a test for each: these assert OUR behaviour, and each comment cites
// the graph-node source (public repository graphprotocol/graph-node, tag v0.44.0) and what it does
// instead. (What we do as graph-node does is in indexer-graph-node-parity.test.ts and
// indexer-parity-*.test.ts.)
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { GraphQLObjectType } from "graphql";
import { apiSchemaFor, executeQuery } from "../indexer/graphql/index.ts";
import { DEFAULT_LIMITS } from "../indexer/graphql/limits.ts";
import { parseSubgraphSchema, SubgraphSchemaError } from "../indexer/schema/index.ts";
import { openSqliteStore } from "../indexer/store/index.ts";
import { block, temporaryDirectory } from "./fixtures/indexer-fixture.ts";

const schema = parseSubgraphSchema(`
  type Item @entity {
    id: ID!
    name: String
    owner: Account
  }
  type Account @entity {
    id: Bytes!
    items: [Item!]! @derivedFrom(field: "owner")
    profile: Profile @derivedFrom(field: "account")
  }
  type Profile @entity {
    id: ID!
    account: Account
    bio: String
  }
`);
const tmp = temporaryDirectory();
const store = openSqliteStore({ file: tmp.file("differences.sqlite"), schema, deployment: "QmDifferences" });
after(() => tmp.cleanup());

// The subgraph's first block is 5, as if its data source started there.
before(() => {
  store.applyBlock(block(5), [
    { entity: "Account", id: "0xab", data: { id: "0xab" } },
    { entity: "Item", id: "i1", data: { id: "i1", name: "x", owner: "0xab" } },
  ]);
});

type Json = Record<string, unknown>;
const run = (text: string) => executeQuery(store, schema, text) as { data?: Json; errors?: Json[] };

describe("query API differences from graph-node", () => {
  test("the earliest block is 0: a block before the first indexed one answers empty data", () => {
    // graph-node: the earliest block is the deployment's start block
    // (store/postgres/src/deployment.rs:1298), and a block below it is the error of
    // DeploymentState::block_queryable (graph/src/data/subgraph/mod.rs:1352-1357), checked for every
    // block group by graphql/src/store/resolver.rs:88-95.
    assert.deepEqual(run(`{ items(block: { number: 2 }) { id } }`), { data: { items: [] } });
    assert.deepEqual(run(`{ items(block: { number: -1 }) { id } }`).errors, [
      {
        message:
          "Failed to decode `block.number` value: `subgraph QmDifferences only has data starting at block number 0 and data for block number -1 is therefore not available`",
      },
    ]);
  });

  test("an invalid `block.hash` is refused by the Bytes scalar, a repeated 0x prefix included", () => {
    // graph-node: the Bytes scalar takes any string (graphql/src/values/coercion.rs:59); BlockHash
    // is parsed later (graph/src/data/graphql/values.rs:90-97, graph/src/blockchain/types.rs:100-109,
    // `trim_start_matches("0x")`, so "0x0x…" is accepted) and a failure is InvalidArgumentError
    // (graphql/src/execution/query.rs:297-304): ``Invalid value provided for argument `block`:
    // Object({"hash": String("0xzz")})`` with `locations: [{line: 0, column: 0}]`
    // (graph/src/data/query/error.rs:178-180, 505-519).
    assert.deepEqual(run(`{ items(block: { hash: "0xzz" }) { id } }`), {
      errors: [{ message: 'argument `block`: Bytes expects an even number of hex digits, got "0xzz"' }],
    });
    const doubled = `0x${block(5).hash}`;
    assert.deepEqual(run(`{ items(block: { hash: "${doubled}" }) { id } }`).errors, [
      { message: `argument \`block\`: Bytes expects an even number of hex digits, got "${doubled}"` },
    ]);
  });

  test("a `block` error fails its own block group only, without locations", () => {
    // graph-node: locate_blocks (graphql/src/store/resolver.rs:83-97) resolves the block of every
    // group before any runs, so one bad `block` fails the whole query (no `data`); an invalid
    // constraint has `locations: [{line: 0, column: 0}]` (q::Pos::default(),
    // graphql/src/execution/query.rs:297-304; graph/src/data/query/error.rs:505-519).
    assert.deepEqual(run(`{ items(block: {}) { id } accounts { id } }`), {
      errors: [{ message: "Invalid value provided for argument `block`: Object({})" }],
      data: { accounts: [{ id: "0xab" }] },
    });
    assert.deepEqual(run(`{ items(block: { number: 999 }) { id } accounts { id } }`), {
      errors: [
        {
          message:
            "Failed to decode `block.number` value: `subgraph QmDifferences has only indexed up to block number 5 and data for block number 999 is therefore not yet available`",
        },
      ],
      data: { accounts: [{ id: "0xab" }] },
    });
  });

  test("`owner_: null` is this host's message", () => {
    // graph-node: a child filter that is not an object is AttributeTypeError
    // (graphql/src/store/query.rs:307-322, graph/src/data/query/error.rs:252-257):
    // ``Query contains value with invalid type `Account`: `null` ``.
    assert.deepEqual(run(`{ items(where: { owner_: null }) { id } }`).errors, [
      { message: "Filter `owner_` needs a value, not null" },
    ]);
  });

  test("ordering by the fields of a single derived field is not offered", () => {
    // graph-node: field_enum_values_from_child_entity (graph/src/schema/api.rs:568-603) lists
    // `profile__bio` for a single `@derivedFrom` field, and build_order_by sorts by it through the
    // derived join (graphql/src/store/query.rs:590-627, `derived: true`).
    assert.deepEqual(run(`{ accounts(orderBy: profile__bio) { id } }`), {
      errors: [
        {
          locations: [{ line: 0, column: 0 }],
          message: 'Invalid value provided for argument `orderBy`: Enum("profile__bio")',
        },
      ],
    });
  });

  test("a store error has no `, query = <SQL>` suffix", () => {
    // graph-node: store/postgres/src/relational.rs:936-938 reports ResolveEntitiesError as
    // `{e}, query = {query_text}`, the SQL it ran appended.
    assert.deepEqual(run(`{ items(where: { owner_starts_with: "0x00" }) { id } }`).errors, [
      { message: "Failed to get entities from store: operator does not exist: bytea ~~ text" },
    ]);
  });

  test("a non-hex value in `_contains` on a Bytes reference is this host's message", () => {
    // graph-node: SqlValue::new parses it with scalar::Bytes::from_str
    // (store/postgres/src/relational_queries.rs:639-643, graph/src/data/store/scalar/bytes.rs:47-53)
    // and fails in the store with the hex crate's `Invalid character 'z' at position 0`.
    assert.deepEqual(run(`{ items(where: { owner_contains: "0xzz" }) { id } }`).errors, [
      {
        message: "filter on Item.owner: `0xzz` is not hex bytes (an even number of hex digits, 0x optional)",
      },
    ]);
  });

  test("a string filter pattern over 50,000 bytes is SQLite's `LIKE or GLOB pattern too complex`", () => {
    // graph-node: PostgreSQL's LIKE has no pattern length limit
    // (store/postgres/src/relational_queries.rs:1457-1469 builds `%s%`); SQLite caps GLOB patterns
    // at SQLITE_MAX_LIKE_PATTERN_LENGTH, 50,000 bytes.
    assert.deepEqual(run(`{ items(where: { name_contains: "${"a".repeat(50_001)}" }) { id } }`).errors, [
      { message: "LIKE or GLOB pattern too complex" },
    ]);
    assert.deepEqual(run(`{ items(where: { name_contains: "${"a".repeat(49_000)}" }) { id } }`), {
      data: { items: [] },
    });
  });

  test("the depth limit is 24 and a query returns at most 100,000 entities", () => {
    // graph-node: GRAPH_GRAPHQL_MAX_DEPTH defaults to 255 (graph/src/env/graphql.rs:179-180,
    // checked at graphql/src/execution/query.rs:486-493) and there is no entity cap
    // (GRAPH_GRAPHQL_ERROR_RESULT_SIZE defaults to usize::MAX, graph/src/env/graphql.rs:189-190).
    assert.deepEqual(DEFAULT_LIMITS, { maxDepth: 24, maxEntities: 100_000 });
    const nested = (depth: number) => {
      let inner = "id";
      for (let level = depth - 1; level >= 1; level--)
        inner = `${level % 2 === 1 ? "items" : "owner"} { ${inner} }`;
      return `{ ${inner} }`;
    };
    assert.equal(run(nested(24)).errors, undefined);
    assert.deepEqual(run(nested(25)).errors, [
      { message: "query has a depth that exceeds the limit of `24`" },
    ]);
  });

  test("the API has a Subscription type and `_meta.indexingError`", () => {
    // graph-node: no Subscription type since v0.38 (commit 8d35904c3 "graph, graphql: Remove
    // Subscription type from API schema"; graph/src/schema/api.rs has none), and `_Meta_` has only
    // block, deployment and hasIndexingErrors (graph/src/schema/meta.graphql:41-53).
    const { schema: api } = apiSchemaFor(schema);
    const fields = (type: GraphQLObjectType | null | undefined) => Object.keys(type?.getFields() ?? {});
    assert.deepEqual(fields(api.getSubscriptionType()), fields(api.getQueryType()));
    assert.deepEqual(fields(api.getType("_Meta_") as GraphQLObjectType), [
      "block",
      "deployment",
      "hasIndexingErrors",
      "indexingError",
    ]);
  });
});

describe("schema differences from graph-node", () => {
  const refused = (sdl: string) => {
    try {
      parseSubgraphSchema(sdl);
    } catch (error) {
      assert.ok(error instanceof SubgraphSchemaError, String(error));
      return error.message;
    }
    assert.fail(`accepted: ${sdl}`);
  };

  test("interfaces, timeseries, @aggregation and fulltext search are refused at load", () => {
    // graph-node supports them: InterfaceType (graph/src/schema/input/mod.rs:544-555),
    // @entity(timeseries:) (:462-466), @aggregation (:885-895), `_Schema_ @fulltext` (:1457-1460,
    // graph/src/schema/fulltext.rs).
    assert.equal(
      refused(`interface Named { id: ID! } type A @entity { id: ID! }`),
      "InterfaceTypeDefinition Named is not supported: a subgraph schema here may only hold @entity types and enums",
    );
    assert.equal(
      refused(`type A implements Named @entity { id: ID! }`),
      "type A: interfaces are not supported",
    );
    assert.equal(
      refused(`type A @entity(timeseries: true) { id: Int8! timestamp: Timestamp! }`),
      "type A: @entity(timeseries:) is not supported (only immutable)",
    );
    assert.equal(
      refused(`type S @aggregation(intervals: ["hour"], source: "A") { id: Int8! timestamp: Timestamp! }`),
      "type S: directive @aggregation is not supported",
    );
    assert.equal(
      refused(
        `type _Schema_ @fulltext(name: "s", language: en, algorithm: rank, include: []) type A @entity { id: ID! }`,
      ),
      "type _Schema_: directive @fulltext is not supported",
    );
  });

  test("Float is refused, as graph-node does, with this host's text", () => {
    // graph-node refuses it too: Float is not a ValueType (graph/src/data/store/mod.rs:113-129), so
    // validate_fields (graph/src/schema/input/mod.rs:2013-2043) reports FieldTypeUnknown,
    // "Type `A`, field `f`: type `Float` is not defined" (graph/src/schema/mod.rs:90-91).
    assert.equal(refused(`type A @entity { id: ID! f: Float }`), "A.f: unknown type Float");
  });
});
