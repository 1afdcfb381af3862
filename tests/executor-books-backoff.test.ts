// Failed intents back off in the books, on SQLite and PostgreSQL: each failure counts, the next try
// is due after an exponential, jittered, capped delay, and at the limit the intent is abandoned
// with its last reason. A failed intent is not planned again before it is due; the operator's retry
// makes it due at once (also from abandoned), the operator's abandon gives it up. The decision's
// query loads the open intents, and closed ones only while they still matter.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { Wallet } from "ethers";
import { IntentStatusConflictError, openBooks, type Books } from "../executor/bookkeeping/index.ts";
import { startPostgres, type ThrowawayPostgres } from "./helpers/postgres.ts";

const CHAIN = 1000;
const RETRY = { initialMs: 1000, maxMs: 4000, limit: 4 };
const facilitator = new Wallet(`0x${"21".repeat(32)}`);
const target = "0x00000000000000000000000000000000000000aa";
const plan = (subject: string, step = "acceptStake") => ({
  subject,
  step,
  chainId: CHAIN,
  target,
  calldata: "0x12345678",
});

async function sendOne(books: Books, key: { subject: string; step: string }): Promise<string> {
  const nonce = await books.allocateNonce({ chainId: CHAIN, account: facilitator.address });
  const raw = await facilitator.signTransaction({
    type: 2,
    chainId: CHAIN,
    nonce: Number(nonce),
    to: target,
    data: "0x12345678",
    gasLimit: 100_000n,
    maxPriorityFeePerGas: 1n,
    maxFeePerGas: 10n,
  });
  const attempt = await books.recordAttempt(key, raw);
  await books.markBroadcast(attempt.hash);
  return attempt.hash;
}

interface Backend {
  name: string;
  setUp(): Promise<void>;
  tearDown(): Promise<void>;
  freshUrl(): Promise<string>;
}

function sqlite(): Backend {
  let dir = "";
  let files = 0;
  return {
    name: "SQLite",
    async setUp() {
      dir = mkdtempSync(path.join(os.tmpdir(), "books-backoff-"));
    },
    async tearDown() {
      rmSync(dir, { recursive: true, force: true });
    },
    async freshUrl() {
      return `file:${path.join(dir, `books-${files++}.sqlite`)}`;
    },
  };
}

function postgres(): Backend {
  let server: ThrowawayPostgres | undefined;
  let databases = 0;
  return {
    name: "PostgreSQL",
    async setUp() {
      server = await startPostgres();
    },
    async tearDown() {
      await server?.stop();
    },
    async freshUrl() {
      if (server === undefined) throw new Error("PostgreSQL did not start");
      return server.createDatabase(`backoff_${databases++}`);
    },
  };
}

