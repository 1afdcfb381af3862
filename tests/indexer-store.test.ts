// The indexer's entity store on real SQLite files: versions by block range, time travel, reverts,
// immutable entities, persistence across close and reopen, and numeric order of large values.
import assert from "node:assert/strict";
import { after, test } from "node:test";
import Database from "better-sqlite3";
import { openSqliteStore } from "../indexer/store/index.ts";
import type { QueryableStore } from "../indexer/store/entity-query.ts";
import {
  account,
  block,
  fixtureSchema,
  removal,
  temporaryDirectory,
  token,
  transfer,
} from "./fixtures/indexer-fixture.ts";

const schema = fixtureSchema();
const tmp = temporaryDirectory();
after(() => tmp.cleanup());

let files = 0;
function openStore(deployment = "QmStoreTest"): { store: QueryableStore; file: string } {
  const file = tmp.file(`store-${files++}.sqlite`);
  return { store: openSqliteStore({ file, schema, deployment }), file };
}

/** The raw versions of an entity in the file: [block_from, block_to] per row, oldest first. */
function versionRanges(file: string, entity: string, id: string): [number, number][] {
  const db = new Database(file, { readonly: true });
  try {
    const rows = db
      .prepare(`SELECT block_from, block_to FROM "entity_${entity}" WHERE id = ? ORDER BY block_from`)
      .all(id) as { block_from: number; block_to: number }[];
    return rows.map((row) => [row.block_from, row.block_to]);
  } finally {
    db.close();
  }
}

const OPEN = Number.MAX_SAFE_INTEGER;

test("a write in a later block closes the previous version and time travel reads each version", () => {
  const { store, file } = openStore();
  store.applyBlock(block(1), [token("t1", { supply: 1n })]);
  store.applyBlock(block(2), [token("t1", { supply: 2n })]);
  store.applyBlock(block(4), [removal("Token", "t1")]);

  assert.equal(store.getEntity("Token", "t1"), null);
  assert.equal(store.getEntity("Token", "t1", 0), null);
  assert.equal(store.getEntity("Token", "t1", 1)?.supply, 1n);
  assert.equal(store.getEntity("Token", "t1", 2)?.supply, 2n);
  assert.equal(store.getEntity("Token", "t1", 3)?.supply, 2n);
  assert.equal(store.getEntity("Token", "t1", 4), null);
  assert.deepEqual(store.latestBlock(), block(4));
  store.close();
  assert.deepEqual(versionRanges(file, "Token", "t1"), [
    [1, 2],
    [2, 4],
  ]);
});

test("a second write to an entity in the same block replaces that block's version", () => {
  const { store, file } = openStore();
  store.applyBlock(block(1), [token("t1", { supply: 1n })]);
  store.applyBlock(block(2), [token("t1", { supply: 2n }), token("t1", { supply: 3n, name: "three" })]);
  assert.equal(store.getEntity("Token", "t1")?.supply, 3n);
  assert.equal(store.getEntity("Token", "t1")?.name, "three");
  // Created and removed in one block: no version at all.
  store.applyBlock(block(3), [token("t2"), removal("Token", "t2")]);
  assert.equal(store.getEntity("Token", "t2", 3), null);
  store.close();
  assert.deepEqual(versionRanges(file, "Token", "t1"), [
    [1, 2],
    [2, OPEN],
  ]);
  assert.deepEqual(versionRanges(file, "Token", "t2"), []);
});

test("every value type round-trips, Bytes normalised to lowercase", () => {
  const { store } = openStore();
  const values = {
    symbol: "ÄBC ✓",
    name: "",
    decimals: -2147483648,
    supply: -(2n ** 255n),
    price: "-0.000125",
    active: false,
    status: "Closed",
    code: "0xDEADbeef",
    created: 1_700_000_000_000_000n,
    nonce: 2n ** 63n - 1n,
    tags: ["x", "", "y"],
    owner: "0xAA",
    holders: ["0xaa", "0xBB"],
  };
  store.applyBlock(block(1), [token("t1", values), account("0xAA", null)]);
  assert.deepEqual(store.getEntity("Token", "t1"), {
    id: "t1",
    ...values,
    code: "0xdeadbeef",
    owner: "0xaa",
    holders: ["0xaa", "0xbb"],
  });
  assert.deepEqual(store.getEntity("Account", "0xaa"), { id: "0xaa", label: null });
  store.close();
});

