// Where the HTTP server and request parsing still differ from graph-node v0.44.0, pinned so
// docs/graph-node.md can name a test for each: these assert OUR behaviour, and each comment cites
// the graph-node source (public repository graphprotocol/graph-node, tag v0.44.0) and what it does
// instead.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { startGraphqlServer, type GraphqlServer } from "../indexer/graphql/index.ts";
import { openSqliteStore } from "../indexer/store/index.ts";
import type { QueryableStore } from "../indexer/store/entity-query.ts";
import { block, fixtureSchema, temporaryDirectory, token } from "./fixtures/indexer-fixture.ts";

const schema = fixtureSchema();
const tmp = temporaryDirectory();
let store: QueryableStore;
let server: GraphqlServer;
let url: string;
before(async () => {
  store = openSqliteStore({ file: tmp.file("http.sqlite"), schema, deployment: "QmHttp" });
  store.applyBlock(block(1), [token("t1")]);
  server = await startGraphqlServer({ subgraphs: { test: { store, schema } } });
  url = server.httpUrl("test");
});
after(async () => {
  await server.close();
  store.close();
  tmp.cleanup();
});

const postBody = (body: string) =>
  fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body });
const postQuery = (query: string) => postBody(JSON.stringify({ query }));

async function answer(response: Promise<Response>): Promise<{ status: number; body: unknown }> {
  const done = await response;
  return { status: done.status, body: await done.json() };
}

describe("HTTP differences from graph-node", () => {
  test("GET / and an unknown path are 404 with an `errors` list", async () => {
    // graph-node: `GET /` is 200 {"message": "Access deployed subgraphs by deployment ID at
    // /subgraphs/id/<ID> or by name at /subgraphs/name/<NAME>"} (server/http/src/service.rs:73-86),
    // and any other unknown path is 200 {"message": "Not found"} (service.rs:273-285).
    const origin = new URL(url).origin;
    assert.deepEqual(await answer(fetch(`${origin}/`)), {
      status: 404,
      body: { errors: [{ message: "no subgraph at /" }] },
    });
    assert.deepEqual(await answer(fetch(`${origin}/nothing`)), {
      status: 404,
      body: { errors: [{ message: "no subgraph at /nothing" }] },
    });
  });

  test("a body that is not a GraphQL request is 400 with an `errors` list and this host's message", async () => {
    // graph-node: ServerError::ClientError answered by client_error (server/http/src/service.rs:36-48)
    // as 400 {"error": "<message>"}, with serde_json's text for bad JSON, `The "query" field is
    // missing in request data` and `Invalid query variables provided`
    // (server/http/src/request.rs:7-44).
    assert.deepEqual(await answer(postBody("{")), {
      status: 400,
      body: {
        errors: [
          { message: "request body is not valid JSON: Expected property name or '}' in JSON at position 1" },
        ],
      },
    });
    assert.deepEqual(await answer(postBody("{}")), {
      status: 400,
      body: { errors: [{ message: "the request has no `query` string" }] },
    });
    assert.deepEqual(await answer(postBody(JSON.stringify({ query: "{ tokens { id } }", variables: 3 }))), {
      status: 400,
      body: { errors: [{ message: "`variables` must be a JSON object" }] },
    });
  });

  test("a syntax error, and a document with a type definition, are graphql-js's parse with this host's text", async () => {
    // graph-node: the query is parsed by the graphql-parser crate (q::parse_query,
    // server/http/src/request.rs:29-31), whose QueryError::ParseError text is that crate's
    // ("query parse error: Parse error at 1:16 …"; graph/src/data/query/error.rs:451); a type
    // definition is not part of its query grammar, so it is a parse error too.
    assert.deepEqual(await answer(postQuery("{ tokens { id }")), {
      status: 200,
      body: {
        errors: [
          { locations: [{ line: 1, column: 16 }], message: "Syntax Error: Expected Name, found <EOF>." },
        ],
      },
    });
    assert.deepEqual(await answer(postQuery("type X { a: Int } { tokens { id } }")), {
      status: 200,
      body: {
        errors: [
          {
            locations: [{ line: 1, column: 1 }],
            message: "the document has a ObjectTypeDefinition; send only a query",
          },
        ],
      },
    });
  });

  test("a BigInt or Bytes value that does not parse is refused before execution, with this host's message", async () => {
    // graph-node: coercion takes any string for BigInt and Bytes (graphql/src/values/coercion.rs:59-60)
    // and the value fails later, when the store parses it (a QueryExecutionError::ValueParseError,
    // graph/src/data/query/error.rs:249-258 and 358-364).
    assert.deepEqual(await answer(postQuery('{ tokens(where: { supply: "1.5" }) { id } }')), {
      status: 200,
      body: {
        errors: [
          { message: 'argument `where`: BigInt expects an integer or a string of decimal digits, got "1.5"' },
        ],
      },
    });
    assert.deepEqual(await answer(postQuery('{ tokens(where: { code: "0xabc" }) { id } }')), {
      status: 200,
      body: {
        errors: [{ message: 'argument `where`: Bytes expects an even number of hex digits, got "0xabc"' }],
      },
    });
  });
});
