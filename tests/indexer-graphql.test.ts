// The indexer's graph-node compatible GraphQL API over a real SQLite store: filters, ordering,
// limits, time travel, _meta, derived fields, the failed-subgraph policy, and the HTTP and
// graphql-ws server on 127.0.0.1 (including a subscription resumed after a reconnect).
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { createClient, type Client } from "graphql-ws";
import WebSocket from "ws";
import { executeQuery, startGraphqlServer, type GraphqlServer } from "../indexer/graphql/index.ts";
import { rootFieldNames } from "../indexer/graphql/names.ts";
import { openSqliteStore } from "../indexer/store/index.ts";
import type { QueryableStore } from "../indexer/store/entity-query.ts";
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
let files = 0;

function newStore(deployment: string): QueryableStore {
  return openSqliteStore({ file: tmp.file(`api-${files++}.sqlite`), schema, deployment });
}

/**
 * Blocks 1-3 of the data set the queries below read:
 *   t1 ALPHA  "Alpha Coin"  decimals 18  supply 2^256  price 1.5    Open    code 0x0102    tags [a, b]
 *   t2 beta   null          decimals 6   supply -5     price -0.25  Closed  code 0x0203ff  tags [B]
 *   t3 Gamma  "gamma token" decimals 0   supply 0      price null   Open    code null      tags []
 *   t4 delta  "Delta"       decimals 8   supply 10^30  price 100    Open    code 0xff      tags [a, c]
 * t4 is active until block 3; account 0xaa is "Alice" until block 3, then "Alice2".
 */
function seed(store: QueryableStore): void {
  store.applyBlock(block(1), [
    account("0xaa", "Alice"),
    account("0xbb", "bob"),
    token("t1", {
      symbol: "ALPHA",
      name: "Alpha Coin",
      decimals: 18,
      supply: 2n ** 256n,
      price: "1.5",
      code: "0x0102",
      created: 1000n,
      nonce: 2n ** 62n,
      tags: ["a", "b"],
      owner: "0xaa",
      holders: ["0xaa", "0xbb"],
    }),
    token("t2", {
      symbol: "beta",
      decimals: 6,
      supply: -5n,
      price: "-0.25",
      active: false,
      status: "Closed",
      code: "0x0203ff",
      created: 2000n,
      nonce: -3n,
      tags: ["B"],
      owner: "0xbb",
      holders: [],
    }),
  ]);
  store.applyBlock(block(2), [
    token("t3", { symbol: "Gamma", name: "gamma token", decimals: 0, created: 3000n }),
    token("t4", {
      symbol: "delta",
      name: "Delta",
      decimals: 8,
      supply: 10n ** 30n,
      price: "100",
      code: "0xff",
      created: 4000n,
      nonce: 7n,
      tags: ["a", "c"],
      owner: "0xaa",
      holders: ["0xbb"],
    }),
    transfer("x1", "t1", "0xaa", 10n),
    transfer("x2", "t1", "0xbb", 20n),
    transfer("x3", "t2", "0xaa", 5n),
    transfer("x4", "t4", "0xbb", 1000n),
  ]);
  store.applyBlock(block(3), [
    token("t4", {
      symbol: "delta",
      name: "Delta",
      decimals: 8,
      supply: 10n ** 30n,
      price: "100",
      active: false,
      code: "0xff",
      created: 4000n,
      nonce: 7n,
      tags: ["a", "c"],
      owner: "0xaa",
      holders: ["0xbb"],
    }),
    account("0xaa", "Alice2"),
  ]);
}

type Json = Record<string, unknown>;

function query(store: QueryableStore, text: string, variables?: Json) {
  return executeQuery(store, schema, text, variables);
}

/** The data of a query that must succeed. */
function data(store: QueryableStore, text: string, variables?: Json): Json {
  const result = query(store, text, variables);
  assert.equal(result.errors, undefined, `unexpected errors: ${JSON.stringify(result.errors)}`);
  return result.data as Json;
}