test("applyBlock writes all of a block or nothing, and checks values against the schema", () => {
  const { store } = openStore();
  store.applyBlock(block(1), [token("t1")]);
  const attempts: [string, () => void, RegExp][] = [
    [
      "unknown field",
      () => store.applyBlock(block(2), [token("t2"), token("t3", { colour: "red" })]),
      /Token\[t3\]: Token has no field `colour`/,
    ],
    [
      "wrong type",
      () => store.applyBlock(block(2), [token("t2", { supply: 5 })]),
      /Token\[t2\]\.supply: expected a bigint/,
    ],
    [
      "missing non-null",
      () => store.applyBlock(block(2), [{ entity: "Token", id: "t2", data: { id: "t2" } }]),
      /Token\[t2\]\.symbol: missing value for non-nullable field/,
    ],
    [
      "bad enum",
      () => store.applyBlock(block(2), [token("t2", { status: "Maybe" })]),
      /not a value of enum Status/,
    ],
    [
      "derived field",
      () => store.applyBlock(block(2), [token("t2", { transfers: [] })]),
      /`transfers` is derived/,
    ],
    [
      "unknown entity",
      () => store.applyBlock(block(2), [{ entity: "Nope", id: "x", data: { id: "x" } }]),
      /unknown entity type Nope/,
    ],
    [
      "not after latest",
      () => store.applyBlock(block(1), [token("t2")]),
      /block 1 is not after the latest block 1/,
    ],
  ];
  for (const [what, attempt, message] of attempts) assert.throws(attempt, message, what);
  assert.equal(store.getEntity("Token", "t2"), null);
  assert.equal(store.latestBlock()?.number, 1);
  store.close();
});

test("revertTo removes later versions, reopens closed ones and drops later block pointers", () => {
  const { store } = openStore();
  const seen: [number, string[]][] = [];
  store.onBlock((pointer, changed) => seen.push([pointer.number, changed]));
  store.applyBlock(block(1), [token("t1", { supply: 1n }), account("0xaa", "a")]);
  store.applyBlock(block(2), [token("t1", { supply: 2n })]);
  store.applyBlock(block(3), [removal("Token", "t1"), token("t2")]);

  store.revertTo(block(1));
  assert.equal(store.getEntity("Token", "t1")?.supply, 1n);
  assert.equal(store.getEntity("Token", "t2"), null);
  assert.deepEqual(store.latestBlock(), block(1));
  assert.equal(store.blockHash(2), null);
  assert.equal(store.blockHash(1), block(1).hash);
  assert.deepEqual(seen.at(-1), [1, ["Token"]]);

  // The other fork continues from block 1.
  store.applyBlock(block(2, 1), [token("t1", { supply: 20n })]);
  assert.equal(store.getEntity("Token", "t1")?.supply, 20n);
  assert.equal(store.blockNumber(block(2, 1).hash), 2);
  assert.equal(store.blockNumber(block(2).hash), null);
  assert.throws(() => store.revertTo(block(1, 7)), /cannot revert to block 1/);

  store.revertTo(null);
  assert.equal(store.latestBlock(), null);
  assert.equal(store.getEntity("Token", "t1"), null);
  assert.equal(store.getEntity("Account", "0xaa"), null);
  assert.deepEqual(seen.at(-1), [-1, ["Account", "Token"]]);
  store.close();
});

test("revertTo a block that was never applied makes it the latest", () => {
  const { store } = openStore();
  store.applyBlock(block(10), [token("t1")]);
  store.applyBlock(block(20), [token("t2")]);
  store.revertTo(block(15));
  assert.deepEqual(store.latestBlock(), block(15));
  assert.deepEqual(
    store.recentBlocks(100, 10).map((pointer) => pointer.number),
    [15, 10],
  );
  assert.equal(store.getEntity("Token", "t2"), null);
  store.close();
});

test("immutable entities accept a rewrite in their block only", () => {
  const { store, file } = openStore();
  store.applyBlock(block(1), [transfer("x1", "t1", "0xaa", 1n), transfer("x1", "t1", "0xaa", 2n)]);
  assert.equal(store.getEntity("Transfer", "x1")?.amount, 2n);
  assert.throws(
    () => store.applyBlock(block(2), [token("t9"), transfer("x1", "t1", "0xaa", 3n)]),
    /entity Transfer\[x1\] is immutable; inserting it at block 2 is not possible as it was already inserted at block 1/,
  );
  assert.throws(
    () => store.applyBlock(block(2), [removal("Transfer", "x1")]),
    /Transfer\[x1\] is immutable; removing/,
  );
  assert.equal(store.getEntity("Token", "t9"), null, "the failed block wrote nothing");
  assert.equal(store.getEntity("Transfer", "x1")?.amount, 2n);
  store.close();
  assert.deepEqual(versionRanges(file, "Transfer", "x1"), [[1, OPEN]]);
});

test("everything survives close and reopen of the same file", () => {
  const { store, file } = openStore("QmPersist");
  store.applyBlock(block(1), [token("t1", { supply: 2n ** 200n }), account("0xaa", "alice")]);
  store.applyBlock(block(2), [token("t1", { supply: 5n })]);
  store.setFailed({ message: "handler trapped", block: block(3), handler: "handleTransfer" });
  store.close();

  const reopened = openSqliteStore({ file, schema, deployment: "QmPersist" });
  assert.equal(reopened.deployment, "QmPersist");
  assert.deepEqual(reopened.latestBlock(), block(3), "the failed block was recorded, as graph-node does");
  assert.deepEqual(reopened.recentBlocks(2, 5), [block(2), block(1)]);
  assert.equal(reopened.blockHash(1), block(1).hash);
  assert.equal(reopened.getEntity("Token", "t1")?.supply, 5n);
  assert.equal(reopened.getEntity("Token", "t1", 1)?.supply, 2n ** 200n);
  assert.deepEqual(reopened.failure(), {
    message: "handler trapped",
    block: block(3),
    handler: "handleTransfer",
  });
  // Reverting below the failed block removes the failure with it.
  reopened.revertTo(block(2));
  assert.equal(reopened.failure(), null);
  reopened.close();

  assert.throws(
    () => openSqliteStore({ file, schema, deployment: "QmOther" }),
    /holds deployment QmPersist, not QmOther/,
  );
});

