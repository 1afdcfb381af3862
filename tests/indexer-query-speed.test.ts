// The query path's speed-ups keep answers the same: prepared documents cached by query text (each
// request still gets its own variables; a different text is never confused; the cache is bounded),
// and nested entity references fetched once per level for all parents rather than once per parent.
import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import { apiSchemaFor } from "../indexer/graphql/api-schema.ts";
import { parse, print } from "graphql";
import { executeQuery } from "../indexer/graphql/execute.ts";
import { liftFilters } from "../indexer/graphql/lifted-filters.ts";
import { LruCache } from "../indexer/graphql/lru-cache.ts";
import { cachedDocumentCount } from "../indexer/graphql/prepare-query.ts";
import type { QueryableStore } from "../indexer/store/entity-query.ts";
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
after(() => tmp.cleanup());

function seededStore(name: string): QueryableStore {
  const store = openSqliteStore({ file: tmp.file(`${name}.sqlite`), schema, deployment: name });
  store.applyBlock(block(1), [
    account("0xaa", "Alice"),
    account("0xbb", "Bob"),
    token("t1", { symbol: "ONE", owner: "0xaa" }),
    token("t2", { symbol: "TWO", owner: "0xbb" }),
    token("t3", { symbol: "THREE" }),
  ]);
  store.applyBlock(block(2), [
    transfer("x1", "t1", "0xaa", 1n),
    transfer("x2", "t1", "0xbb", 2n),
    transfer("x3", "t2", "0xaa", 3n),
    transfer("x4", "t3", "0xbb", 4n),
  ]);
  return store;
}

/** The store with a count of its entity reads (getEntity and findEntities calls). */
function counted(store: QueryableStore): { store: QueryableStore; reads: () => number } {
  let reads = 0;
  const proxy = new Proxy(store, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver) as unknown;
      if (typeof value !== "function") return value;
      if (property === "getEntity" || property === "findEntities")
        return (...args: unknown[]) => {
          reads++;
          return (value as (...args: unknown[]) => unknown).apply(target, args);
        };
      return (value as (...args: unknown[]) => unknown).bind(target);
    },
  });
  return { store: proxy, reads: () => reads };
}

describe("prepared documents cached by query text", () => {
  const store = seededStore("cache");
  after(() => store.close());
  const api = apiSchemaFor(schema);
  const TOKEN = `query Token($id: ID!, $withOwner: Boolean!) {
    token(id: $id) { symbol owner @include(if: $withOwner) { label } }
  }`;

  test("one cached document answers each request with that request's variables", () => {
    const before = cachedDocumentCount(api);
    assert.deepEqual(executeQuery(store, schema, TOKEN, { id: "t1", withOwner: true }), {
      data: { token: { symbol: "ONE", owner: { label: "Alice" } } },
    });
    assert.deepEqual(executeQuery(store, schema, TOKEN, { id: "t2", withOwner: false }), {
      data: { token: { symbol: "TWO" } },
    });
    assert.deepEqual(executeQuery(store, schema, TOKEN, { id: "t2", withOwner: true }), {
      data: { token: { symbol: "TWO", owner: { label: "Bob" } } },
    });
    // Variables are still checked per request against the cached document.
    assert.deepEqual(
      executeQuery(store, schema, TOKEN, { withOwner: true }).errors?.[0]?.message,
      "No value provided for required variable `id`",
    );
    assert.equal(cachedDocumentCount(api), before + 1);
  });

  test("a different text is a different document, and refusals are kept per text", () => {
    const symbol = executeQuery(store, schema, `{ token(id: "t1") { symbol } }`);
    const label = executeQuery(store, schema, `{ token(id: "t1") { owner { label } } }`);
    assert.deepEqual(symbol, { data: { token: { symbol: "ONE" } } });
    assert.deepEqual(label, { data: { token: { owner: { label: "Alice" } } } });
    for (let round = 0; round < 2; round++) {
      assert.deepEqual(
        executeQuery(store, schema, `{ token(id: "t1") { nope } }`).errors?.[0]?.message,
        "Type `Token` has no field `nope`",
      );
      assert.match(String(executeQuery(store, schema, `{ token(id: `).errors?.[0]?.message), /Syntax Error/);
    }
    assert.deepEqual(executeQuery(store, schema, `{ token(id: "t1") { symbol } }`), symbol);
  });

  test("the cache holds at most its bound, dropping the least recently used text", () => {
    const cache = new LruCache<string, number>(2);
    cache.set("a", 1);
    cache.set("b", 2);
    assert.equal(cache.get("a"), 1); // "a" is now the most recently used
    cache.set("c", 3);
    assert.equal(cache.size, 2);
    assert.equal(cache.get("b"), undefined);
    assert.deepEqual([cache.get("a"), cache.get("c")], [1, 3]);
    assert.throws(() => new LruCache(0), /bound must be a whole number of at least 1, got 0/);
  });
});

describe("nested entity references fetched once per level", () => {
  const store = seededStore("batch");
  after(() => store.close());

  test("N parents' references take one store read per level, with the same answers", () => {
    const { store: countedStore, reads } = counted(store);
    const result = executeQuery(
      countedStore,
      schema,
      `{ transfers { id token { symbol owner { label } } from { label } } }`,
    );
    assert.deepEqual(result, {
      data: {
        transfers: [
          { id: "x1", token: { symbol: "ONE", owner: { label: "Alice" } }, from: { label: "Alice" } },
          { id: "x2", token: { symbol: "ONE", owner: { label: "Alice" } }, from: { label: "Bob" } },
          { id: "x3", token: { symbol: "TWO", owner: { label: "Bob" } }, from: { label: "Alice" } },
          { id: "x4", token: { symbol: "THREE", owner: null }, from: { label: "Bob" } },
        ],
      },
    });
    // The transfers, their tokens, their senders: three reads, not 1 + 4 + 4 + 3 (one per parent).
    // The tokens' owners were all read as senders at the same block already.
    assert.equal(reads(), 3);
  });

  test("the entity limit still counts every entity returned", () => {
    const result = executeQuery(store, schema, `{ transfers { token { symbol } } }`, null, {
      limits: { maxEntities: 6 },
    });
    assert.match(String(result.errors?.[0]?.message), /more than 6 entities/);
  });
});

describe("where literals read by the host rather than graphql-js", () => {
  const store = seededStore("lift");
  after(() => store.close());
  const api = apiSchemaFor(schema);

  test("the executed document has no where literal, and filters answer as before", () => {
    const query = `{
      tokens(where: { symbol_in: ["ONE", "THREE", "TWO"], owner_: { label_not: "Bob" } }) { id }
      accounts(where: { or: [{ label: "Bob" }, { label: null }] }) { id tokens(where: { symbol_not: "ONE" }) { id } }
      transfers(where: null, orderBy: amount, orderDirection: desc, first: 2) { id }
    }`;
    const lifted = print(liftFilters(api.schema, parse(query)));
    assert.doesNotMatch(lifted, /where: \{/);
    assert.match(lifted, /transfers\(where: null/);
    assert.deepEqual(executeQuery(store, schema, query), {
      data: {
        tokens: [{ id: "t1" }],
        accounts: [{ id: "0xbb", tokens: [{ id: "t2" }] }],
        transfers: [{ id: "x4" }, { id: "x3" }],
      },
    });
  });
});
