// The SQLite books commit through a write-ahead log with every commit synced: a commit appends to
// one file and syncs it once (the rollback journal synced several files per commit, which held the
// executor's event loop for tens of milliseconds on each book write), and a write the executor
// recorded before a broadcast is still on disk after a power loss.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import Database from "better-sqlite3";
import { openBooks } from "../executor/bookkeeping/index.ts";
import { booksDatabase } from "../executor/bookkeeping/database.ts";
import { createClient } from "../executor/bookkeeping/prisma-client.ts";
import { useWriteAheadLog } from "../executor/bookkeeping/sqlite-journal.ts";

const dir = mkdtempSync(path.join(os.tmpdir(), "books-journal-"));
after(() => rmSync(dir, { recursive: true, force: true }));

test("a new SQLite books file is in WAL mode once opened", async () => {
  const file = path.join(dir, "wal.sqlite");
  const books = await openBooks({ url: `file:${file}` });
  try {
    await books.allocateNonce({ chainId: 1000, account: "0x00000000000000000000000000000000000000aa" });
  } finally {
    await books.close();
  }
  const db = new Database(file, { readonly: true });
  try {
    assert.equal(db.pragma("journal_mode", { simple: true }), "wal");
  } finally {
    db.close();
  }
});

test("the books' connection syncs every commit (synchronous FULL)", async () => {
  const file = path.join(dir, "sync.sqlite");
  const database = booksDatabase(`file:${file}`);
  database.createPrivately();
  const client = createClient(database);
  try {
    await useWriteAheadLog(client);
    const rows = await client.$queryRawUnsafe<{ synchronous: bigint | number }[]>("PRAGMA synchronous");
    assert.equal(Number(rows[0]?.synchronous), 2);
  } finally {
    await client.$disconnect();
  }
});

test("a books file already in WAL mode with migrations pending is migrated", async () => {
  // The migration CLI opens its own connection: the books' open connection must not hold it off.
  const file = path.join(dir, "pending.sqlite");
  const db = new Database(file);
  db.pragma("journal_mode = WAL");
  db.close();
  const books = await openBooks({ url: `file:${file}` });
  try {
    const nonce = await books.allocateNonce({
      chainId: 1000,
      account: "0x00000000000000000000000000000000000000aa",
    });
    assert.equal(nonce, 0n);
  } finally {
    await books.close();
  }
});
