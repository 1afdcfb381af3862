// The executor's books on a real SQLite file and on a real PostgreSQL server that this test starts and
// removes: idempotent intents, attempts on the books before broadcast, atomic replacements, concurrent
// nonce allocation, encrypted secrets, cursors across reopen, and the uniqueness the database enforces.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import Database from "better-sqlite3";
import { keccak256, Wallet } from "ethers";
import pg from "pg";
import {
  BooksConflictError,
  BooksError,
  BooksPassphraseError,
  openBooks,
  type Books,
} from "../executor/bookkeeping/index.ts";
import { startPostgres, type ThrowawayPostgres } from "./helpers/postgres.ts";

const CHAIN = 1000;
const OTHER_CHAIN = 2000;
const PASSPHRASE = "correct horse battery staple";
const facilitator = new Wallet(`0x${"11".repeat(32)}`);
const otherSigner = new Wallet(`0x${"12".repeat(32)}`);
const gateway = "0x00000000000000000000000000000000000000aa";

function sign(
  wallet: Wallet,
  fields: { nonce: bigint; tip?: bigint; chainId?: number; data?: string },
): Promise<string> {
  const tip = fields.tip ?? 1_000_000_000n;
  return wallet.signTransaction({
    type: 2,
    chainId: fields.chainId ?? CHAIN,
    nonce: Number(fields.nonce),
    to: gateway,
    data: fields.data ?? "0x12345678",
    gasLimit: 300_000n,
    maxPriorityFeePerGas: tip,
    maxFeePerGas: 2n * tip + 20_000_000_000n,
  });
}

/** Plain SQL on the books' database, beside Prisma: `$1`-style parameters on both databases. */
interface RawDatabase {
  query(sql: string, params?: unknown[]): Promise<Record<string, unknown>[]>;
  close(): Promise<void>;
}

interface Backend {
  name: string;
  setUp(): Promise<void>;
  tearDown(): Promise<void>;
  freshUrl(): Promise<string>;
  raw(url: string): Promise<RawDatabase>;
  /** Whether two Books may share the database inside one process (SQLite's driver is synchronous). */
  sharedInProcess: boolean;
}

function sqliteBackend(): Backend {
  let dir = "";
  let files = 0;
  return {
    name: "SQLite",
    sharedInProcess: false,
    async setUp() {
      dir = mkdtempSync(path.join(os.tmpdir(), "books-sqlite-"));
    },
    async tearDown() {
      rmSync(dir, { recursive: true, force: true });
    },
    async freshUrl() {
      return `file:${path.join(dir, `books-${files++}.sqlite`)}`;
    },
    async raw(url) {
      const db = new Database(url.slice("file:".length));
      return {
        async query(sql, params = []) {
          // SQLite's numbered parameters do not bind from an array: use `?` in the order they appear.
          const order = [...sql.matchAll(/\$(\d+)/g)].map((match) => params[Number(match[1]) - 1]);
          const statement = db.prepare(sql.replace(/\$\d+/g, "?"));
          if (statement.reader) return statement.all(...order) as Record<string, unknown>[];
          statement.run(...order);
          return [];
        },
        async close() {
          db.close();
        },
      };
    },
  };
}

function postgresBackend(): Backend {
  let server: ThrowawayPostgres | undefined;
  let databases = 0;
  const TEMPLATE = "books_template";
  return {
    name: "PostgreSQL",
    sharedInProcess: true,
    async setUp() {
      server = await startPostgres();
      // One database migrated by openBooks itself; every test gets a copy of it.
      const books = await openBooks({ url: await server.createDatabase(TEMPLATE) });
      await books.close();
    },
    async tearDown() {
      await server?.stop();
    },
    async freshUrl() {
      if (server === undefined) throw new Error("PostgreSQL did not start");
      return server.createDatabase(`books_${databases++}`, TEMPLATE);
    },
    async raw(url) {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      return {
        async query(sql, params = []) {
          return (await client.query(sql, params)).rows as Record<string, unknown>[];
        },
        close: () => client.end(),
      };
    },
  };
}

