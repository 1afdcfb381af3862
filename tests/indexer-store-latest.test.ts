// The store keeps the latest versions the indexer reads and writes across blocks
// (indexer/store/latest-versions.ts): a store.get of an entity an earlier block wrote needs no
// SQL, and what it answers, and every version and block range the writes leave in the file, are
// the same as with a store reopened (nothing kept) before every block.
import assert from "node:assert/strict";
import { after, test } from "node:test";
import Database from "better-sqlite3";
import { openSqliteStore } from "../indexer/store/index.ts";
import { LatestVersions } from "../indexer/store/latest-versions.ts";
import type { QueryableStore } from "../indexer/store/entity-query.ts";
import type { BlockPointer, EntityChange } from "../indexer/store/types.ts";
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
const open = (file: string): QueryableStore => openSqliteStore({ file, schema, deployment: "QmLatest" });

type Step = { apply: [BlockPointer, EntityChange[]] } | { revert: BlockPointer };

const BYTES_ID = "0x00000000000000000000000000000000000000aa";
const STEPS: Step[] = [
  { apply: [block(1), [token("t1", { supply: 1n, tags: ["a"] }), account(BYTES_ID, "first")]] },
  { apply: [block(2), [token("t1", { supply: 2n, price: "1.5" }), token("t2", { nonce: 7n })]] },
  // Written twice in one block: the block's version is replaced; the Bytes id in upper case.
  {
    apply: [
      block(3),
      [
        token("t2", { decimals: 6 }),
        token("t2", { decimals: 8 }),
        account(`0x${BYTES_ID.slice(2).toUpperCase()}`, null),
      ],
    ],
  },
  { apply: [block(4), [removal("Token", "t1"), transfer("x1", "t2", BYTES_ID, 5n)]] },
  { apply: [block(5), [token("t1", { symbol: "AGAIN" }), removal("Token", "absent")]] },
  { revert: block(3) },
  { apply: [block(4, 1), [token("t1", { supply: 9n }), removal("Token", "t2")]] },
  // With t4, values the file keeps in another form than written: Bytes in upper case (also in a
  // list of references) and a BigDecimal not normalised come back as a read of the row gives them.
  {
    apply: [
      block(5, 1),
      [
        token("t2", { active: false, code: "0xabcd" }),
        token("t4", {
          price: "-0012.3400",
          code: "0xABcd",
          owner: `0x${BYTES_ID.slice(2).toUpperCase()}`,
          holders: [`0x${"CD".repeat(20)}`, BYTES_ID],
          tags: ["b", "a"],
          supply: -(10n ** 40n),
          decimals: -3,
          nonce: -(2n ** 63n),
        }),
      ],
    ],
  },
];
const IDS: [string, string][] = [
  ["Token", "t1"],
  ["Token", "t2"],
  ["Token", "absent"],
  ["Token", "t4"],
  ["Account", BYTES_ID],
  ["Transfer", "x1"],
];

/** Every row of every entity table, block ranges included, in a stable order. */
function rows(file: string): unknown {
  const db = new Database(file, { readonly: true });
  try {
    return ["Token", "Account", "Transfer"].map((entity) =>
      db.prepare(`SELECT * FROM "entity_${entity}" ORDER BY vid`).all(),
    );
  } finally {
    db.close();
  }
}

function run(step: Step, store: QueryableStore): void {
  if ("apply" in step) store.applyBlock(...step.apply);
  else store.revertTo(step.revert);
}

test("latest reads and every version are those of a store reopened before every block", () => {
  const kept = tmp.file(`latest-${files++}.sqlite`);
  const reopened = tmp.file(`latest-${files++}.sqlite`);
  const store = open(kept);
  for (const [index, step] of STEPS.entries()) {
    // Read before each step, as a block's handlers do, so the cache holds what they read.
    for (const [entity, id] of IDS) store.getEntity(entity, id);
    run(step, store);
    const fresh = open(reopened);
    run(step, fresh);
    // And a store that only reads the file: nothing kept, every read decoded from its row.
    const reader = open(kept);
    for (const [entity, id] of IDS) {
      const read = store.getEntity(entity, id);
      assert.deepEqual(read, fresh.getEntity(entity, id), `${entity}[${id}] after step ${index}`);
      assert.deepEqual(read, reader.getEntity(entity, id), `${entity}[${id}] as read after step ${index}`);
    }
    reader.close();
    fresh.close();
  }
  store.close();
  assert.deepEqual(rows(kept), rows(reopened));
});