function ids(store: QueryableStore, where: string, extra = ""): string[] {
  const result = data(store, `{ tokens(where: ${where} ${extra}) { id } }`);
  return (result.tokens as { id: string }[]).map((entity) => entity.id);
}

function errorMessages(store: QueryableStore, text: string): string {
  const result = query(store, text);
  assert.ok(result.errors && result.errors.length > 0, `expected errors for ${text}`);
  return result.errors.map((error) => error.message).join("\n");
}

describe("queries", () => {
  const store = newStore("QmQueries");
  before(() => seed(store));
  after(() => store.close());

  test("root field names follow graph-node's camelCase and plural rules", () => {
    assert.deepEqual(rootFieldNames("Token"), { singular: "token", plural: "tokens" });
    assert.deepEqual(rootFieldNames("TokenBalance"), { singular: "tokenBalance", plural: "tokenBalances" });
    assert.deepEqual(rootFieldNames("Status"), { singular: "status", plural: "statuses" });
    assert.deepEqual(rootFieldNames("Entry"), { singular: "entry", plural: "entries" });
    assert.deepEqual(rootFieldNames("Series"), { singular: "series", plural: "series_collection" });
  });

  test("values serialise like graph-node: big numbers as strings, Bytes as 0x-hex", () => {
    const result = data(
      store,
      `{ token(id: "t1") { id symbol name decimals supply price active status code created nonce tags } }`,
    );
    assert.deepEqual(result.token, {
      id: "t1",
      symbol: "ALPHA",
      name: "Alpha Coin",
      decimals: 18,
      supply: (2n ** 256n).toString(),
      price: "1.5",
      active: true,
      status: "Open",
      code: "0x0102",
      created: "1000",
      nonce: (2n ** 62n).toString(),
      tags: ["a", "b"],
    });
    assert.deepEqual(data(store, `{ token(id: "nope") { id } }`), { token: null });
  });

  test("every String filter suffix", () => {
    const cases: [string, string[]][] = [
      [`{ symbol: "beta" }`, ["t2"]],
      [`{ symbol_not: "beta" }`, ["t1", "t3", "t4"]],
      [`{ symbol_gt: "Gamma" }`, ["t2", "t4"]],
      [`{ symbol_lt: "Gamma" }`, ["t1"]],
      [`{ symbol_gte: "Gamma" }`, ["t2", "t3", "t4"]],
      [`{ symbol_lte: "Gamma" }`, ["t1", "t3"]],
      [`{ symbol_in: ["beta", "delta", "zeta"] }`, ["t2", "t4"]],
      [`{ symbol_not_in: ["beta", "delta"] }`, ["t1", "t3"]],
      [`{ symbol_contains: "ta" }`, ["t2", "t4"]],
      [`{ symbol_contains_nocase: "A" }`, ["t1", "t2", "t3", "t4"]],
      [`{ symbol_not_contains: "a" }`, ["t1"]],
      [`{ symbol_not_contains_nocase: "L" }`, ["t2", "t3"]],
      [`{ symbol_starts_with: "G" }`, ["t3"]],
      [`{ symbol_starts_with_nocase: "g" }`, ["t3"]],
      [`{ symbol_not_starts_with: "A" }`, ["t2", "t3", "t4"]],
      [`{ symbol_not_starts_with_nocase: "a" }`, ["t2", "t3", "t4"]],
      [`{ symbol_ends_with: "ta" }`, ["t2", "t4"]],
      [`{ symbol_ends_with_nocase: "HA" }`, ["t1"]],
      [`{ symbol_not_ends_with: "a" }`, ["t1"]],
      [`{ symbol_not_ends_with_nocase: "A" }`, []],
      [`{ name: null }`, ["t2"]],
      [`{ name_not: null }`, ["t1", "t3", "t4"]],
      [`{ name_contains: "o" }`, ["t1", "t3"]],
    ];
    for (const [where, expected] of cases) assert.deepEqual(ids(store, where), expected, where);
  });

  test("numeric, Bytes, Boolean, enum, ID and Timestamp filter suffixes", () => {
    const cases: [string, string[]][] = [
      [`{ decimals: 6 }`, ["t2"]],
      [`{ decimals_not: 6 }`, ["t1", "t3", "t4"]],
      [`{ decimals_gt: 6 }`, ["t1", "t4"]],
      [`{ decimals_lt: 6 }`, ["t3"]],
      [`{ decimals_gte: 8 }`, ["t1", "t4"]],
      [`{ decimals_lte: 8 }`, ["t2", "t3", "t4"]],
      [`{ decimals_in: [0, 18] }`, ["t1", "t3"]],
      [`{ decimals_not_in: [0, 18] }`, ["t2", "t4"]],
      [`{ supply_gt: "1000000000000000000000000000000" }`, ["t1"]],
      [`{ supply_gte: "1000000000000000000000000000000" }`, ["t1", "t4"]],
      [`{ supply_lt: 0 }`, ["t2"]],
      [`{ supply: "${2n ** 256n}" }`, ["t1"]],
      [`{ supply_in: ["-5", "0"] }`, ["t2", "t3"]],
      [`{ supply_not_in: ["-5", "0"] }`, ["t1", "t4"]],
      [`{ price_gt: "1.25" }`, ["t1", "t4"]],
      [`{ price_lte: "1.50" }`, ["t1", "t2"]],
      [`{ price_not: "100" }`, ["t1", "t2"]],
      [`{ nonce_lt: 0 }`, ["t2"]],
      [`{ nonce_gte: "${2n ** 62n}" }`, ["t1"]],
      [`{ created_lte: "2000" }`, ["t1", "t2"]],
      // Timestamp inputs are strings only, as on graph-node (see indexer-parity-requests.test.ts).
      [`{ created_in: ["3000", "4000"] }`, ["t3", "t4"]],
      [`{ code: "0x0102" }`, ["t1"]],
      [`{ code_not: "0x0102" }`, ["t2", "t4"]],
      [`{ code_gt: "0x0102" }`, ["t2", "t4"]],
      [`{ code_lt: "0x0203ff" }`, ["t1"]],
      [`{ code_contains: "0x03ff" }`, ["t2"]],
      [`{ code_contains: "0x02" }`, ["t1", "t2"]],
      [`{ code_not_contains: "0x02" }`, ["t4"]],
      [`{ code_in: ["0xFF", "0x0102"] }`, ["t1", "t4"]],
      [`{ active: true }`, ["t1", "t3"]],
      [`{ active_not: true }`, ["t2", "t4"]],
      [`{ active_in: [false] }`, ["t2", "t4"]],
      [`{ active_not_in: [false] }`, ["t1", "t3"]],
      [`{ status: Closed }`, ["t2"]],
      [`{ status_not: Closed }`, ["t1", "t3", "t4"]],
      [`{ status_in: [Closed] }`, ["t2"]],
      [`{ status_not_in: [Closed] }`, ["t1", "t3", "t4"]],
      [`{ id: "t3" }`, ["t3"]],
      [`{ id_gt: "t2" }`, ["t3", "t4"]],
      [`{ id_in: ["t4", "t1", "t9"] }`, ["t1", "t4"]],
      [`{ id_not_in: ["t4", "t1"] }`, ["t2", "t3"]],
    ];
    for (const [where, expected] of cases) assert.deepEqual(ids(store, where), expected, where);
  });

  test("list and reference filters, child filters and derived child filters", () => {
    const cases: [string, string[]][] = [
      [`{ tags: ["a", "b"] }`, ["t1"]],
      [`{ tags_not: [] }`, ["t1", "t2", "t4"]],
      [`{ tags_contains: ["a"] }`, ["t1", "t4"]],
      [`{ tags_contains: ["a", "c"] }`, ["t4"]],
      [`{ tags_contains_nocase: ["b"] }`, ["t1", "t2"]],
      [`{ tags_not_contains: ["a"] }`, ["t2", "t3"]],
      [`{ tags_not_contains_nocase: ["B"] }`, ["t3", "t4"]],
      [`{ owner: "0xaa" }`, ["t1", "t4"]],
      [`{ owner_not: "0xaa" }`, ["t2"]],
      [`{ owner_in: ["0xbb", "0xcc"] }`, ["t2"]],
      [`{ owner: null }`, ["t3"]],
      [`{ owner_contains: "bb" }`, ["t2"]],
      [`{ holders_contains: ["0xbb"] }`, ["t1", "t4"]],
      [`{ holders_not_contains: ["0xaa"] }`, ["t2", "t4"]],
      [`{ owner_: { label_starts_with: "Alice" } }`, ["t1", "t4"]],
      [`{ holders_: { label: "bob" } }`, ["t1", "t4"]],
      [`{ transfers_: { amount_gt: "15" } }`, ["t1", "t4"]],
      [`{ transfers_: { from: "0xaa" } }`, ["t1", "t2"]],
    ];
    for (const [where, expected] of cases) assert.deepEqual(ids(store, where), expected, where);
    const accounts = data(store, `{ accounts(where: { tokens_: { symbol: "beta" } }) { id } }`);
    assert.deepEqual(accounts.accounts, [{ id: "0xbb" }]);
    assert.match(
      errorMessages(store, `{ tokens(where: { owner_: { tokens_: { symbol: "x" } } }) { id } }`),
      /Child filter nesting not supported/,
    );
  });

  test("and, or, and the rule against mixing or with column filters", () => {
    assert.deepEqual(ids(store, `{ and: [{ decimals_gt: 0 }, { active: false }] }`), ["t2", "t4"]);
    assert.deepEqual(ids(store, `{ or: [{ symbol: "ALPHA" }, { supply_lt: 0 }] }`), ["t1", "t2"]);
    assert.deepEqual(ids(store, `{ or: [{ and: [{ status: Open }, { active: true }] }, { decimals: 6 }] }`), [
      "t1",
      "t2",
      "t3",
    ]);
    assert.match(
      errorMessages(store, `{ tokens(where: { decimals: 6, or: [{ symbol: "x" }] }) { id } }`),
      /Cannot mix column filters with 'or' operator/,
    );
  });

  test("_change_block selects what changed at or after a block", () => {
    assert.deepEqual(ids(store, `{ _change_block: { number_gte: 2 } }`), ["t3", "t4"]);
    assert.deepEqual(ids(store, `{ _change_block: { number_gte: 3 } }`), ["t4"]);
    assert.deepEqual(ids(store, `{ _change_block: { number_gte: 4 } }`), []);
    assert.deepEqual(ids(store, `{ _change_block: { number_gte: 0 }, decimals_gt: 6 }`), ["t1", "t4"]);
  });

  test("orderBy and orderDirection, on BigInt, BigDecimal with nulls, and a referenced entity's field", () => {
    const order = (by: string, direction = "asc") =>
      (
        data(store, `{ tokens(orderBy: ${by}, orderDirection: ${direction}) { id } }`).tokens as {
          id: string;
        }[]
      ).map((entity) => entity.id);
    assert.deepEqual(order("supply"), ["t2", "t3", "t4", "t1"]);
    assert.deepEqual(order("supply", "desc"), ["t1", "t4", "t3", "t2"]);
    assert.deepEqual(order("price"), ["t2", "t1", "t4", "t3"], "nulls last ascending");
    assert.deepEqual(order("price", "desc"), ["t3", "t4", "t1", "t2"], "nulls first descending");
    assert.deepEqual(order("symbol"), ["t1", "t3", "t2", "t4"]);
    assert.deepEqual(order("nonce"), ["t2", "t3", "t4", "t1"]);
    assert.deepEqual(order("code", "desc"), ["t3", "t4", "t2", "t1"]);
    assert.deepEqual(order("owner__label"), ["t1", "t4", "t2", "t3"], "ties by id");
    assert.deepEqual(order("id", "desc"), ["t4", "t3", "t2", "t1"]);
    assert.deepEqual(
      (data(store, `{ tokens { id } }`).tokens as { id: string }[]).map((entity) => entity.id),
      ["t1", "t2", "t3", "t4"],
      "by id ascending by default",
    );
  });

  test("first and skip, and their limits", () => {
    const page = data(store, `{ tokens(first: 2, skip: 1) { id } }`);
    assert.deepEqual(page.tokens, [{ id: "t2" }, { id: "t3" }]);
    assert.match(
      errorMessages(store, `{ tokens(first: 1001) { id } }`),
      /The `first` argument must be between 0 and 1000, but is 1001/,
    );
    // first: 0 and skip's (absent) limit: see indexer-graph-node-parity.test.ts.
    assert.match(errorMessages(store, `{ tokens(first: -1) { id } }`), /between 0 and 1000, but is -1/);
    assert.deepEqual(data(store, `{ tokens(first: 1000) { id } }`).tokens, [
      { id: "t1" },
      { id: "t2" },
      { id: "t3" },
      { id: "t4" },
    ]);
  });

  test("the depth limit and the per-query entity limit", () => {
    const deep = `{ tokens { owner { tokens { owner { tokens { owner { tokens { owner { tokens { owner { tokens { owner { tokens { owner { tokens { owner { tokens { owner { tokens { owner { tokens { owner { tokens { owner { tokens { id } } } } } } } } } } } } } } } } } } } } } } } } } }`;
    assert.match(errorMessages(store, deep), /query has a depth that exceeds the limit of `24`/);
    const limited = executeQuery(store, schema, `{ tokens { id holders { id } } }`, null, {
      limits: { maxEntities: 5 },
    });
    assert.match(JSON.stringify(limited.errors), /returns more than 5 entities/);
    const fits = executeQuery(store, schema, `{ tokens { id } }`, null, { limits: { maxEntities: 5 } });
    assert.equal(fits.errors, undefined);
  });

  test("unknown fields, bad values and bad filter keys are errors (graph-node's texts: indexer-parity-requests.test.ts)", () => {
    assert.match(errorMessages(store, `{ tokens { nope } }`), /Type `Token` has no field `nope`/);
    assert.match(
      errorMessages(store, `{ tokens(where: { nope: 1 }) { id } }`),
      /Invalid value provided for argument `where`/,
    );
    assert.match(errorMessages(store, `{ tokens(where: { supply: "1.5" }) { id } }`), /BigInt/);
    assert.match(
      errorMessages(store, `{ tokens(where: { code: "0x1" }) { id } }`),
      /even number of hex digits/,
    );
    assert.match(errorMessages(store, `{ tokens { id`), /Syntax Error/);
    assert.match(errorMessages(store, `mutation { tokens { id } }`), /mutation/i);
  });

  test("variables; operationName is not read, as on graph-node", () => {
    const text = `query A($min: BigInt!) { tokens(where: { supply_gt: $min }) { id } }`;
    const result = executeQuery(store, schema, text, { min: "0" }, { operationName: "B" });
    assert.deepEqual(result.data, { tokens: [{ id: "t1" }, { id: "t4" }] });
  });

  test("time travel by block number, hash and number_gte, applied to nested fields", () => {
    const at = (block: string) =>
      data(store, `{ token(id: "t4", block: ${block}) { active owner { label tokens { id } } } }`).token;
    const atTwo = { active: true, owner: { label: "Alice", tokens: [{ id: "t1" }, { id: "t4" }] } };
    assert.deepEqual(at(`{ number: 2 }`), atTwo);
    assert.deepEqual(at(`{ hash: "${block(2).hash}" }`), atTwo);
    assert.deepEqual(at(`{ number_gte: 3 }`), {
      active: false,
      owner: { label: "Alice2", tokens: [{ id: "t1" }, { id: "t4" }] },
    });
    assert.equal(at(`{ number: 1 }`), null);
    assert.deepEqual(data(store, `{ account(id: "0xAA", block: { number: 1 }) { tokens { id } } }`).account, {
      tokens: [{ id: "t1" }],
    });
    assert.match(
      errorMessages(store, `{ tokens(block: { number_gte: 4 }) { id } }`),
      /has only indexed up to block number 3 and data for block number 4 is therefore not yet available/,
    );
    assert.match(
      errorMessages(store, `{ tokens(block: { number: 9 }) { id } }`),
      /block number 9 is therefore not yet available/,
    );
    assert.match(
      errorMessages(store, `{ tokens(block: { hash: "0x1234" }) { id } }`),
      /no block with that hash found/,
    );
  });

  test("_meta reports the block, the deployment and the indexing errors", () => {
    assert.deepEqual(
      data(store, `{ _meta { block { number hash timestamp parentHash } deployment hasIndexingErrors } }`),
      {
        _meta: {
          block: {
            number: 3,
            hash: block(3).hash,
            timestamp: block(3).timestamp,
            parentHash: block(3).parentHash,
          },
          deployment: "QmQueries",
          hasIndexingErrors: false,
        },
      },
    );
    assert.deepEqual(data(store, `{ _meta(block: { number: 1 }) { block { number hash } } }`), {
      _meta: { block: { number: 1, hash: null } },
    });
  });

  test("derived fields with their own first, skip, orderBy and where", () => {
    const result = data(
      store,
      `{ token(id: "t1") {
          all: transfers { id amount from { label } }
          top: transfers(orderBy: amount, orderDirection: desc, first: 1) { id }
          rest: transfers(skip: 1) { id }
          big: transfers(where: { amount_gt: "15" }) { id }
        }
        account(id: "0xbb") { sent(orderBy: token__symbol) { id token { symbol } } tokens { id } } }`,
    );
    assert.deepEqual(result.token, {
      all: [
        { id: "x1", amount: "10", from: { label: "Alice2" } },
        { id: "x2", amount: "20", from: { label: "bob" } },
      ],
      top: [{ id: "x2" }],
      rest: [{ id: "x2" }],
      big: [{ id: "x2" }],
    });
    assert.deepEqual(result.account, {
      sent: [
        { id: "x2", token: { symbol: "ALPHA" } },
        { id: "x4", token: { symbol: "delta" } },
      ],
      tokens: [{ id: "t2" }],
    });
    const holders = data(store, `{ token(id: "t1") { holders(where: { label: "bob" }) { id } } }`);
    assert.deepEqual(holders.token, { holders: [{ id: "0xbb" }] });
  });
});

