// How the embedded host reads a request as graph-node v0.44.0 (the image docker-compose.yml pins)
// reads it: graph-node's lenient query preparation (GraphQL validation is off by default), the
// shape of its error responses, `_logs`, and a mutation sent with GET. Each case names the
// graph-node source it follows, at tag v0.44.0 of graphprotocol/graph-node, with the answer that
// source gives.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { executeQuery, startGraphqlServer } from "../indexer/graphql/index.ts";
import { openSqliteStore } from "../indexer/store/index.ts";
import {
  account,
  block,
  fixtureSchema,
  temporaryDirectory,
  token,
  transfer,
} from "./fixtures/indexer-fixture.ts";

const schema = fixtureSchema();
const tmp = temporaryDirectory();
const store = openSqliteStore({ file: tmp.file("requests.sqlite"), schema, deployment: "QmRequests" });
after(() => tmp.cleanup());

before(() => {
  store.applyBlock(block(1), [
    account("0xaa", "Zed"),
    token("t1", { symbol: "ONE", status: "Open", owner: "0xaa" }),
    token("t2", { symbol: "TWO", status: "Closed" }),
  ]);
  store.applyBlock(block(2), [
    token("t3", { symbol: "THREE", status: "Open" }),
    // A reference to an entity that does not exist: graph-node's store allows it.
    transfer("x1", "nope", "0xaa", 1n),
  ]);
});

type Json = Record<string, unknown>;

const run = (text: string, variables?: Json, operationName?: string) =>
  executeQuery(store, schema, text, variables ?? null, { operationName: operationName ?? null });

const allTokens = { tokens: [{ id: "t1" }, { id: "t2" }, { id: "t3" }] };

