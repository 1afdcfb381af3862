// Issue 12's query throughput: the server keeps the preparation of a POST body and reuses it when the
// same body comes again (a poller's requests), never an answer; requests differing in anything get
// their own preparation. A prepared document run again is lifted and split into block groups once.
import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import { apiSchemaFor } from "../indexer/graphql/api-schema.ts";
import { runByGroups } from "../indexer/graphql/block-groups.ts";
import { executeQuery, limitsWith, runDocument } from "../indexer/graphql/execute.ts";
import { liftFilters } from "../indexer/graphql/lifted-filters.ts";
import { prepareQuery } from "../indexer/graphql/prepare-query.ts";
import { PreparedRequests } from "../indexer/graphql/prepared-requests.ts";
import { startGraphqlServer } from "../indexer/graphql/server.ts";
import { openSqliteStore } from "../indexer/store/index.ts";
import { account, block, fixtureSchema, temporaryDirectory } from "./fixtures/indexer-fixture.ts";

const schema = fixtureSchema();
const tmp = temporaryDirectory();
after(() => tmp.cleanup());

const BY_ID = `query($id: Bytes!) { account(id: $id) { id label } }`;
const body = (query: string, variables: Record<string, unknown> | null) =>
  JSON.stringify({ query, variables });

describe("PreparedRequests keeps each body's preparation", () => {
  const api = apiSchemaFor(schema);
  const limits = limitsWith({});

  test("the same body again is the same preparation; another body, variables or text, its own", () => {
    const requests = new PreparedRequests(api, limits);
    const text = body(BY_ID, { id: "0xaa" });
    const first = requests.prepare(text, BY_ID, { id: "0xaa" });
    assert.ok("document" in first, "the query is prepared");
    assert.equal(requests.prepare(text, BY_ID, { id: "0xaa" }), first);
    const other = requests.prepare(body(BY_ID, { id: "0xbb" }), BY_ID, { id: "0xbb" });
    assert.notEqual(other, first);
    assert.equal(requests.size, 2);
  });

  test("a refusal is kept too, and each caller gets its own copy of the errors", () => {
    const requests = new PreparedRequests(api, limits);
    const text = body(BY_ID, null);
    const first = requests.prepare(text, BY_ID, null);
    assert.ok("errors" in first);
    first.errors.length = 0;
    const again = requests.prepare(text, BY_ID, null);
    assert.ok("errors" in again);
    assert.deepEqual(again.errors, [
      { message: "No value provided for required variable `id`", locations: [{ line: 1, column: 7 }] },
    ]);
  });

  test("the number of bodies kept is bounded, and a long body is not kept", () => {
    const requests = new PreparedRequests(api, limits);
    for (let n = 0; n < 1200; n++) {
      const id = `0x${n.toString(16).padStart(4, "0")}`;
      requests.prepare(body(BY_ID, { id }), BY_ID, { id });
    }
    assert.equal(requests.size, 1000);
    const long = `${BY_ID}${" ".repeat(3000)}`;
    requests.prepare(body(long, { id: "0xaa" }), long, { id: "0xaa" });
    assert.equal(requests.size, 1000);
  });
});

describe("over HTTP, a body sent again is answered from the store as it is then", () => {
  const store = openSqliteStore({ file: tmp.file("repeat.sqlite"), schema, deployment: "repeat" });
  after(() => store.close());
  store.applyBlock(block(1), [account("0xaa", "first")]);

  test("answers follow the store and the variables, as executeQuery's", async () => {
    const server = await startGraphqlServer({
      subgraphs: { repeat: { store, schema } },
      subscriptions: false,
    });
    const post = async (text: string) => {
      const response = await fetch(server.httpUrl("repeat"), {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: text,
      });
      assert.equal(response.status, 200);
      return response.text();
    };
    const expected = (variables: Record<string, unknown> | null) =>
      JSON.stringify(executeQuery(store, schema, BY_ID, variables));
    try {
      const text = body(BY_ID, { id: "0xaa" });
      assert.equal(await post(text), expected({ id: "0xaa" }));
      assert.match(await post(text), /"label":"first"/);
      store.applyBlock(block(2), [account("0xaa", "second")]);
      assert.equal(await post(text), expected({ id: "0xaa" }));
      assert.match(await post(text), /"label":"second"/);
      assert.equal(await post(body(BY_ID, { id: "0xbb" })), JSON.stringify({ data: { account: null } }));
      assert.equal(await post(body(BY_ID, null)), expected(null));
      assert.equal(await post(body(BY_ID, null)), expected(null));
    } finally {
      await server.close();
    }
  });
});

describe("a prepared document run again is lifted and grouped once, with the same answers", () => {
  const api = apiSchemaFor(schema);
  const limits = limitsWith({});
  const store = openSqliteStore({ file: tmp.file("groups.sqlite"), schema, deployment: "groups" });
  after(() => store.close());
  store.applyBlock(block(1), [account("0xaa", "first")]);
  store.applyBlock(block(2), [account("0xaa", "second")]);
  const prepared = (query: string) => {
    const preparation = prepareQuery(api, query, null, limits, { subscriptions: false });
    assert.ok("document" in preparation, query);
    return preparation.document;
  };

  test("liftFilters gives the same lifted document for the same document", () => {
    const document = prepared(`{ accounts(where: { label: "second" }) { id } }`);
    const lifted = liftFilters(api.schema, document);
    assert.notEqual(lifted, document, "the where is lifted out");
    assert.equal(liftFilters(api.schema, document), lifted);
  });

  test("runByGroups runs the same group documents each time, answering each run", () => {
    const document = prepared(
      `{ now: account(id: "0xaa") { label } then: account(id: "0xaa", block: { number: 1 }) { label } }`,
    );
    const runs: unknown[][] = [[], []];
    for (const seen of runs) {
      const result = runByGroups(document, (group) => {
        seen.push(group);
        return runDocument(api, store, group, limits);
      });
      assert.deepEqual(JSON.parse(JSON.stringify(result)), {
        data: { now: { label: "second" }, then: { label: "first" } },
      });
    }
    assert.equal(runs[0]!.length, 2, "two block groups");
    assert.deepEqual(runs[1], runs[0]);
    assert.equal(runs[1]![0], runs[0]![0]);
    assert.equal(runs[1]![1], runs[0]![1]);
  });

  test("a group mixing `_logs` with entities is refused on every run", () => {
    const document = prepared(`{ _logs { text } accounts { id } }`);
    for (let run = 0; run < 2; run++)
      assert.deepEqual(
        runByGroups(document, () => assert.fail("a refused group is not run")).errors?.map(
          (error) => error.message,
        ),
        ["The _logs query cannot be combined with other entity queries in the same request"],
      );
  });
});