describe("a failed subgraph", () => {
  const store = newStore("QmFailed");
  before(() => {
    seed(store);
    store.setFailed({ message: "mapping aborted", block: block(4) });
  });
  after(() => store.close());

  test("withholds data by default (subgraphError: deny), as graph-node does", () => {
    assert.deepEqual(query(store, `{ tokens { id } }`), { errors: [{ message: "indexing_error" }] });
    assert.deepEqual(query(store, `{ tokens(subgraphError: deny) { id } }`), {
      errors: [{ message: "indexing_error" }],
    });
    assert.deepEqual(query(store, `{ tokens(first: 1) { id } _meta { hasIndexingErrors } }`), {
      data: { _meta: { hasIndexingErrors: true } },
      errors: [{ message: "indexing_error" }],
    });
  });

  test("serves data with subgraphError: allow, and _meta alone without an error", () => {
    assert.deepEqual(query(store, `{ tokens(first: 2, subgraphError: allow) { id } }`), {
      data: { tokens: [{ id: "t1" }, { id: "t2" }] },
      errors: [{ message: "indexing_error" }],
    });
    assert.deepEqual(query(store, `{ _meta { block { number } hasIndexingErrors } }`), {
      data: { _meta: { block: { number: 4 }, hasIndexingErrors: true } },
    });
  });

  test("serves blocks before the failure without an error", () => {
    assert.deepEqual(query(store, `{ tokens(first: 1, block: { number: 3 }) { id } }`), {
      data: { tokens: [{ id: "t1" }] },
    });
    assert.deepEqual(data(store, `{ _meta(block: { number: 3 }) { hasIndexingErrors } }`), {
      _meta: { hasIndexingErrors: false },
    });
    // Fields at different blocks: only those at or after the failure are affected.
    assert.deepEqual(
      query(store, `{ before: tokens(first: 1, block: { number: 3 }) { id } _meta { hasIndexingErrors } }`),
      {
        data: { before: [{ id: "t1" }], _meta: { hasIndexingErrors: true } },
      },
    );
  });
});

