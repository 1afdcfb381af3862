// The query load generator (bench/query-load-process.ts) on its own connections: every query of a
// closed and an open loop answered and counted, over connections it keeps alive and reopens, and a
// query answered with errors fails the load with the server's message.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { runLoadInChild } from "../bench/query-load-process.ts";
import { startGraphqlServer, type GraphqlServer } from "../indexer/graphql/server.ts";
import type { QueryableStore } from "../indexer/store/entity-query.ts";
import { openSqliteStore } from "../indexer/store/index.ts";
import { account, block, fixtureSchema, temporaryDirectory, token } from "./fixtures/indexer-fixture.ts";

const schema = fixtureSchema();
const tmp = temporaryDirectory();
let store: QueryableStore;
let server: GraphqlServer;
let url: string;

before(async () => {
  store = openSqliteStore({ file: tmp.file("load.sqlite"), schema, deployment: "load" });
  store.applyBlock(block(1), [account("0xaa", "Alice"), token("t1", { owner: "0xaa" })]);
  server = await startGraphqlServer({ subgraphs: { load: { store, schema } }, subscriptions: false });
  url = server.httpUrl("load");
});
after(async () => {
  await server.close();
  store.close();
  tmp.cleanup();
});

const requests = [
  { query: `query T($id: ID!) { token(id: $id) { symbol owner { label } } }`, variables: { id: "t1" } },
  { query: `{ accounts { id tokens { id } } }` },
];

describe("the query load generator", () => {
  test("a closed loop answers every query of every client", async () => {
    const result = await runLoadInChild({
      kind: "closed",
      url,
      requests,
      concurrency: 4,
      queriesPerClient: 25,
    });
    assert.equal(result.latenciesMs.length, 100);
    assert.ok(result.latenciesMs.every((latency) => latency > 0));
  });

  test("an open loop sends and counts every scheduled query", async () => {
    const result = await runLoadInChild({ kind: "open", url, requests, ratePerSecond: 50, seconds: 1 });
    assert.equal(result.latenciesMs.length, 50);
  });

  test("a query answered with an error fails the load, naming the answer", async () => {
    await assert.rejects(
      runLoadInChild({
        kind: "closed",
        url,
        requests: [{ query: `{ token(id: "t1") { nope } }` }],
        concurrency: 2,
        queriesPerClient: 2,
      }),
      /the query load failed: query answered HTTP 200: \{"errors":\[\{"locations".*Type `Token` has no field `nope`/,
    );
  });
});
