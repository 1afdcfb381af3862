// The books' writer lease (one writer per key): on PostgreSQL a second holder stands by and takes
// over from a holder that stopped beating; the old holder's writes are then refused (fencing). On
// SQLite a second holder of the same file is refused with the holder's pid and host and the fix.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import Database from "better-sqlite3";
import {
  BooksLeaseHeldError,
  BooksLeaseLostError,
  openBooks,
  type Books,
} from "../executor/bookkeeping/index.ts";
import { stopWriter } from "../executor/stop-writer.ts";
import { startPostgres, type ThrowawayPostgres } from "./helpers/postgres.ts";
import pg from "pg";

const KEY = "0x00000000000000000000000000000000000000F1";
let server: ThrowawayPostgres | undefined;
const opened: Books[] = [];
const dir = mkdtempSync(path.join(os.tmpdir(), "writer-lease-"));

async function open(url: string): Promise<Books> {
  const books = await openBooks({ url });
  opened.push(books);
  return books;
}

const TEMPLATE = "lease_template";

/** A copy of one database migrated once (a first migration on PostgreSQL takes seconds). */
const freshPostgres = (name: string) => server!.createDatabase(name, TEMPLATE);

before(async () => {
  server = await startPostgres();
  await (await openBooks({ url: await server.createDatabase(TEMPLATE) })).close();
});
after(async () => {
  for (const books of opened) await books.close().catch(() => undefined);
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

test("PostgreSQL: a standby takes over a holder that stopped beating, whose writes are then refused", async () => {
  const url = await freshPostgres("lease_fencing");
  const first = await open(url);
  const second = await open(url);
  const lost: Error[] = [];
  // The first holder beats once an hour: to the standby it looks like a paused process.
  const held = await first.acquireLease({
    name: KEY,
    timing: { heartbeatMs: 3_600_000 },
    onLost: (error) => lost.push(error),
  });
  assert.equal(held.token, 1);
  assert.equal(held.pid, process.pid);
  await first.recordSkip("0xaa", "written while holding the lease");

  const standby: { pid: number; host: string }[] = [];
  const taken = await second.acquireLease({
    name: KEY,
    timing: { expireMs: 300, pollMs: 50 },
    onStandby: (holder) => standby.push(holder),
  });
  assert.deepEqual(standby, [{ ...standby[0], pid: process.pid, host: os.hostname() }]);
  assert.equal(taken.token, 2, "every new holder gets a higher fencing token");

  // The stale holder resumes: none of its writes reach the books.
  await assert.rejects(first.recordSkip("0xbb", "written after losing the lease"), (error: Error) => {
    assert.ok(error instanceof BooksLeaseLostError, String(error));
    assert.match(error.message, /no longer holds the writer lease/);
    assert.match(error.message, new RegExp(`pid ${process.pid} on host ${os.hostname()}`));
    assert.match(error.message, /token 2/);
    return true;
  });
  await assert.rejects(first.allocateNonce({ chainId: 1, account: KEY }), BooksLeaseLostError);
  await assert.rejects(
    first.planIntent({ subject: "0xcc", step: "acceptStake", chainId: 1, target: KEY, calldata: "0x" }),
    BooksLeaseLostError,
  );
  assert.equal(lost.length, 1, "the lost lease is reported once");

  await second.recordSkip("0xdd", "written by the new holder");
  assert.deepEqual((await second.skips()).map((skip) => skip.subject).sort(), ["0xaa", "0xdd"]);
  const [row] = await second.leases();
  assert.equal(row?.token, 2);
});

test(
  "PostgreSQL: a holder paused inside a write holds the lease row locked; the standby waits and takes over once the lock is gone",
  { timeout: 60_000 },
  async () => {
    const url = await freshPostgres("lease_paused_in_write");
    const first = await open(url);
    const second = await open(url);
    await first.acquireLease({ name: KEY, timing: { heartbeatMs: 3_600_000 } });
    // The holder's write transaction, paused after its fence: the row stays locked until the
    // server ends that session (idle_in_transaction_session_timeout), past the books' 20 s timeout.
    const paused = new pg.Client({ connectionString: url });
    await paused.connect();
    try {
      await paused.query("BEGIN");
      await paused.query(`SELECT name FROM "Lease" WHERE name = $1 FOR UPDATE`, [KEY]);
      // Awaited before the connection ends: the standby's takeover can come back before the
      // ROLLBACK's own answer, and ending the connection then would reject it unhandled.
      let rolledBack: Promise<unknown> = Promise.resolve();
      const release = setTimeout(() => (rolledBack = paused.query("ROLLBACK")), 22_000);
      try {
        const taken = await second.acquireLease({ name: KEY, timing: { expireMs: 300, pollMs: 50 } });
        assert.equal(taken.token, 2, "taken over once the paused session's lock was gone");
      } finally {
        clearTimeout(release);
        await rolledBack;
      }
    } finally {
      await paused.end();
    }
  },
);

test("PostgreSQL: a standby takes over as soon as the holder releases the lease", async () => {
  const url = await freshPostgres("lease_release");
  const first = await open(url);
  const second = await open(url);
  await first.acquireLease({ name: KEY });
  let standingBy = false;
  const taking = second.acquireLease({ name: KEY, onStandby: () => (standingBy = true) });
  while (!standingBy) await new Promise((resolve) => setTimeout(resolve, 20));
  await first.close();
  const taken = await taking;
  assert.equal(taken.token, 2);
  assert.equal(taken.releasedAt, null);
  await second.recordSkip("0xee", "after the handover");
});

test("PostgreSQL: a standby stops waiting when it is told to stop", async () => {
  const url = await freshPostgres("lease_abort");
  const first = await open(url);
  const second = await open(url);
  await first.acquireLease({ name: KEY });
  const abort = new AbortController();
  const waiting = second.acquireLease({ name: KEY, signal: abort.signal, onStandby: () => abort.abort() });
  await assert.rejects(waiting, { name: "AbortError" });
});

test("SQLite: a second holder of the same file is refused, naming the file, the holder and the fix", async () => {
  const file = path.join(dir, "books.sqlite");
  const first = await open(`file:${file}`);
  await first.acquireLease({ name: KEY });
  const second = await open(`file:${file}`);
  await assert.rejects(second.acquireLease({ name: KEY }), (error: Error) => {
    assert.ok(error instanceof BooksLeaseHeldError, String(error));
    assert.ok(error.message.includes(file), error.message);
    assert.ok(error.message.includes(`pid ${process.pid} on host ${os.hostname()}`), error.message);
    assert.match(error.message, /facilitator -- stop/);
    return true;
  });
  // Another key on the same file is refused too: a SQLite file serves one process.
  await assert.rejects(second.acquireLease({ name: `${KEY.slice(0, -1)}2` }), BooksLeaseHeldError);
  await first.close();
  assert.equal((await second.acquireLease({ name: KEY })).token, 2);
});

test("stop: a holder on another host is named with the pid to stop there; no holder, nothing to stop", async () => {
  const file = path.join(dir, "remote.sqlite");
  const books = await open(`file:${file}`);
  assert.deepEqual(await stopWriter(books, KEY), {
    code: 1,
    message: `no executor holds the writer lease of ${KEY} in these books: nothing to stop`,
  });
  await books.acquireLease({ name: KEY });
  // As if the holder ran elsewhere: the row names another host.
  const raw = new Database(file);
  raw.prepare(`UPDATE "Lease" SET host = 'far-away-host', pid = 4242`).run();
  raw.close();
  const outcome = await stopWriter(books, KEY);
  assert.equal(outcome.code, 1);
  assert.match(outcome.message, /runs on another host: pid 4242 on host far-away-host/);
  assert.match(outcome.message, /kill -TERM 4242` on far-away-host/);
});
