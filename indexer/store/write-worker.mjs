// The other half of write-behind.ts: runs the held blocks' statements on a connection of its own,
// one transaction per held range, and answers each commit (and wakes a thread waiting for it).
// After a failure (the range is rolled back) it refuses everything until it is reset, so that no
// later range is committed on top of a lost one. Plain JavaScript, so that it starts without the
// parent's loader.
import Database from "better-sqlite3";
import { workerData } from "node:worker_threads";

const { file, statements, pragmas, port, signal } = workerData;
/** The first failure of the range under way: the rest of the range is skipped, then rolled back. */
let failed = null;
/** A range failed: nothing is done until the store has taken note (reset). */
let refusing = false;
let db;
let prepared = [];
try {
  db = new Database(file);
  for (const pragma of pragmas) db.pragma(pragma);
  prepared = statements.map((sql) => db.prepare(sql));
} catch (error) {
  // Every range fails with it, each commit answered.
  failed = `cannot open ${file}: ${text(error)}`;
}
// Started (the second slot): a store waiting for this thread before its first range goes on.
Atomics.store(signal, 1, 1);
Atomics.notify(signal, 1);

// BLOBs cross the thread boundary as Uint8Arrays; better-sqlite3 binds Buffers.
const bindable = (value) =>
  value instanceof Uint8Array && !Buffer.isBuffer(value) ? Buffer.from(value) : value;

function text(error) {
  return error instanceof Error ? error.message : String(error);
}

function rollback() {
  try {
    if (db?.inTransaction) db.exec("ROLLBACK");
  } catch {
    // A transaction SQLite has already rolled back (an I/O error): nothing is left to undo.
  }
}

function commit(seq) {
  let error = refusing ? "refused after an earlier failure" : failed;
  if (!refusing) {
    try {
      if (failed === null && db.inTransaction) db.exec("COMMIT");
      else rollback();
    } catch (thrown) {
      error ??= text(thrown);
      rollback();
    }
  }
  // A database that never opened stays failed.
  failed = db === undefined ? failed : null;
  if (error !== null) refusing = true;
  port.postMessage({ seq, error });
  Atomics.store(signal, 0, seq);
  Atomics.notify(signal, 0);
}

port.on("message", (message) => {
  switch (message.kind) {
    case "begin":
      if (refusing || failed !== null || db.inTransaction) break;
      try {
        db.exec("BEGIN");
      } catch (error) {
        failed = text(error);
      }
      break;
    case "block":
      if (refusing || failed !== null) break;
      try {
        for (const [index, params] of message.ops) prepared[index].run(...params.map(bindable));
      } catch (error) {
        failed = text(error);
      }
      break;
    case "commit":
      commit(message.seq);
      break;
    case "reset":
      rollback();
      if (db !== undefined) failed = null;
      refusing = false;
      break;
    case "close":
      rollback();
      db?.close();
      port.close();
      break;
  }
});
