// The writer lease: one process per key writes the books and sends (see
// docs/executor-bookkeeping.md). One row per key names the holder (pid, host), a fencing token that
// rises with every new holder, and a heartbeat counter.
//
// Every write of the books first updates the lease row where the token is still this process's
// (`fence`). On PostgreSQL that update holds the row's lock until the write commits, so a takeover
// (an update of the same row) waits for writes in progress, and once it commits every write of the
// old holder is refused. A standby judges the holder by its own clock (the beat has not moved for
// expireMs), so the hosts' clocks need not agree; a holder that released the lease, or whose pid is
// gone on this host, is taken over at once.
import os from "node:os";
import {
  BooksError,
  BooksLeaseHeldError,
  BooksLeaseLostError,
  isLockTimeout,
  isUniqueViolation,
} from "./errors.ts";
import { fenceLease } from "./hot-queries.ts";
import type { BooksClient, BooksTransaction } from "./prisma-client.ts";

export interface LeaseRecord {
  /** The key the lease is for (the facilitator's address). */
  name: string;
  /** The fencing token: higher for every new holder. */
  token: number;
  pid: number;
  host: string;
  acquiredAt: Date;
  heartbeatAt: Date;
  /** Set when the holder stopped and gave the lease up. */
  releasedAt: Date | null;
}

export interface LeaseTiming {
  /** How often the holder beats. */
  heartbeatMs: number;
  /** A holder whose beat has not moved for this long, by the standby's clock, is taken over. */
  expireMs: number;
  /** How often a standby looks at the lease. */
  pollMs: number;
}

/**
 * A holder paused inside a write keeps the lease row locked until the server ends its session
 * (idle_in_transaction_session_timeout, longer than the transaction's own timeout): the takeover
 * waits this long for the lock, then the standby goes back to waiting instead of failing.
 */
const TAKEOVER_LOCK_TIMEOUT = "SET LOCAL lock_timeout = '1s'";

export const DEFAULT_LEASE_TIMING: LeaseTiming = { heartbeatMs: 1000, expireMs: 5000, pollMs: 500 };

export interface AcquireOptions {
  /** The key: the facilitator's address. */
  name: string;
  timing?: Partial<LeaseTiming>;
  /** Ends a standby's wait (the wait rejects with the signal's reason). */
  signal?: AbortSignal;
  /** Called once when another process holds the lease and this one waits for it. */
  onStandby?(holder: LeaseRecord): void;
  /** Called once when another process took the lease over: nothing may be written or sent any more. */
  onLost?(error: BooksLeaseLostError): void;
}

export interface WriterLease {
  /**
   * Takes the lease of a key. Shared books (PostgreSQL): waits as a standby while another process
   * holds it. Exclusive books (SQLite): refuses (BooksLeaseHeldError) while any live process holds a
   * lease of the file.
   */
  acquire(options: AcquireOptions): Promise<LeaseRecord>;
  /** Inside a write's transaction: refuses the write when this process took a lease and lost it. */
  fence(tx: BooksTransaction): Promise<void>;
  /** Gives the lease up (a standby takes over at once); later writes are refused. */
  release(): Promise<void>;
  /** Every lease row of the books. */
  holders(): Promise<LeaseRecord[]>;
}

export interface LeasedBooks {
  /** The books as messages name them: the SQLite file, or the URL without its password. */
  description: string;
  /** A SQLite file: one process only, a second one is refused instead of standing by. */
  exclusive: boolean;
}

/** Whether a process with this pid exists on this host. */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(done, ms);
    function done() {
      signal?.removeEventListener("abort", done);
      clearTimeout(timer);
      if (signal?.aborted) reject(signal.reason);
      else resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });
}

const holderText = (row: LeaseRecord) =>
  `pid ${row.pid} on host ${row.host} (since ${row.acquiredAt.toISOString()})`;