test("a store that has not indexed a block answers with an error, not a crash", () => {
  const store = newStore("QmEmpty");
  assert.match(errorMessages(store, `{ tokens { id } }`), /has not started syncing yet/);
  store.close();
  const closed = query(store, `{ tokens { id } }`);
  assert.match(JSON.stringify(closed.errors), /internal error/);
});

describe("the server", () => {
  const store = newStore("QmServer");
  let server: GraphqlServer;
  const clients: Client[] = [];

  before(async () => {
    seed(store);
    server = await startGraphqlServer({ subgraphs: { "mosaic/test": { store, schema } } });
  });
  after(async () => {
    await Promise.all(clients.map((client) => client.dispose()));
    await server.close();
    store.close();
  });

  function wsClient(): Client {
    const client = createClient({
      url: server.wsUrl("mosaic/test"),
      webSocketImpl: WebSocket,
      retryAttempts: 0,
    });
    clients.push(client);
    return client;
  }

  test("answers POST and GET at /subgraphs/name/<name>", async () => {
    const text = `query($id: ID!) { token(id: $id) { symbol supply } }`;
    const post = await fetch(server.httpUrl("mosaic/test"), {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query: text, variables: { id: "t2" } }),
    });
    assert.equal(post.status, 200);
    assert.deepEqual(await post.json(), { data: { token: { symbol: "beta", supply: "-5" } } });

    const url = new URL(server.httpUrl("mosaic/test"));
    url.searchParams.set("query", text);
    url.searchParams.set("variables", JSON.stringify({ id: "t3" }));
    const get = await fetch(url);
    assert.equal(get.status, 200);
    assert.deepEqual(await get.json(), { data: { token: { symbol: "Gamma", supply: "0" } } });

    const byId = await fetch(server.httpUrl("mosaic/test").replace("/name/mosaic/test", "/id/QmServer"), {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query: "{ _meta { deployment } }" }),
    });
    assert.deepEqual(await byId.json(), { data: { _meta: { deployment: "QmServer" } } });
  });

  test("answers 404 for an unknown subgraph and 400 for a malformed request", async () => {
    const unknown = await fetch(server.httpUrl("nobody"), {
      method: "POST",
      body: JSON.stringify({ query: "{ _meta { deployment } }" }),
    });
    assert.equal(unknown.status, 404);
    assert.match(
      ((await unknown.json()) as { errors: { message: string }[] }).errors[0]?.message ?? "",
      /no subgraph/,
    );
    const badJson = await fetch(server.httpUrl("mosaic/test"), {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{",
    });
    assert.equal(badJson.status, 400);
    assert.match(JSON.stringify(await badJson.json()), /not valid JSON/);
    const noQuery = await fetch(server.httpUrl("mosaic/test"));
    assert.equal(noQuery.status, 400);
    const subscription = await fetch(server.httpUrl("mosaic/test"), {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query: "subscription { tokens { id } }" }),
    });
    assert.match(JSON.stringify(await subscription.json()), /serves them over WebSocket/);
  });

  test("subscriptions send the current result, then a new one after each block that changes what they read", async () => {
    const client = wsClient();
    const transfers = client.iterate({ query: `subscription { transfers(orderBy: id) { id amount } }` });
    const first = await transfers.next();
    assert.deepEqual(
      (first.value?.data?.transfers as Json[]).map((entity) => entity.id),
      ["x1", "x2", "x3", "x4"],
    );

    // A block that changes only tokens does not concern this subscription...
    store.applyBlock(block(4), [token("t5")]);
    await new Promise((resolve) => setTimeout(resolve, 150));
    // ...the next result is the one for the block with a transfer.
    store.applyBlock(block(5), [transfer("x5", "t5", "0xaa", 7n)]);
    const second = await transfers.next();
    assert.deepEqual(
      (second.value?.data?.transfers as Json[]).map((entity) => entity.id),
      ["x1", "x2", "x3", "x4", "x5"],
    );
    await transfers.return?.();
  });

  test("a subscriber that reconnects resumes with _change_block from the last block it saw", async () => {
    const live = `subscription($since: Int!) {
      tokens(where: { _change_block: { number_gte: $since } }) { id decimals }
      _meta { block { number } }
    }`;
    const first = wsClient();
    const updates = first.iterate({ query: live, variables: { since: 0 } });
    const initial = (await updates.next()).value?.data as {
      tokens: Json[];
      _meta: { block: { number: number } };
    };
    assert.deepEqual(
      initial.tokens.map((entity) => entity.id),
      ["t1", "t2", "t3", "t4", "t5"],
    );
    const lastSeen = initial._meta.block.number;
    assert.equal(lastSeen, store.latestBlock()?.number);
    await updates.return?.();
    await first.dispose();

    // While the subscriber is away, two blocks change t3 and add t6.
    store.applyBlock(block(lastSeen + 1), [token("t3", { decimals: 3 })]);
    store.applyBlock(block(lastSeen + 2), [token("t6", { decimals: 6 })]);

    const second = wsClient();
    const resumed = second.iterate({ query: live, variables: { since: lastSeen + 1 } });
    const catchUp = (await resumed.next()).value?.data as {
      tokens: Json[];
      _meta: { block: { number: number } };
    };
    assert.deepEqual(catchUp.tokens, [
      { id: "t3", decimals: 3 },
      { id: "t6", decimals: 6 },
    ]);
    assert.equal(catchUp._meta.block.number, lastSeen + 2);

    store.applyBlock(block(lastSeen + 3), [token("t1", { decimals: 1 })]);
    const next = (await resumed.next()).value?.data as {
      tokens: Json[];
      _meta: { block: { number: number } };
    };
    assert.deepEqual(
      next.tokens.map((entity) => entity.id),
      ["t1", "t3", "t6"],
    );
    assert.equal(next._meta.block.number, lastSeen + 3);
    await resumed.return?.();
  });

  test("queries over WebSocket and validation errors", async () => {
    const client = wsClient();
    const result = await client.iterate({ query: `{ token(id: "t2") { symbol } }` }).next();
    assert.deepEqual(result.value, { data: { token: { symbol: "beta" } } });
    await assert.rejects(
      client.iterate({ query: `subscription { tokens { nope } }` }).next(),
      (errors: { message: string }[]) => /Type `Token` has no field `nope`/.test(errors[0]?.message ?? ""),
    );
  });

  test("refuses WebSocket upgrades for unknown subgraphs", async () => {
    const status = await upgradeStatus(server.wsUrl("nobody"));
    assert.equal(status, 404);
  });
});

test("with subscriptions off, WebSocket upgrades are refused and HTTP still works", async () => {
  const store = newStore("QmNoSubscriptions");
  seed(store);
  const server = await startGraphqlServer({ subgraphs: { plain: { store, schema } }, subscriptions: false });
  try {
    assert.equal(await upgradeStatus(server.wsUrl("plain")), 400);
    const response = await fetch(server.httpUrl("plain"), {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query: "{ _meta { block { number } } }" }),
    });
    assert.deepEqual(await response.json(), { data: { _meta: { block: { number: 3 } } } });
  } finally {
    await server.close();
    store.close();
  }
});

/** The HTTP status with which a WebSocket upgrade is refused (0 if it was accepted). */
function upgradeStatus(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, "graphql-transport-ws");
    socket.on("unexpected-response", (_request, response) => {
      resolve(response.statusCode ?? -1);
      response.resume();
      socket.terminate();
    });
    socket.on("open", () => {
      socket.terminate();
      resolve(0);
    });
    socket.on("error", (error) => {
      if (!/Unexpected server response/.test(error.message)) reject(error);
    });
  });
}