test("BigInt and BigDecimal filter and order numerically, beyond 2^256 and below zero", () => {
  const { store } = openStore();
  const supplies = [2n ** 256n, -(2n ** 256n), -1000n, 0n, 999n, -1n, 1000n, 2n ** 255n, 1n, 2n ** 256n + 1n];
  const prices = ["100", "-1.5", "0.001", "2", "-1.25", "10.5", "0", "1e3", "-0.0001", "99.99"];
  store.applyBlock(
    block(1),
    supplies.map((supply, index) => token(`t${index}`, { supply, price: prices[index] })),
  );
  const ordered = (field: string, direction: "asc" | "desc") =>
    store.findEntities({ entity: "Token", block: 1, order: { field, direction }, first: 100, skip: 0 });

  const bySupply = ordered("supply", "asc").map((entity) => entity.supply as bigint);
  assert.deepEqual(
    bySupply,
    [...supplies].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)),
  );
  assert.deepEqual(
    ordered("supply", "desc").map((entity) => entity.supply),
    [...bySupply].reverse(),
  );
  const byPrice = ordered("price", "asc").map((entity) => Number(entity.price));
  assert.deepEqual(
    byPrice,
    prices.map(Number).sort((a, b) => a - b),
  );

  const positive = store.findEntities({
    entity: "Token",
    block: 1,
    filter: { kind: "compare", field: "supply", op: "gt", value: 999n },
    order: { field: "supply", direction: "asc" },
    first: 100,
    skip: 0,
  });
  assert.deepEqual(
    positive.map((entity) => entity.supply),
    [1000n, 2n ** 255n, 2n ** 256n, 2n ** 256n + 1n],
  );
  const cheap = store.findEntities({
    entity: "Token",
    block: 1,
    filter: { kind: "compare", field: "price", op: "lt", value: "0.001" },
    first: 100,
    skip: 0,
  });
  assert.deepEqual(cheap.map((entity) => entity.price).sort(), ["-0.0001", "-1.25", "-1.5", "0"]);
  store.close();
});

test("onBlock listeners get each block with its changed entity types until they unsubscribe", () => {
  const { store } = openStore();
  const calls: [number, string[]][] = [];
  const unsubscribe = store.onBlock((pointer, changed) => calls.push([pointer.number, changed]));
  store.applyBlock(block(1), [transfer("x1", "t1", "0xaa", 1n), token("t1"), account("0xaa", null)]);
  store.applyBlock(block(2), []);
  unsubscribe();
  store.applyBlock(block(3), [token("t2")]);
  assert.deepEqual(calls, [
    [1, ["Account", "Token", "Transfer"]],
    [2, []],
  ]);
  store.close();
});

test("stays fast with 100,000 entity versions", () => {
  const { store } = openStore();
  const tokens = 10_000;
  const started = performance.now();
  for (let number = 1; number <= 1000; number++) {
    const changes = [];
    for (let i = 0; i < 100; i++) {
      const id = ((number - 1) * 100 + i) % tokens;
      changes.push(
        token(`t${String(id).padStart(5, "0")}`, { supply: BigInt(number * 1000 + i), decimals: i }),
      );
    }
    store.applyBlock(block(number), changes);
  }
  const writeMs = performance.now() - started;

  const queryStarted = performance.now();
  const latest = store.findEntities({
    entity: "Token",
    block: 1000,
    filter: { kind: "compare", field: "decimals", op: "eq", value: 7 },
    order: { field: "supply", direction: "desc" },
    first: 10,
    skip: 0,
  });
  const past = store.findEntities({ entity: "Token", block: 500, first: 100, skip: 200 });
  const single = store.getEntity("Token", "t00042", 250);
  const queryMs = performance.now() - queryStarted;

  assert.equal(latest.length, 10);
  assert.equal(latest[0]?.supply, 1000n * 1000n + 7n);
  assert.equal(past.length, 100);
  assert.equal(past[0]?.id, "t00200");
  assert.equal(single?.supply, 201n * 1000n + 42n);
  console.log(
    `100,000 versions: written in ${writeMs.toFixed(0)} ms, three reads in ${queryMs.toFixed(1)} ms`,
  );
  assert.ok(writeMs < 60_000, `writing took ${writeMs} ms`);
  assert.ok(queryMs < 2_000, `reading took ${queryMs} ms`);
  store.close();
});