export function writerLease(client: BooksClient, books: LeasedBooks): WriterLease {
  const host = os.hostname();
  let state: "none" | "held" | "lost" | "released" = "none";
  let held: { name: string; token: number; onLost?: AcquireOptions["onLost"] } | undefined;
  let lostError: BooksLeaseLostError | undefined;
  let heartbeat: NodeJS.Timeout | undefined;

  const read = (name: string) => client.$transaction((tx) => tx.lease.findUnique({ where: { name } }));

  function heldError(row: LeaseRecord): BooksLeaseHeldError {
    return new BooksLeaseHeldError(
      `the books ${books.description} are in use by another executor: ${holderText(row)}. A SQLite file ` +
        "serves one process: stop that one first (`npm run facilitator -- stop` with its configuration), " +
        "or give this one other books (`database` in its configuration), or use PostgreSQL, where a second " +
        "process stands by",
    );
  }

  /** The lease is gone: said once, the heartbeat ends, every later write is refused. */
  async function lose(tx?: BooksTransaction): Promise<BooksLeaseLostError> {
    if (lostError) return lostError;
    const lease = held!;
    const row = await (tx ? tx.lease.findUnique({ where: { name: lease.name } }) : read(lease.name)).catch(
      () => null,
    );
    const now =
      row === null || row.releasedAt !== null
        ? "nobody holds it now"
        : `${holderText(row)} holds it with token ${row.token}`;
    lostError ??= new BooksLeaseLostError(
      `this process (pid ${process.pid}, token ${lease.token}) no longer holds the writer lease of ` +
        `${lease.name} on ${books.description}: ${now}. It must not write the books or send, and stops`,
    );
    state = "lost";
    clearInterval(heartbeat);
    lease.onLost?.(lostError);
    return lostError;
  }

  async function beat(name: string, token: number): Promise<void> {
    try {
      const { count } = await client.$transaction((tx) =>
        tx.lease.updateMany({
          where: { name, token, releasedAt: null },
          data: { beat: { increment: 1 }, heartbeatAt: new Date() },
        }),
      );
      if (count === 0 && state === "held") await lose();
    } catch {
      // The database did not answer: the next beat tries again (writes fail meanwhile anyway).
    }
  }

  function hold(row: LeaseRecord, options: AcquireOptions, timing: LeaseTiming): LeaseRecord {
    state = "held";
    held = { name: row.name, token: row.token, onLost: options.onLost };
    let beating = false;
    heartbeat = setInterval(() => {
      if (beating) return;
      beating = true;
      void beat(row.name, row.token).finally(() => (beating = false));
    }, timing.heartbeatMs);
    heartbeat.unref();
    return row;
  }

  return {
    async acquire(options) {
      if (state !== "none") {
        throw new BooksError("acquireLease: these books took a writer lease already; open the books again");
      }
      const timing = { ...DEFAULT_LEASE_TIMING, ...options.timing };
      const { name } = options;
      const me = () => ({ pid: process.pid, host, acquiredAt: new Date(), heartbeatAt: new Date() });
      /** The holder's beat as this process last saw it, and since when (this process's clock). */
      let watched: { token: number; beat: number; since: number } | undefined;
      let standingBy = false;
      for (;;) {
        options.signal?.throwIfAborted();
        const rows = await client.$transaction((tx) => tx.lease.findMany());
        const live = (row: LeaseRecord) =>
          row.releasedAt === null && (row.host !== host || pidAlive(row.pid));
        if (books.exclusive) {
          const other = rows.find((row) => row.name !== name && live(row) && row.host === host);
          if (other) throw heldError(other);
        }
        const row = rows.find((item) => item.name === name);
        if (row === undefined) {
          try {
            const created = await client.$transaction((tx) =>
              tx.lease.create({ data: { name, token: 1, beat: 0, ...me() } }),
            );
            return hold(created, options, timing);
          } catch (error) {
            if (!isUniqueViolation(error)) throw error;
            continue; // Another process created it first.
          }
        }
        let free = !live(row);
        if (!free) {
          if (books.exclusive && row.host === host) throw heldError(row);
          const moved = watched?.token !== row.token || watched.beat !== row.beat;
          if (moved && watched !== undefined && books.exclusive) throw heldError(row);
          if (moved) watched = { token: row.token, beat: row.beat, since: Date.now() };
          else free = Date.now() - watched!.since >= timing.expireMs;
        }
        if (free) {
          // Conditional on the token and beat seen: of two standbys one wins, and a holder that beat
          // in the meantime keeps the lease.
          let taken: LeaseRecord | undefined;
          try {
            taken = await client.$transaction(async (tx) => {
              if (!books.exclusive) await tx.$executeRawUnsafe(TAKEOVER_LOCK_TIMEOUT);
              const { count } = await tx.lease.updateMany({
                where: { name, token: row.token, beat: row.beat },
                data: { token: row.token + 1, beat: 0, releasedAt: null, ...me() },
              });
              return count === 1 ? tx.lease.findUniqueOrThrow({ where: { name } }) : undefined;
            });
          } catch (error) {
            if (!isLockTimeout(error)) throw error;
            // Still locked: the holder is paused inside a write. Waiting, the holder as seen.
            await sleep(timing.pollMs, options.signal);
            continue;
          }
          if (taken) return hold(taken, options, timing);
          watched = undefined;
          continue;
        }
        if (!standingBy) {
          standingBy = true;
          options.onStandby?.(row);
        }
        await sleep(timing.pollMs, options.signal);
      }
    },

    async fence(tx) {
      if (state === "none") {
        // Opened without a lease: the operator's commands, beside a running executor. Their write
        // still begins with one (matching no row): SQLite then takes the write lock first and waits
        // while the executor writes; a transaction that read first and then asks for the write lock
        // another holds is refused (SQLITE_BUSY, reported as "Operation has timed out").
        await tx.lease.updateMany({ where: { name: "" }, data: { beat: { increment: 0 } } });
        return;
      }
      if (state === "released") {
        throw new BooksLeaseLostError(
          `the writer lease of ${held!.name} was released: the books are closing`,
        );
      }
      if (state === "lost") throw lostError!;
      const { name, token } = held!;
      // An update, not a read: on PostgreSQL it holds the lease row's lock until this write commits.
      if ((await fenceLease(tx, name, token)) === 0) throw await lose(tx);
    },

    async release() {
      clearInterval(heartbeat);
      if (state !== "held") return;
      const { name, token } = held!;
      state = "released";
      await client.$transaction((tx) =>
        tx.lease.updateMany({ where: { name, token, releasedAt: null }, data: { releasedAt: new Date() } }),
      );
    },

    holders: () => client.$transaction((tx) => tx.lease.findMany({ orderBy: { name: "asc" } })),
  };
}
