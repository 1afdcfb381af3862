// Held blocks written on the store's writer thread (indexer/store/write-behind.ts): the indexer's
// reads see each block as it is applied, queries and listeners see it once committed, and a
// statement the writer thread fails rolls the held range back and fails the commit, leaving the
// store as the file holds it.
import assert from "node:assert/strict";
import { after, test } from "node:test";
import Database from "better-sqlite3";
import { headState } from "../indexer/graphql/head-state.ts";
import { openSqliteStore } from "../indexer/store/index.ts";
import type { BlockPointer } from "../indexer/store/types.ts";
import { BlocksBehind, MAX_COMMITTING, type WriterThread } from "../indexer/store/write-behind.ts";
import { block, fixtureSchema, temporaryDirectory, token } from "./fixtures/indexer-fixture.ts";

const schema = fixtureSchema();
const tmp = temporaryDirectory();
after(() => tmp.cleanup());
let files = 0;

function openWritingBehind() {
  const file = tmp.file(`behind-${files++}.sqlite`);
  const store = openSqliteStore({ file, schema, deployment: "QmBehind", writeBehind: true });
  const told: number[] = [];
  store.onBlock((pointer: BlockPointer) => void told.push(pointer.number));
  return { file, store, told };
}

test("held blocks: read by the indexer as applied, by queries and listeners once committed", () => {
  const { store, told } = openWritingBehind();
  store.applyBlock(block(1), [token("t1", { supply: 1n })]);
  assert.deepEqual(told, [1]);
  store.holdCommits!();
  store.applyBlock(block(2), [token("t1", { supply: 2n }), token("t2")]);
  store.applyBlock(block(3), [token("t2", { supply: 3n })]);
  assert.deepEqual(store.latestBlock(), block(3));
  assert.equal(store.getEntity("Token", "t1")?.supply, 2n);
  assert.equal(store.getEntity("Token", "t2")?.supply, 3n);
  const query = () =>
    store
      .findEntities({ entity: "Token", block: 3, first: 10, skip: 0 })
      .map((entity) => `${entity.id}:${entity.supply}`);
  // Not committed: queries see block 1 (their latest block and the data), no listener was told.
  assert.deepEqual(store.committedBlock(), block(1));
  assert.deepEqual(headState(store).latest, block(1));
  assert.deepEqual(query(), ["t1:1"]);
  assert.deepEqual(told, [1]);
  store.commitBlocks!();
  assert.deepEqual(told, [1, 2, 3]);
  assert.deepEqual(headState(store).latest, block(3));
  assert.deepEqual(query(), ["t1:2", "t2:3"]);
  store.close();
});

test("startWriting starts the writer thread and returns once it has the file open; held ranges go to it", () => {
  const { store } = openWritingBehind();
  const writer = () => (store as unknown as { writer?: WriterThread }).writer;
  assert.equal(writer(), undefined, "opening the store starts no thread");
  store.startWriting!();
  const started = writer();
  assert.equal(started?.started, true);
  store.holdCommits!();
  store.applyBlock(block(1), [token("t1", { supply: 1n })]);
  store.commitBlocks!();
  assert.equal(writer(), started, "the held range went to the thread already started");
  assert.deepEqual(store.committedBlock(), block(1));
  store.close();
});

test("a statement the writer thread fails rolls the held range back and fails the commit", () => {
  const { file, store, told } = openWritingBehind();
  store.applyBlock(block(1), [token("t1", { supply: 1n })]);
  // Another connection takes the row id the store gives out next: the writer's insert fails.
  const other = new Database(file);
  other.exec(`CREATE TEMP TABLE taken AS SELECT * FROM "entity_Token";
    UPDATE taken SET vid = vid + 1, "id" = 'taken', block_from = 99, block_to = 100;
    INSERT INTO "entity_Token" SELECT * FROM taken;`);
  other.close();
  store.holdCommits!();
  store.applyBlock(block(2), [token("t2", { supply: 2n })]);
  store.applyBlock(block(3), [token("t1", { supply: 3n })]);
  assert.deepEqual(store.latestBlock(), block(3));
  assert.throws(() => store.commitBlocks!(), /writing the held blocks failed: UNIQUE constraint failed/);
  // As the file holds it: block 1; nothing of the range is read back, no listener told of it.
  assert.deepEqual(store.latestBlock(), block(1));
  assert.equal(store.getEntity("Token", "t2"), null);
  assert.equal(store.getEntity("Token", "t1")?.supply, 1n);
  assert.deepEqual(told, [1]);
  // Indexing goes on from there, with row ids after the file's.
  store.holdCommits!();
  store.applyBlock(block(2), [token("t2", { supply: 2n })]);
  store.commitBlocks!();
  assert.equal(store.getEntity("Token", "t2")?.supply, 2n);
  assert.deepEqual(told, [1, 2]);
  store.close();
});

/** A writer thread that answers commits only when waited for, recording what it is asked. */
function fakeWriter() {
  const asked: string[] = [];
  let seq = 0;
  let answered = 0;
  let arrived: { seq: number; error: null }[] = [];
  const writer = {
    begin: () => void asked.push("begin"),
    block: () => void asked.push("block"),
    commit: () => (asked.push("commit"), ++seq),
    get lastCommit() {
      return seq;
    },
    answers: () => arrived.splice(0),
    settle: () => {
      asked.push("settle");
      while (answered < seq) arrived.push({ seq: ++answered, error: null });
    },
    reset: () => void asked.push("reset"),
    close: () => (arrived = []),
  };
  return { writer, asked };
}

test("ranges are not left to pile up on the writer, nor the cache past its bound", () => {
  const { writer, asked } = fakeWriter();
  let overBound = false;
  const pending: boolean[] = [];
  const behind = new BlocksBehind(writer as unknown as WriterThread, {
    committed: () => undefined,
    lost: () => undefined,
    pending: (value) => void pending.push(value),
    overBound: () => overBound,
  });
  const range = (number: number) => {
    behind.hold();
    behind.add(block(number), [], [block(number), []]);
    behind.commitSoon();
  };
  for (let number = 1; number <= MAX_COMMITTING; number++) range(number);
  assert.deepEqual(asked, Array(MAX_COMMITTING).fill(["begin", "block", "commit"]).flat());
  // As many ranges committing as may be: the next waits for them before it starts.
  asked.length = 0;
  range(MAX_COMMITTING + 1);
  assert.deepEqual(asked, ["settle", "begin", "block", "commit"]);
  assert.equal(pending.includes(false), true, "the cache's bound applied again once nothing was pending");
  // Past the cache's bound, the next range waits for the one committing.
  overBound = true;
  asked.length = 0;
  range(MAX_COMMITTING + 2);
  assert.deepEqual(asked, ["settle", "begin", "block", "commit"]);
});