for (const backend of [sqliteBackend(), postgresBackend()]) {
  describe(`the books on ${backend.name}`, () => {
    before(() => backend.setUp());
    after(() => backend.tearDown());

    /** Fresh books with the test's resources closed afterwards. */
    async function withBooks(
      use: (books: Books, url: string, raw: RawDatabase) => Promise<void>,
      passphrase: string | undefined = PASSPHRASE,
    ): Promise<void> {
      const url = await backend.freshUrl();
      const books = await openBooks({ url, passphrase });
      const raw = await backend.raw(url);
      try {
        await use(books, url, raw);
      } finally {
        await raw.close();
        await books.close();
      }
    }

    const acceptStake = { subject: "0xa11ce", step: "acceptStake" };
    const plan = { ...acceptStake, chainId: CHAIN, target: gateway, calldata: "0x12345678", value: 5n };

    test("planning is idempotent on (subject, step), also when concurrent", async () => {
      await withBooks(async (books) => {
        const first = await books.planIntent(plan);
        assert.equal(first.created, true);
        assert.equal(first.intent.status, "planned");
        assert.equal(first.intent.value, 5n);
        const again = await books.planIntent({ ...plan, calldata: "0xffff" });
        assert.equal(again.created, false);
        assert.equal(again.intent.id, first.intent.id);
        assert.equal(again.intent.calldata, "0x12345678", "the first plan stands");

        const key = { subject: "0xb0b", step: "progressMint" };
        const racing = await Promise.all(
          Array.from({ length: 10 }, () => books.planIntent({ ...plan, ...key })),
        );
        assert.equal(racing.filter((result) => result.created).length, 1);
        assert.equal(new Set(racing.map((result) => result.intent.id)).size, 1);
        assert.equal((await books.intentsFor("0xb0b")).length, 1);
      });
    });

    test("an attempt is on the books before it is broadcast, and the intent runs to confirmed", async () => {
      await withBooks(async (books, _url, raw) => {
        await books.planIntent(plan);
        const nonce = await books.allocateNonce({ chainId: CHAIN, account: facilitator.address });
        const rawTransaction = await sign(facilitator, { nonce });
        const attempt = await books.recordAttempt(acceptStake, rawTransaction);
        assert.equal(attempt.status, "signed");
        assert.equal(attempt.nonce, nonce);
        assert.equal(attempt.from, facilitator.address);
        assert.equal(attempt.gasLimit, 300_000n);
        assert.equal(attempt.maxPriorityFeePerGas, 1_000_000_000n);

        // Nothing was broadcast yet, and the signed transaction is already in the table.
        const rows = await raw.query('SELECT "rawTransaction", status FROM "Attempt" WHERE hash = $1', [
          attempt.hash,
        ]);
        assert.deepEqual(rows, [{ rawTransaction, status: "signed" }]);
        assert.equal((await books.intentsFor(acceptStake.subject))[0]?.status, "sending");
        const again = await books.recordAttempt(acceptStake, rawTransaction);
        assert.equal(again.hash, attempt.hash, "recording the same transaction again returns it");
        assert.equal((await raw.query('SELECT hash FROM "Attempt"')).length, 1);

        assert.equal((await books.markBroadcast(attempt.hash)).status, "broadcast");
        const inFlight = await books.inFlight();
        assert.deepEqual(
          inFlight.map((intent) => [
            intent.step,
            intent.status,
            intent.attempts.map((a) => a.rawTransaction),
          ]),
          [["acceptStake", "sent", [rawTransaction]]],
        );
        const mined = await books.markMined(attempt.hash, 42n);
        assert.deepEqual([mined.status, mined.minedHash, mined.minedBlock], ["mined", attempt.hash, 42n]);
        await assert.rejects(
          books.recordAttempt(acceptStake, await sign(facilitator, { nonce: 7n })),
          BooksError,
        );
        assert.equal((await books.markConfirmed(acceptStake)).status, "confirmed");
        assert.deepEqual(await books.inFlight(), []);
        const [recent] = await books.recent(5);
        assert.deepEqual(
          [recent?.step, recent?.status, recent?.attempts[0]?.status],
          ["acceptStake", "confirmed", "mined"],
        );
      });
    });

    test("a transaction at a nonce the books did not allocate, or for another chain, is refused", async () => {
      await withBooks(async (books) => {
        await books.planIntent(plan);
        await assert.rejects(
          books.recordAttempt(acceptStake, await sign(facilitator, { nonce: 0n })),
          /nonce 0 of 0x[0-9a-fA-F]{40} on chain 1000 was not allocated by these books/,
        );
        const nonce = await books.allocateNonce({ chainId: OTHER_CHAIN, account: facilitator.address });
        await assert.rejects(
          books.recordAttempt(acceptStake, await sign(facilitator, { nonce, chainId: OTHER_CHAIN })),
          BooksConflictError,
        );
        await assert.rejects(books.recordAttempt({ subject: "0xnone", step: "anchor" }, "0x02"), BooksError);
        assert.equal((await books.intentsFor(acceptStake.subject))[0]?.status, "planned");
      });
    });

    test("a replacement is recorded in one transaction with the attempt it replaces", async () => {
      await withBooks(async (books, _url, raw) => {
        await books.planIntent(plan);
        const nonce = await books.allocateNonce({ chainId: CHAIN, account: facilitator.address });
        const first = await books.recordAttempt(acceptStake, await sign(facilitator, { nonce }));
        await books.markBroadcast(first.hash);
        const second = await books.recordReplacement(
          first.hash,
          await sign(facilitator, { nonce, tip: 2n * 10n ** 9n }),
        );
        assert.equal(second.replaces, first.hash);
        assert.equal(second.nonce, nonce);
        assert.deepEqual(
          (await books.intentsFor(acceptStake.subject))[0]?.attempts.map((a) => [a.hash, a.status]),
          [
            [first.hash, "replaced"],
            [second.hash, "signed"],
          ],
        );

        // Two replacements of one attempt at the same time: exactly one is recorded.
        const [a, b] = await Promise.all([
          sign(facilitator, { nonce, tip: 3n * 10n ** 9n }),
          sign(facilitator, { nonce, tip: 4n * 10n ** 9n }),
        ]);
        const outcomes = await Promise.allSettled([
          books.recordReplacement(second.hash, a),
          books.recordReplacement(second.hash, b),
        ]);
        assert.deepEqual(outcomes.map((outcome) => outcome.status).sort(), ["fulfilled", "rejected"]);
        const rejected = outcomes.find((outcome) => outcome.status === "rejected");
        assert.ok(rejected?.reason instanceof BooksConflictError, String(rejected?.reason));
        const winner = outcomes.find((outcome) => outcome.status === "fulfilled");
        const third = winner?.status === "fulfilled" ? winner.value : assert.fail("no replacement recorded");

        // A replacement that fails half-way leaves the replaced attempt as it was: a row that already
        // claims to replace `third` makes the insert fail after the status update.
        await raw.query(
          `INSERT INTO "Attempt" (hash, "slotId", "maxFeePerGas", "maxPriorityFeePerGas", "gasLimit",
             "rawTransaction", status, "replacesId", "updatedAt")
           SELECT '0xrogue', "slotId", '1', '1', 21000, '0x', 'dropped', id, CURRENT_TIMESTAMP
           FROM "Attempt" WHERE hash = $1`,
          [third.hash],
        );
        const fourth = await sign(facilitator, { nonce, tip: 5n * 10n ** 9n });
        await assert.rejects(books.recordReplacement(third.hash, fourth));
        const statuses = await raw.query('SELECT hash, status FROM "Attempt" WHERE hash = $1', [third.hash]);
        assert.deepEqual(statuses, [{ hash: third.hash, status: "signed" }]);
        assert.equal((await books.intentsFor(acceptStake.subject))[0]?.attempts.length, 4);
        await raw.query(`DELETE FROM "Attempt" WHERE hash = '0xrogue'`);

        await assert.rejects(
          books.recordReplacement(third.hash, await sign(facilitator, { nonce: nonce + 1n })),
          /a replacement has the same chain, sender and nonce/,
        );
        await assert.rejects(
          books.recordReplacement(first.hash, fourth),
          /is replaced: it cannot be replaced/,
        );

        // Whichever attempt mines wins, even a replaced one; the others at the nonce are dropped.
        const mined = await books.markMined(first.hash, 9n);
        assert.equal(mined.minedHash, first.hash);
        const attempts = (await books.intentsFor(acceptStake.subject))[0]?.attempts ?? [];
        assert.deepEqual(
          attempts.map((attempt) => attempt.status),
          ["mined", "dropped", "dropped"],
        );
      });
    });

    test("an earlier attempt at the nonce signed again with the same fees is that attempt, sent again", async () => {
      await withBooks(async (books) => {
        await books.planIntent(plan);
        const nonce = await books.allocateNonce({ chainId: CHAIN, account: facilitator.address });
        const firstRaw = await sign(facilitator, { nonce });
        const first = await books.recordAttempt(acceptStake, firstRaw);
        await books.markBroadcast(first.hash);
        const bump = await books.recordReplacement(
          first.hash,
          await sign(facilitator, { nonce, tip: 2n * 10n ** 9n }),
        );
        // The node refused the bump for good, and the intent failed with it.
        await books.markFailed(acceptStake, {
          kind: "gasLimitTooHigh",
          message: "refused",
          attemptHash: bump.hash,
        });
        const statuses = async () =>
          (await books.intentsFor(acceptStake.subject))[0]?.attempts.map((a) => [a.hash, a.status]);
        assert.deepEqual(await statuses(), [
          [first.hash, "replaced"],
          [bump.hash, "failed"],
        ]);
        // Planned again at the market's fees of the first attempt: the same transaction.
        const again = await books.recordReplacement(bump.hash, firstRaw);
        assert.equal(again.hash, first.hash);
        assert.deepEqual(await statuses(), [
          [first.hash, "signed"],
          [bump.hash, "replaced"],
        ]);
        assert.equal((await books.intentsFor(acceptStake.subject))[0]?.status, "sending");
        // Once more, it is no longer a replacement of the bump.
        await assert.rejects(books.recordReplacement(bump.hash, firstRaw), /already recorded/);
      });
    });

    test("50 parallel allocations get 50 distinct consecutive nonces", async () => {
      await withBooks(async (books, url) => {
        const second = backend.sharedInProcess ? await openBooks({ url }) : books;
        try {
          const account = { chainId: CHAIN, account: facilitator.address };
          const nonces = await Promise.all(
            Array.from({ length: 50 }, (_, i) => (i % 2 === 0 ? books : second).allocateNonce(account)),
          );
          assert.deepEqual(
            [...nonces].sort((x, y) => Number(x - y)),
            Array.from({ length: 50 }, (_, i) => BigInt(i)),
          );
          assert.equal(await books.allocateNonce(account), 50n);
        } finally {
          if (second !== books) await second.close();
        }
      });
    });

    test("a released nonce is handed out again first; a nonce with a signed transaction is not released", async () => {
      await withBooks(async (books) => {
        const account = { chainId: CHAIN, account: facilitator.address };
        const [n0, n1, n2] = [
          await books.allocateNonce(account),
          await books.allocateNonce(account),
          await books.allocateNonce(account),
        ];
        assert.deepEqual([n0, n1, n2], [0n, 1n, 2n]);
        await books.releaseNonce({ ...account, nonce: 1n });
        await books.releaseNonce({ ...account, nonce: 1n });
        assert.equal(await books.allocateNonce(account), 1n);
        assert.equal(await books.allocateNonce(account), 3n);
        await assert.rejects(books.releaseNonce({ ...account, nonce: 9n }), /was never allocated/);

        await books.planIntent(plan);
        await books.recordAttempt(acceptStake, await sign(facilitator, { nonce: 0n }));
        await assert.rejects(books.releaseNonce({ ...account, nonce: 0n }), /may have been broadcast/);

        await books.releaseNonce({ ...account, nonce: 2n });
        // The chain counts 10 transactions of the account: nonces below are spent, the released 2 too.
        assert.equal(await books.allocateNonce({ ...account, chainNonce: 10n }), 10n);
        assert.equal(await books.allocateNonce(account), 11n);
        const other = { chainId: CHAIN, account: otherSigner.address.toLowerCase() };
        assert.equal(await books.allocateNonce(other), 0n, "each account has its own cursor");
      });
    });

    test("secrets are encrypted at rest, found by hash lock, and need the right passphrase", async () => {
      const secret = `0x${"5e".repeat(16)}${"c7".repeat(16)}`;
      const output: string[] = [];
      const writes = [process.stdout, process.stderr].map((stream) => {
        const write = stream.write.bind(stream);
        stream.write = ((chunk: string | Uint8Array, ...rest: never[]) => {
          output.push(String(chunk));
          return write(chunk, ...rest);
        }) as typeof stream.write;
        return () => (stream.write = write);
      });
      const errors: string[] = [];
      const message = async (promise: Promise<unknown>) => {
        const error = await promise.then(
          () => assert.fail("expected a rejection"),
          (reason: Error) => reason,
        );
        errors.push(`${error.message}\n${error.stack}`);
        return error;
      };
      try {
        await withBooks(async (books, url, raw) => {
          const hashLock = await books.storeSecret("0xrequest", secret);
          assert.equal(await books.storeSecret("0xrequest", secret), hashLock, "storing again is a no-op");
          assert.equal(await books.readSecret({ subject: "0xrequest" }), secret);
          assert.equal(await books.readSecret({ hashLock }), secret);
          assert.equal(await books.readSecret({ subject: "0xother" }), undefined);

          const plainHex = secret.slice(2);
          const plainBytes = Buffer.from(plainHex, "hex");
          for (const table of ["Secret", "SecretKey"]) {
            for (const row of await raw.query(`SELECT * FROM "${table}"`)) {
              for (const value of Object.values(row)) {
                const bytes = Buffer.isBuffer(value) ? value : Buffer.from(String(value));
                assert.ok(!bytes.includes(plainBytes), `${table} holds the secret's bytes`);
                assert.ok(!bytes.toString("hex").includes(plainHex), `${table} holds the secret in hex`);
                assert.ok(!String(value).toLowerCase().includes(plainHex), `${table} holds the secret`);
                assert.ok(!String(value).includes(PASSPHRASE), `${table} holds the passphrase`);
              }
            }
          }
          const [stored] = await raw.query('SELECT "hashLock" FROM "Secret" WHERE subject = $1', [
            "0xrequest",
          ]);
          assert.equal(stored?.hashLock, hashLock, "the hash lock is in clear");

          assert.ok(
            (await message(books.storeSecret("0xrequest", `0x${"ab".repeat(32)}`))) instanceof
              BooksConflictError,
          );
          assert.ok((await message(books.storeSecret("0xanother", secret))) instanceof BooksConflictError);
          await message(books.storeSecret("0xshort", secret.slice(0, 40)));

          const wrong = await message(openBooks({ url, passphrase: "not the passphrase" }));
          assert.ok(wrong instanceof BooksPassphraseError);
          assert.match(wrong.message, /wrong passphrase/);
          const locked = await openBooks({ url });
          try {
            assert.ok((await message(locked.readSecret({ hashLock }))) instanceof BooksPassphraseError);
          } finally {
            await locked.close();
          }

          // A secret row moved onto another subject does not open.
          await raw.query(`UPDATE "Secret" SET subject = '0xthief' WHERE subject = '0xrequest'`);
          const reopened = await openBooks({ url, passphrase: PASSPHRASE });
          try {
            assert.match((await message(reopened.readSecret({ hashLock }))).message, /does not decrypt/);
          } finally {
            await reopened.close();
          }
        });
      } finally {
        for (const restore of writes) restore();
      }
      for (const text of [...errors, ...output]) {
        assert.ok(!text.includes(secret.slice(2)), `the secret leaked: ${text.slice(0, 200)}`);
        assert.ok(!text.includes(PASSPHRASE), "the passphrase leaked");
      }
    });

    test("held hash locks: those of the subjects or hash locks asked for, none for none", async () => {
      await withBooks(async (books) => {
        const first = await books.storeSecret("0xfirst", `0x${"1a".repeat(32)}`);
        const second = await books.storeSecret("0xsecond", `0x${"2b".repeat(32)}`);
        await books.storeSecret("0xthird", `0x${"3c".repeat(32)}`);
        const held = async (scope: { subjects: string[]; hashLocks: string[] }) =>
          (await books.heldHashLocks(scope)).map((row) => `${row.subject} ${row.hashLock}`).sort();
        // By subject, and by hash lock whatever its case.
        assert.deepEqual(
          await held({ subjects: ["0xfirst"], hashLocks: [second.toUpperCase().replace("0X", "0x")] }),
          [`0xfirst ${first}`, `0xsecond ${second}`],
        );
        assert.deepEqual(await held({ subjects: [], hashLocks: [] }), []);
        // More than one statement may bind (SQLite: 32,766; PostgreSQL: 65,535) of each.
        const many = (prefix: string) => Array.from({ length: 70_000 }, (_, n) => `0x${prefix}${n}`);
        assert.deepEqual(
          await held({ subjects: [...many("5b"), "0xfirst"], hashLocks: [...many("1c"), second] }),
          [`0xfirst ${first}`, `0xsecond ${second}`],
        );
        assert.deepEqual(await held({ subjects: ["0xnone"], hashLocks: [`0x${"00".repeat(32)}`] }), []);
        assert.equal((await books.heldHashLocks()).length, 3);
      });
    });

    test("a secret keeps the hash of the message its accept declares; a malformed one is refused", async () => {
      await withBooks(async (books) => {
        const declared = `0x${"D4".repeat(32)}`;
        const hashLock = await books.storeSecret("0xdeclaring", `0x${"4d".repeat(32)}`, declared);
        await books.storeSecret("0xbefore", `0x${"5e".repeat(32)}`);
        const rows = await books.heldHashLocks({ subjects: ["0xdeclaring", "0xbefore"], hashLocks: [] });
        assert.deepEqual(
          rows
            .map(({ subject, hashLock, messageHash }) => ({ subject, hashLock, messageHash }))
            .sort((a, b) => a.subject.localeCompare(b.subject)),
          [
            { subject: "0xbefore", hashLock: keccak256(`0x${"5e".repeat(32)}`), messageHash: null },
            { subject: "0xdeclaring", hashLock, messageHash: declared.toLowerCase() },
          ],
        );
        assert.equal(
          (await books.heldHashLocks()).find((row) => row.subject === "0xdeclaring")?.messageHash,
          declared.toLowerCase(),
        );
        await assert.rejects(
          books.storeSecret("0xbad", `0x${"6f".repeat(32)}`, "0x1234"),
          /a message hash is 32 bytes written as 0x-prefixed hex/,
        );
      });
    });

    test("the message an accept declared replaces the one worked out; the secret stays", async () => {
      await withBooks(async (books) => {
        const secret = `0x${"7a".repeat(32)}`;
        const hashLock = await books.storeSecret("0xchanged", secret, `0x${"e1".repeat(32)}`);
        await books.storeSecret("0xkept", `0x${"8b".repeat(32)}`, `0x${"e2".repeat(32)}`);
        await books.recordDeclaredMessage("0xchanged", `0x${"F3".repeat(32)}`);
        const rows = await books.heldHashLocks({ subjects: ["0xchanged", "0xkept"], hashLocks: [] });
        assert.deepEqual(
          rows
            .map(({ subject, hashLock, messageHash }) => ({ subject, hashLock, messageHash }))
            .sort((a, b) => a.subject.localeCompare(b.subject)),
          [
            { subject: "0xchanged", hashLock, messageHash: `0x${"f3".repeat(32)}` },
            {
              subject: "0xkept",
              hashLock: keccak256(`0x${"8b".repeat(32)}`),
              messageHash: `0x${"e2".repeat(32)}`,
            },
          ],
        );
        assert.equal(await books.readSecret({ subject: "0xchanged" }), secret);
        await assert.rejects(
          books.recordDeclaredMessage("0xnone", `0x${"f4".repeat(32)}`),
          /no secret is stored for subject 0xnone/,
        );
        await assert.rejects(
          books.recordDeclaredMessage("0xchanged", "0x1234"),
          /a message hash is 32 bytes written as 0x-prefixed hex/,
        );
      });
    });

    test("feed cursors and skips survive close and reopen", async () => {
      const url = await backend.freshUrl();
      const books = await openBooks({ url });
      assert.equal(await books.readCursor("origin-gateway"), undefined);
      await books.saveCursor("origin-gateway", { number: 10n, hash: "0xaa" });
      await books.saveCursor("origin-gateway", { number: 11n, hash: "0xbb" });
      await books.recordSkip("0xdust", "amount below the minimum");
      await books.recordSkip("0xdust", "bounty not approved");
      await books.close();

      const reopened = await openBooks({ url });
      try {
        assert.deepEqual(await reopened.readCursor("origin-gateway"), { number: 11n, hash: "0xbb" });
        assert.deepEqual(
          (await reopened.skips()).map((skip) => [skip.subject, skip.reason]),
          [["0xdust", "bounty not approved"]],
        );
      } finally {
        await reopened.close();
      }
    });

    test("the database itself keeps attempt hashes, nonce slots and intent keys unique", async () => {
      await withBooks(async (books, _url, raw) => {
        await books.planIntent(plan);
        const progress = { subject: "0xa11ce", step: "progressStake" };
        await books.planIntent({ ...plan, ...progress });
        const nonce = await books.allocateNonce({ chainId: CHAIN, account: facilitator.address });
        const attempt = await books.recordAttempt(acceptStake, await sign(facilitator, { nonce }));
        await assert.rejects(
          books.recordAttempt(progress, await sign(facilitator, { nonce, data: "0xabcdef01" })),
          (error: Error) =>
            error instanceof BooksConflictError &&
            error.message.includes("already taken by intent acceptStake of 0xa11ce") &&
            error.message.includes(attempt.hash),
        );

        const [slot] = await raw.query('SELECT id, "chainId", "from", nonce, "intentId" FROM "NonceSlot"');
        assert.ok(slot);
        await assert.rejects(
          raw.query(
            `INSERT INTO "NonceSlot" ("chainId", "from", nonce, "intentId") VALUES ($1, $2, $3, $4)`,
            [slot.chainId, slot.from, slot.nonce, slot.intentId],
          ),
          /unique/i,
        );
        await assert.rejects(
          raw.query(
            `INSERT INTO "Attempt" (hash, "slotId", "maxFeePerGas", "maxPriorityFeePerGas", "gasLimit",
               "rawTransaction", "updatedAt") VALUES ($1, $2, '1', '1', 21000, '0x', CURRENT_TIMESTAMP)`,
            [attempt.hash, slot.id],
          ),
          /unique/i,
        );
        await assert.rejects(
          raw.query(
            `INSERT INTO "Intent" (subject, step, "chainId", target, calldata, value, "updatedAt")
             VALUES ('0xa11ce', 'acceptStake', 1000, '0x', '0x', '0', CURRENT_TIMESTAMP)`,
          ),
          /unique/i,
        );
      });
    });
  });
}

test("the SQLite and PostgreSQL schemas declare the same models", () => {
  const models = (provider: string) =>
    readFileSync(new URL(`../prisma/${provider}/schema.prisma`, import.meta.url), "utf8").split(
      "// ---- models (shared) ----",
    )[1];
  assert.ok(models("sqlite"));
  assert.equal(models("postgresql"), models("sqlite"));
});

test("a books URL of another kind is refused, and a database password never shows in errors", async () => {
  await assert.rejects(openBooks({ url: "mysql://root:hunter2@localhost/books" }), (error: Error) => {
    assert.match(error.message, /file:<path> \(SQLite\) or postgresql:\/\//);
    assert.ok(!error.message.includes("hunter2"));
    return true;
  });
  await assert.rejects(openBooks({ url: "postgresql://books:hunter2@127.0.0.1:1/books" }), (error: Error) => {
    assert.match(
      error.message,
      /could not migrate the books at postgresql:\/\/books:\*\*\*@127\.0\.0\.1:1\/books/,
    );
    assert.ok(!error.message.includes("hunter2"), error.message);
    return true;
  });
});