describe("graph-node's lenient query preparation (graphql/src/execution/query.rs; validations off by default, graph/src/env/graphql.rs:154-155)", () => {
  test("an unknown argument is dropped (query.rs:841-851, graphql-bug-compat)", () => {
    assert.deepEqual(run(`{ tokens(foo: 1) { id } }`), { data: allTokens });
  });

  test("an unused variable and an unused fragment are fine (no such check; fragments only collected, query.rs:206-215)", () => {
    assert.deepEqual(run(`query($x: Int) { tokens { id } }`, {}), { data: allTokens });
    assert.deepEqual(run(`{ tokens { id } } fragment F on Token { id nope }`), { data: allTokens });
  });

  test("an undefined variable is null, so the argument's default applies (query.rs:722-728)", () => {
    assert.deepEqual(run(`{ tokens(first: $n) { id } }`), { data: allTokens });
  });

  test("an enum value given as a string is accepted, in arguments, filters and variables (graph/src/data/value.rs:333-343)", () => {
    assert.deepEqual(run(`{ tokens(orderBy: "symbol", orderDirection: "desc") { id } }`), {
      data: { tokens: [{ id: "t2" }, { id: "t3" }, { id: "t1" }] },
    });
    assert.deepEqual(run(`{ tokens(where: { status: "Closed" }) { id } }`), {
      data: { tokens: [{ id: "t2" }] },
    });
    assert.deepEqual(run(`query($s: Status) { tokens(where: { status: $s }) { id } }`, { s: "Closed" }), {
      data: { tokens: [{ id: "t2" }] },
    });
  });

  test("an object field without a selection is dropped; a leaf field's selection is ignored (query.rs:906-916)", () => {
    assert.deepEqual(run(`{ tokens }`), { data: {} });
    assert.deepEqual(run(`{ tokens { id owner } }`), {
      data: { tokens: [{ id: "t1" }, { id: "t2" }, { id: "t3" }] },
    });
    assert.deepEqual(run(`{ token(id: "t1") { id { x } } }`), { data: { token: { id: "t1" } } });
  });

  test("__typename is a field of every type (graph/src/schema/ast.rs:185-210); @skip and @include with a variable (query.rs:773-795)", () => {
    assert.deepEqual(run(`{ __typename token(id: "t1") { __typename id } }`), {
      data: { __typename: "Query", token: { __typename: "Token", id: "t1" } },
    });
    assert.deepEqual(
      run(`query($no: Boolean!) { token(id: "t1") { id symbol @include(if: $no) } }`, { no: false }),
      {
        data: { token: { id: "t1" } },
      },
    );
  });

  test("operationName is never read: two operations are refused, one runs under any name (query.rs:206-217, server/http/src/request.rs:7-46)", () => {
    assert.deepEqual(run(`query A { tokens { id } } query B { accounts { id } }`, {}, "A"), {
      errors: [{ message: "Operation name required" }],
    });
    assert.deepEqual(run(`query A { tokens { id } }`, {}, "B"), { data: allTokens });
  });

  test("an unknown field is graph-node's error with its location (query.rs:624-653, graph/src/data/query/error.rs:213-215 and 515-520)", () => {
    assert.deepEqual(run(`{ foo }`), {
      errors: [{ locations: [{ line: 1, column: 3 }], message: "Type `Query` has no field `foo`" }],
    });
    assert.deepEqual(run(`{ tokens { nope } }`), {
      errors: [{ locations: [{ line: 1, column: 12 }], message: "Type `Token` has no field `nope`" }],
    });
  });

  test("a wrongly typed argument: `Invalid value provided for argument`, the value printed as Rust's Debug (graphql/src/values/coercion.rs:150-153, error.rs:178-180)", () => {
    // Generated arguments have the default position 0:0 (graph/src/schema/api.rs, q::Pos::default()).
    assert.deepEqual(run(`{ tokens(first: "10") { id } }`), {
      errors: [
        {
          locations: [{ line: 0, column: 0 }],
          message: 'Invalid value provided for argument `first`: String("10")',
        },
      ],
    });
    // An unknown key in an input object fails the whole object (coercion.rs:87-92).
    assert.deepEqual(run(`{ tokens(where: { nope: 1 }) { id } }`), {
      errors: [
        {
          locations: [{ line: 0, column: 0 }],
          message: 'Invalid value provided for argument `where`: Object({"nope": Int(Number(1))})',
        },
      ],
    });
    // No list from a single value (coercion.rs:207-208).
    assert.equal(
      run(`{ tokens(where: { id_in: "t1" }) { id } }`).errors?.[0]?.message,
      'Invalid value provided for argument `where`: Object({"id_in": String("t1")})',
    );
  });

  test("a missing required variable and a required argument (query.rs:405-413, graph/src/data/query/error.rs:181-189, graphql/src/values/coercion.rs:136-142)", () => {
    assert.deepEqual(run(`query($id: ID!) { token(id: $id) { id } }`, {}), {
      errors: [
        { locations: [{ line: 1, column: 7 }], message: "No value provided for required variable `id`" },
      ],
    });
    assert.deepEqual(run(`{ token { id } }`), {
      errors: [
        { locations: [{ line: 0, column: 0 }], message: "No value provided for required argument: `id`" },
      ],
    });
  });

  test("subscriptions and mutations over HTTP are not supported (query.rs:222-233)", () => {
    assert.match(
      run(`subscription { tokens { id } }`).errors?.[0]?.message ?? "",
      /^Not supported: Subscriptions are not supported/,
    );
    assert.deepEqual(run(`mutation { tokens { id } }`), {
      errors: [{ message: "Not supported: Mutations are not supported" }],
    });
  });

  test("our own depth limit stays (graph-node's is 255, graph/src/env/graphql.rs:179-180); a fragment cycle is graph-node's error (query.rs:552-559, graph/src/data/query/error.rs:312)", () => {
    const deep = `{ tokens { owner { tokens { owner { tokens { owner { tokens { owner { tokens { owner { tokens { owner { tokens { owner { tokens { owner { tokens { owner { tokens { owner { tokens { owner { tokens { owner { tokens { id } } } } } } } } } } } } } } } } } } } } } } } } } }`;
    assert.deepEqual(run(deep), {
      errors: [{ message: "query has a depth that exceeds the limit of `24`" }],
    });
    assert.deepEqual(
      run(
        `{ tokens { ...A } } fragment A on Token { owner { ...B } } fragment B on Account { tokens { ...A } }`,
      ),
      {
        errors: [{ message: "query has fragment cycle including `A`" }],
      },
    );
  });
});

describe("error responses (graph/src/data/query/result.rs, graphql/src/runner.rs)", () => {
  test("an execution error drops the data of its whole block group; no `data` key, no `path`, no `locations` (graphql/src/execution/execution.rs:597-671, result.rs:248-254, graph/src/data/query/error.rs:505-522)", () => {
    const rangeError = { message: "The `first` argument must be between 0 and 1000, but is 1001" };
    assert.deepEqual(run(`{ tokens(first: 1001) { id } }`), { errors: [rangeError] });
    assert.deepEqual(run(`{ token(id: "t1") { id } tokens(first: 1001) { id } }`), { errors: [rangeError] });
  });

  test("null for a non-null field is graph-node's NonNullError, with the field's location (graphql/src/execution/execution.rs:866-873, graph/src/data/query/error.rs:166-168)", () => {
    assert.deepEqual(run(`{ transfers { id token { id } } }`), {
      errors: [
        { locations: [{ line: 1, column: 18 }], message: "Null value resolved for non-null field `token`" },
      ],
    });
  });

  test("fields at another block are another group and keep their data (runner.rs:169-209, query.rs:288-334)", () => {
    assert.deepEqual(run(`{ a: token(id: "t1", block: { number: 1 }) { id } tokens(first: 1001) { id } }`), {
      data: { a: { id: "t1" } },
      errors: [{ message: "The `first` argument must be between 0 and 1000, but is 1001" }],
    });
  });
});