test("a write the store refuses leaves the reads as the file holds them", () => {
  const file = tmp.file(`latest-${files++}.sqlite`);
  const store = open(file);
  store.applyBlock(block(1), [transfer("x1", "t1", BYTES_ID, 1n), token("t1", { supply: 1n })]);
  // The token's new version is written, then the immutable transfer's refusal rolls the block back.
  assert.throws(() =>
    store.applyBlock(block(2), [token("t1", { supply: 2n }), transfer("x1", "t1", BYTES_ID, 2n)]),
  );
  assert.equal(store.getEntity("Token", "t1")?.supply, 1n);
  store.applyBlock(block(2), [token("t1", { supply: 3n })]);
  assert.equal(store.getEntity("Token", "t1")?.supply, 3n);
  store.close();
  const reader = open(file);
  assert.equal(reader.getEntity("Token", "t1")?.supply, 3n);
  reader.close();
});

test("an entity an earlier block wrote is read back without SQL", () => {
  const store = open(tmp.file(`latest-${files++}.sqlite`));
  store.applyBlock(block(1), [token("t1", { supply: 1n })]);
  const statement = Object.getPrototypeOf(new Database(":memory:").prepare("SELECT 1")) as {
    get: (...args: unknown[]) => unknown;
  };
  const get = statement.get;
  let reads = 0;
  statement.get = function (this: unknown, ...args: unknown[]) {
    reads++;
    return get.apply(this, args);
  };
  try {
    assert.equal(store.getEntity("Token", "t1")?.supply, 1n);
  } finally {
    statement.get = get;
    store.close();
  }
  assert.equal(reads, 0);
});

for (const writeBehind of [true, false]) {
  const where = writeBehind ? "on the writer thread" : "on the store's own connection";
  test(`blocks held for one commit (${where}) leave the versions of block-by-block commits, seen elsewhere at the commit`, () => {
    const held = tmp.file(`latest-${files++}.sqlite`);
    const single = tmp.file(`latest-${files++}.sqlite`);
    const store = openSqliteStore({ file: held, schema, deployment: "QmLatest", writeBehind });
    const reference = open(single);
    const other = new Database(held, { readonly: true });
    const latest = () =>
      (other.prepare("SELECT max(number) AS n FROM subgraph_blocks").get() as { n: number | null }).n;
    try {
      store.holdCommits!();
      for (const step of STEPS) {
        run(step, store);
        run(step, reference);
        // The indexer's reads see each block as applied.
        assert.deepEqual(store.latestBlock(), reference.latestBlock());
        for (const [entity, id] of IDS)
          assert.deepEqual(store.getEntity(entity, id), reference.getEntity(entity, id));
      }
      // A refused block rolls back alone; the held blocks stay.
      assert.throws(() => store.applyBlock(block(6, 1), [token("t3"), token("t1", { decimals: "six" })]));
      assert.deepEqual(store.latestBlock(), block(5, 1));
      assert.equal(store.getEntity("Token", "t3"), null);
      // Held on the writer thread, the revert to block 3 (a write on the store's connection)
      // committed the blocks held before it; on the store's own connection it was held with them.
      assert.equal(latest(), writeBehind ? 3 : null);
      store.commitBlocks!();
      assert.equal(latest(), 5);
    } finally {
      other.close();
    }
    store.close();
    reference.close();
    assert.deepEqual(rows(held), rows(single));
  });
}

test("writing the same entities again and again keeps the cache complete: its bound counts entities", () => {
  // Started on empty tables the cache is complete: an entity it does not hold does not exist. Its
  // bound (100,000 entries) is on memory, so rewriting two entities 60,000 times must not reach it.
  const latest = new LatestVersions(true);
  const data = { id: "a", label: "Alice" };
  for (let write = 0; write < 60_000; write++) {
    latest.keepLatest("Account", "a", data);
    latest.keepVersion("Account", "a", { vid: write + 1, block_from: write + 1 });
    latest.keepLatest("Account", "b", null);
  }
  assert.deepEqual(latest.latest("Account", "a"), data);
  assert.deepEqual(latest.version("Account", "a"), { vid: 60_000, block_from: 60_000 });
  assert.equal(latest.latest("Account", "never-written"), null, "still complete: unknown means absent");
});