for (const backend of [sqlite(), postgres()]) {
  describe(`backoff in the books on ${backend.name}`, () => {
    let books: Books;
    before(async () => {
      await backend.setUp();
      books = await openBooks({ url: await backend.freshUrl(), passphrase: "backoff", retry: RETRY });
    });
    after(async () => {
      await books?.close();
      await backend.tearDown();
    });

    test("each failure doubles the wait up to the cap; at the limit the intent is abandoned", async () => {
      const key = { subject: "0xfa11", step: "acceptStake" };
      await books.planIntent(plan(key.subject));
      const waits: number[] = [];
      for (let failure = 1; failure < RETRY.limit; failure++) {
        const before = Date.now();
        const failed = await books.markFailed(key, {
          kind: "dryRun:reverted",
          message: `no funds ${failure}`,
        });
        assert.equal(failed.status, "failed");
        assert.equal(failed.failures, failure);
        assert.ok(failed.nextAttemptAt !== null, "a failed intent has its next try");
        waits.push(failed.nextAttemptAt.getTime() - before);
      }
      // 1 s, 2 s, 4 s (the cap), each with up to a quarter more of jitter, never above the cap.
      const expected = [1000, 2000, 4000];
      waits.forEach((wait, index) => {
        const base = expected[index]!;
        assert.ok(
          wait >= base - 50 && wait <= Math.min(RETRY.maxMs, base * 1.25) + 200,
          `wait ${index}: ${wait}`,
        );
      });
      const last = await books.markFailed(key, { kind: "dryRun:reverted", message: "still no funds" });
      assert.equal(last.status, "abandoned");
      assert.equal(last.failures, RETRY.limit);
      assert.equal(last.nextAttemptAt, null);
      assert.equal(last.errorMessage, "still no funds", "the last reason stays");
    });

    test("the operator's retry makes a failed intent due at once, with its allowance reset", async () => {
      const key = { subject: "0xfa12", step: "acceptStake" };
      await books.planIntent(plan(key.subject));
      await books.markFailed(key, { kind: "dryRun:reverted", message: "no funds" });
      const failed = await books.markFailed(key, { kind: "dryRun:reverted", message: "no funds" });
      assert.equal(failed.failures, 2);
      assert.ok((failed.nextAttemptAt?.getTime() ?? 0) > Date.now(), "not due yet");

      const retried = await books.retryIntent(key);
      assert.equal(retried.status, "failed");
      assert.equal(retried.failures, 0, "the operator's retry gives it its full allowance again");
      assert.equal(retried.nextAttemptAt, null, "due now");
      assert.equal(retried.errorMessage, "no funds", "the last reason stays until it is sent again");
      const again = await books.planIntent({ ...plan(key.subject), calldata: "0xaaaa" });
      assert.equal(again.intent.status, "planned");
      assert.equal(again.intent.calldata, "0xaaaa");
      assert.equal(again.intent.nextAttemptAt, null);
    });

    test("retry brings an abandoned intent back; abandon gives up a failed one, not one in flight", async () => {
      const key = { subject: "0xfa13", step: "acceptStake" };
      await books.planIntent(plan(key.subject));
      await books.markFailed(key, { kind: "rejected", message: "refused", abandon: true });
      const back = await books.retryIntent(key);
      assert.equal(back.status, "failed");
      assert.equal(back.nextAttemptAt, null);

      const given = await books.abandonIntent(key, "the operator gave up");
      assert.equal(given.status, "abandoned");
      assert.match(given.errorMessage ?? "", /the operator gave up/);
      assert.match(given.errorMessage ?? "", /refused/, "the last error is kept in the reason");

      const sent = { subject: "0xfa14", step: "progressMint" };
      await books.planIntent(plan(sent.subject, sent.step));
      await sendOne(books, sent);
      // The refusal names the status its own write read (the operator's CLI prints it).
      const refusedBy = (status: string) => (error: unknown) =>
        error instanceof IntentStatusConflictError && error.status === status;
      await assert.rejects(books.abandonIntent(sent, "no"), refusedBy("sent"));
      await assert.rejects(books.retryIntent(sent), refusedBy("sent"));
      const planned = { subject: "0xfa16", step: "acceptStake" };
      await books.planIntent(plan(planned.subject));
      await assert.rejects(books.abandonIntent(planned, "no"), refusedBy("planned"));
      await assert.rejects(books.retryIntent({ subject: "0xnone", step: "acceptStake" }), /never planned/);
    });

    test("intents are found by subject, by subject and step, or by a transaction's hash", async () => {
      const subject = "0xfa15";
      await books.planIntent(plan(subject, "confirmStakeIntent"));
      await books.planIntent(plan(subject, "progressStake"));
      const hash = await sendOne(books, { subject, step: "progressStake" });
      const steps = (found: { step: string }[]) => found.map((intent) => intent.step).sort();
      assert.deepEqual(steps(await books.selectIntents({ subjectOrHash: subject })), [
        "confirmStakeIntent",
        "progressStake",
      ]);
      assert.deepEqual(
        steps(
          await books.selectIntents({
            subjectOrHash: subject.toUpperCase().replace("0X", "0x"),
            step: "confirmStakeIntent",
          }),
        ),
        ["confirmStakeIntent"],
      );
      assert.deepEqual(steps(await books.selectIntents({ subjectOrHash: hash })), ["progressStake"]);
      assert.deepEqual(await books.selectIntents({ subjectOrHash: "0xunknown" }), []);
    });

    test("the decision loads intents in flight, and settled ones only while they matter", async () => {
      const sent = { subject: "0xd0a0", step: "acceptStake" };
      const failedListed = { subject: "0xd0a1", step: "acceptStake" };
      const failedOld = { subject: "0xd0a5", step: "anchor" };
      const confirmedOld = { subject: "0xd0a2", step: "progressMint" };
      const confirmedListed = { subject: "0xd0a3", step: "progressMint" };
      const abandonedListed = { subject: "0xd0a4", step: "acceptStake" };
      for (const key of [sent, failedListed, failedOld, confirmedOld, confirmedListed, abandonedListed]) {
        await books.planIntent(plan(key.subject, key.step));
      }
      await sendOne(books, sent);
      for (const key of [confirmedOld, confirmedListed]) {
        const hash = await sendOne(books, key);
        await books.markMined(hash, 10n);
        await books.markConfirmed(key);
      }
      await books.markFailed(abandonedListed, { kind: "rejected", message: "no", abandon: true });
      for (const key of [failedListed, failedOld]) {
        await books.markFailed(key, { kind: "dryRun:reverted", message: "no funds" });
      }

      // Everything changed just now counts as recent; a cutoff in the future leaves only the rule by subject.
      const loaded = await books.decisionIntents({
        subjects: [failedListed.subject, confirmedListed.subject, abandonedListed.subject],
        since: new Date(Date.now() + 60_000),
      });
      // The books are shared with the tests above: only this test's subjects.
      const keys = loaded
        .filter((intent) => intent.subject.startsWith("0xd0a"))
        .map((intent) => `${intent.subject} ${intent.step} ${intent.status}`)
        .sort();
      assert.deepEqual(
        keys,
        [
          `${sent.subject} acceptStake sent`,
          `${failedListed.subject} acceptStake failed`,
          `${confirmedListed.subject} progressMint confirmed`,
          `${abandonedListed.subject} acceptStake abandoned`,
        ].sort(),
      );
      // A snapshot may name more subjects than one statement may bind (SQLite: 32,766; PostgreSQL:
      // 65,535): the same intents are loaded.
      const many = Array.from({ length: 70_000 }, (_, n) => `0xf111${n}`);
      const fromMany = await books.decisionIntents({
        subjects: [...many, failedListed.subject, confirmedListed.subject, abandonedListed.subject],
        since: new Date(Date.now() + 60_000),
      });
      assert.deepEqual(
        fromMany
          .filter((intent) => intent.subject.startsWith("0xd0a"))
          .map((intent) => `${intent.subject} ${intent.step} ${intent.status}`)
          .sort(),
        keys,
      );
      const failed = loaded.find((intent) => intent.subject === failedListed.subject);
      assert.ok(failed?.nextAttemptAt instanceof Date, "the decision sees when a failed intent is due");

      const recent = await books.decisionIntents({ subjects: [], since: new Date(Date.now() - 60_000) });
      for (const key of [failedOld, confirmedOld]) {
        assert.ok(
          recent.some((intent) => intent.subject === key.subject),
          `${key.step} changed recently`,
        );
      }
    });
  });
}