describe("a failed subgraph: the error policy judges response keys, not field names (graphql/src/store/resolver.rs:360-420)", () => {
  const failed = openSqliteStore({ file: tmp.file("failed.sqlite"), schema, deployment: "QmFailedKeys" });
  before(() => {
    failed.applyBlock(block(1), [token("t1")]);
    failed.setFailed({ message: "mapping aborted", block: block(2) });
  });
  after(() => failed.close());
  const query = (text: string) => executeQuery(failed, schema, text);

  test("`_meta` under another key is not a debugging field: indexing_error, and its data is withheld", () => {
    assert.deepEqual(query(`{ m: _meta { hasIndexingErrors } }`), {
      errors: [{ message: "indexing_error" }],
    });
  });

  test("a field without subgraphError, `_meta` too, makes the policy deny (graphql/src/execution/query.rs:305-331)", () => {
    assert.deepEqual(query(`{ _meta { hasIndexingErrors } tokens(subgraphError: allow) { id } }`), {
      data: { _meta: { hasIndexingErrors: true } },
      errors: [{ message: "indexing_error" }],
    });
  });

  test("any field under the key `_meta` or `_logs` counts as one: data and no error", () => {
    assert.deepEqual(query(`{ _meta: tokens { id } }`), { data: { _meta: [{ id: "t1" }] } });
    assert.deepEqual(query(`{ _meta { hasIndexingErrors } _logs { id } }`), {
      data: { _meta: { hasIndexingErrors: true }, _logs: [] },
    });
  });
});

describe("_logs (graph/src/schema/api.rs:1313-1419, graph/src/schema/logs.graphql)", () => {
  test("answers [] as graph-node's default NoOpLogStore does (graph/src/components/log_store/mod.rs:185-193)", () => {
    assert.deepEqual(
      run(`{ _logs { id text level timestamp arguments { key value } meta { module line column } } }`),
      {
        data: { _logs: [] },
      },
    );
    assert.deepEqual(
      run(`{ _logs(level: ERROR, first: 10, orderDirection: asc) { id } _meta { block { number } } }`),
      {
        data: { _logs: [], _meta: { block: { number: 2 } } },
      },
    );
  });

  test("checks its arguments (graphql/src/store/logs.rs:118-159)", () => {
    assert.deepEqual(run(`{ _logs(first: 2000) { id } }`), {
      errors: [
        {
          locations: [{ line: 1, column: 3 }],
          message: 'Invalid value provided for argument `first`: String("first must not exceed 1000")',
        },
      ],
    });
    assert.equal(
      run(`{ _logs(skip: 10001) { id } }`).errors?.[0]?.message,
      'Invalid value provided for argument `skip`: String("skip must not exceed 10000")',
    );
    assert.equal(
      run(`{ _logs(search: "a:b") { id } }`).errors?.[0]?.message,
      'Invalid value provided for argument `search`: String("Invalid search text: search text contains invalid characters ({}[]:\\")")',
    );
    assert.equal(
      run(`{ _logs(from: "2024-01-15") { id } }`).errors?.[0]?.message,
      'Invalid value provided for argument `from`: String("Invalid timestamp: must be in ISO 8601 format (e.g., 2024-01-15T10:30:00Z)")',
    );
  });

  test("may not be combined with entity fields (graphql/src/execution/execution.rs:297-304)", () => {
    assert.deepEqual(run(`{ _logs { id } tokens { id } }`), {
      errors: [
        { message: "The _logs query cannot be combined with other entity queries in the same request" },
      ],
    });
  });
});

test("a mutation sent with GET is refused with 400 (server/http/src/service.rs:348-369 and 287-289)", async () => {
  const server = await startGraphqlServer({
    subgraphs: { "parity/requests": { store, schema } },
    subscriptions: false,
  });
  try {
    const url = new URL(server.httpUrl("parity/requests"));
    url.searchParams.set("query", "mutation { tokens { id } }");
    const response = await fetch(url);
    assert.equal(response.status, 400);
    assert.deepEqual(await response.json(), { error: "Can't use mutations with GET method" });
  } finally {
    await server.close();
  }
});
