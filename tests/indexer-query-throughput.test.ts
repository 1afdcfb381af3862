// Issue 12's query throughput work keeps answers the same: an entity read by id (alone or in an
// `id IN` list) finds its visible version through the index alone, however many older versions it
// has, and the HTTP answer is the JSON of executeQuery's result, byte for byte.
import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import Database from "better-sqlite3";
import { executeQuery, executeQueryJson } from "../indexer/graphql/execute.ts";
import { startGraphqlServer } from "../indexer/graphql/server.ts";
import { selectedColumns } from "../indexer/store/column-selection.ts";
import { openSqliteStore } from "../indexer/store/index.ts";
import { compileEntityQuery, compileEntityRead } from "../indexer/store/query-sql.ts";
import { tableLayouts } from "../indexer/store/table-layout.ts";
import {
  account,
  block,
  fixtureSchema,
  removal,
  temporaryDirectory,
  token,
} from "./fixtures/indexer-fixture.ts";

const schema = fixtureSchema();
const tmp = temporaryDirectory();
after(() => tmp.cleanup());

/** Account 0xaa relabelled at blocks 1..30, removed at 31, back at 33; 0xbb written once at 1. */
function versionedStore(name: string) {
  const file = tmp.file(`${name}.sqlite`);
  const store = openSqliteStore({ file, schema, deployment: name });
  store.applyBlock(block(1), [account("0xaa", "v1"), account("0xbb", "Bob"), token("t1", { owner: "0xaa" })]);
  for (let n = 2; n <= 30; n++) store.applyBlock(block(n), [account("0xaa", `v${n}`)]);
  store.applyBlock(block(31), [removal("Account", "0xaa")]);
  store.applyBlock(block(32), [token("t1", { owner: "0xbb" })]);
  store.applyBlock(block(33), [account("0xaa", "back")]);
  return { file, store };
}

/** What 0xaa's label is at `n`, as written above (null: not there). */
function labelAt(n: number): string | null {
  if (n <= 30) return `v${n}`;
  return n >= 33 ? "back" : null;
}

describe("an entity read by id finds its visible version through the index alone", () => {
  const { file, store } = versionedStore("versions");
  after(() => store.close());
  const layout = tableLayouts(schema).get("Account")!;

  test("reads by id and by `id IN` at every block answer the version visible there", () => {
    for (let n = 1; n <= 34; n++) {
      const expected = labelAt(n);
      assert.deepEqual(
        store.findEntity("Account", "0xaa", n, ["label"]),
        expected === null ? null : { id: "0xaa", label: expected },
        `findEntity at block ${n}`,
      );
      const listed = store.findEntities({
        entity: "Account",
        block: n,
        filter: { kind: "in", field: "id", negated: false, values: ["0xbb", "0xaa", "0xcc", "0xaa"] },
        order: { field: "id", direction: "asc" },
        first: 10,
        skip: 0,
        fields: ["label"],
      });
      assert.deepEqual(
        listed,
        [...(expected === null ? [] : [{ id: "0xaa", label: expected }]), { id: "0xbb", label: "Bob" }],
        `id IN at block ${n}`,
      );
      const answer = executeQuery(
        store,
        schema,
        `{ tokens(block: { number: ${Math.min(n, 33)} }) { owner { label } } }`,
      );
      const owner = n >= 32 ? "Bob" : labelAt(n);
      assert.deepEqual(answer, { data: { tokens: [{ owner: owner === null ? null : { label: owner } }] } });
    }
  });

  test("the version is found in the (id, block_from) index, not by reading every version's row", () => {
    const db = new Database(file, { readonly: true });
    try {
      const plan = (sql: string, params: Record<string, unknown>) =>
        (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(params) as { detail: string }[])
          .map((step) => step.detail)
          .join("\n");
      const byId = compileEntityRead(layout, selectedColumns(layout, ["label"]));
      assert.match(
        plan(byId, { id: Buffer.from("aa", "hex"), block: 5 }),
        /USING COVERING INDEX entity_Account_id \(id=\? AND block_from<\?\)/,
      );
      const inList = compileEntityQuery(schema, tableLayouts(schema), {
        entity: "Account",
        block: 5,
        filter: { kind: "in", field: "id", negated: false, values: ["0xaa"] },
        order: { field: "id", direction: "asc" },
        first: 10,
        skip: 0,
        fields: ["label"],
      });
      assert.match(
        plan(inList.sql, inList.params),
        /USING COVERING INDEX entity_Account_id \(id=\? AND block_from<\?\)/,
      );
    } finally {
      db.close();
    }
  });
});

describe("the HTTP answer is executeQuery's result as JSON, built without a plain-object copy", () => {
  const { store } = versionedStore("answers");
  after(() => store.close());
  const requests: [string, Record<string, unknown> | null][] = [
    [`{ accounts(orderBy: label) { id label tokens { id owner { label } } } }`, null],
    [`query($id: Bytes!) { account(id: $id) { label sent { id } } }`, { id: "0xaa" }],
    [`query($id: Bytes!) { account(id: $id, block: { number: 31 }) { label } }`, { id: "0xaa" }],
    [`{ _meta { block { number hash } hasIndexingErrors } tokens(first: 0) { id } }`, null],
    [`{ tokens(first: 2000) { id } }`, null],
    [`{ tokens { nope } }`, null],
    [`{ tokens(block: { number: 99 }) { id } accounts { id } }`, null],
    [`query($id: ID!) { token(id: $id) { id } }`, null],
    [`{ tokens { id`, null],
  ];

  test("executeQueryJson gives JSON.stringify(executeQuery(...)) for data, errors and refusals", () => {
    for (const [query, variables] of requests)
      assert.equal(
        executeQueryJson(store, schema, query, variables),
        JSON.stringify(executeQuery(store, schema, query, variables)),
        query,
      );
  });

  test("the server answers with that text", async () => {
    const server = await startGraphqlServer({
      subgraphs: { versions: { store, schema } },
      subscriptions: false,
    });
    try {
      for (const [query, variables] of requests) {
        const response = await fetch(server.httpUrl("versions"), {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ query, variables }),
        });
        assert.equal(response.status, 200);
        assert.equal(
          await response.text(),
          JSON.stringify(executeQuery(store, schema, query, variables)),
          query,
        );
      }
    } finally {
      await server.close();
    }
  });
});
