// The executor's books: intents, their signed attempts, nonces, unlock secrets, feed cursors and
// skipped requests, on SQLite or PostgreSQL through Prisma. openBooks applies pending migrations first.
//
// Every operation runs in a database transaction, even single reads: the better-sqlite3 adapter has one
// connection, and a statement issued outside a transaction would run inside whichever transaction is
// open at that moment (and be rolled back with it).
import type { KeyObject } from "node:crypto";
import { getAddress, getBytes, hexlify, keccak256 } from "ethers";
import type { Books, BooksOptions, Failure } from "./books-api.ts";
import { booksDatabase, redactUrl } from "./database.ts";
import {
  BooksConflictError,
  BooksError,
  BooksPassphraseError,
  IntentStatusConflictError,
  isUniqueViolation,
} from "./errors.ts";
import { writerLease, type WriterLease } from "./lease.ts";
import { applyPendingMigrations } from "./migrations.ts";
import * as nonces from "./nonces.ts";
import { createClient, type BooksClient, type BooksTransaction } from "./prisma-client.ts";
import { afterFailure, DEFAULT_RETRY, type RetryPolicy } from "./backoff.ts";
import * as hot from "./hot-queries.ts";
import { recordMappers, WITH_ATTEMPTS, type AttemptRecord, type IntentKey } from "./records.ts";
import { attemptContext, fieldBox, intentContext } from "./sealed-fields.ts";
import { deriveKey, keyCheck, keyCheckMatches, newKeyDerivation, open, seal } from "./secret-box.ts";
import { signedTransactionFacts } from "./signed-transaction.ts";
import { useWriteAheadLog } from "./sqlite-journal.ts";

export type {
  Books,
  BooksOptions,
  DecisionIntent,
  DecisionScope,
  Failure,
  IntentSelector,
  NonceState,
} from "./books-api.ts";

export async function openBooks(options: BooksOptions): Promise<Books> {
  const database = booksDatabase(options.url);
  database.createPrivately();
  const client = createClient(database);
  try {
    await applyPendingMigrations(client, database);
    if (database.provider === "sqlite") await useWriteAheadLog(client);
    const key =
      options.passphrase === undefined ? undefined : await unlockSecrets(client, options.passphrase);
    const lease = writerLease(client, {
      description: database.provider === "sqlite" ? database.url : redactUrl(database.url),
      exclusive: database.provider === "sqlite",
    });
    return booksOn(client, key, options.retry ?? DEFAULT_RETRY, lease);
  } catch (error) {
    await client.$disconnect();
    throw error;
  }
}

const SECRET_KEY_ROW = 1;

/** The secrets key: derived from the passphrase and the stored salt, made on the first open with one. */
async function unlockSecrets(client: BooksClient, passphrase: string): Promise<KeyObject> {
  if (passphrase === "") throw new BooksPassphraseError("the books passphrase is empty");
  let stored = await client.$transaction((tx) => tx.secretKey.findUnique({ where: { id: SECRET_KEY_ROW } }));
  if (stored === null) {
    const derivation = newKeyDerivation();
    const key = await deriveKey(passphrase, derivation);
    try {
      await client.$transaction((tx) =>
        tx.secretKey.create({ data: { id: SECRET_KEY_ROW, ...derivation, keyCheck: keyCheck(key) } }),
      );
      return key;
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
      // Another process opened the books first: use its salt.
      stored = await client.$transaction((tx) =>
        tx.secretKey.findUniqueOrThrow({ where: { id: SECRET_KEY_ROW } }),
      );
    }
  }
  const key = await deriveKey(passphrase, stored);
  if (!keyCheckMatches(key, stored.keyCheck)) {
    throw new BooksPassphraseError(
      "wrong passphrase: it is not the one these books' secrets were stored with",
    );
  }
  return key;
}

const SECRET_FORMAT = /^0x[0-9a-fA-F]{64}$/;
const OPEN_INTENT = ["planned", "sending", "sent", "failed"] as const;
const REPLACEABLE_ATTEMPT = ["signed", "broadcast", "failed"] as const;

function booksOn(
  client: BooksClient,
  secretsKey: KeyObject | undefined,
  retry: RetryPolicy,
  lease: WriterLease,
): Books {
  const run = <T>(work: (tx: BooksTransaction) => Promise<T>): Promise<T> => client.$transaction(work);
  /** Every write: refused unless this process still holds the writer lease it took (if it took one). */
  const write = <T>(work: (tx: BooksTransaction) => Promise<T>): Promise<T> =>
    client.$transaction(async (tx) => {
      await lease.fence(tx);
      return work(tx);
    });
  const intentWhere = ({ subject, step }: IntentKey) => ({ subject_step: { subject, step } });
  const describe = ({ subject, step }: IntentKey) => `intent ${step} of ${subject}`;
  const box = fieldBox(secretsKey);
  /** Accounts whose nonce cursor exists (`chainId:address`). */
  const knownCursors = new Set<string>();
  /** Each feed's cursor as this process last wrote it: the same cursor is not written again. */
  const savedCursors = new Map<string, string>();
  const { intentRecord, attemptRecord, intentWithAttempts } = recordMappers(box);
  const sealCalldata = (key: IntentKey, calldata: string) =>
    box.seal(key.step, intentContext(key), hexlify(calldata));
  const sealTransaction = (step: string, facts: { hash: string; rawTransaction: string }) =>
    box.seal(step, attemptContext(facts.hash), facts.rawTransaction);

  /** The failure counted: failed until its backoff is over, or abandoned (asked to, or at the limit). */
  function failedData(intent: { failures: number }, failure: Omit<Failure, "attemptHash">) {
    const failures = intent.failures + 1;
    return {
      ...afterFailure(failures, retry, failure.abandon === true),
      failures,
      errorKind: failure.kind,
      errorMessage: failure.message,
    };
  }

  function requireKey(): KeyObject {
    if (secretsKey === undefined) {
      throw new BooksPassphraseError("the books were opened without a passphrase: secrets are unavailable");
    }
    return secretsKey;
  }

  async function findIntent(tx: BooksTransaction, key: IntentKey) {
    const intent = await hot.intentByKey(tx, key.subject, key.step);
    if (intent === null) throw new BooksError(`${describe(key)} was never planned`);
    return intent;
  }

  async function findAttempt(tx: BooksTransaction, hash: string) {
    const attempt = await hot.attemptByHash(tx, hash.toLowerCase());
    if (attempt === null) throw new BooksError(`no attempt with hash ${hash}`);
    return attempt;
  }

  /** Marks an attempt replaced; conditional on its status, so of two concurrent replacements only one wins. */
  async function markReplaced(tx: BooksTransaction, attempt: { id: number; hash: string }): Promise<void> {
    const { count } = await tx.attempt.updateMany({
      where: { id: attempt.id, status: { in: [...REPLACEABLE_ATTEMPT] } },
      data: { status: "replaced" },
    });
    if (count === 0) {
      const { status } = await tx.attempt.findUniqueOrThrow({ where: { id: attempt.id } });
      throw new BooksConflictError(`attempt ${attempt.hash} is ${status}: it cannot be replaced`);
    }
  }

  /** An intent planned again (or failed) that takes a transaction is sending again. */
  async function reopenIntent(tx: BooksTransaction, intentId: number): Promise<void> {
    await hot.setIntentStatus(tx, intentId, "sending", ["planned", "failed"]);
  }

  async function loadAttempt(tx: BooksTransaction, hash: string): Promise<AttemptRecord> {
    const attempt = await findAttempt(tx, hash);
    return attemptRecord(attempt, attempt.slot);
  }

  /** Records a signed transaction of an intent at a nonce the books handed out (see recordAttempt). */
  async function recordIn(
    tx: BooksTransaction,
    key: IntentKey,
    rawTransaction: string,
  ): Promise<AttemptRecord> {
    const facts = signedTransactionFacts(rawTransaction);
    const hash = facts.hash.toLowerCase();
    const intent = await findIntent(tx, key);
    if (!(OPEN_INTENT as readonly string[]).includes(intent.status)) {
      throw new BooksConflictError(`${describe(key)} is ${intent.status}: it takes no new transaction`);
    }
    // One live transaction per intent: another nonce would be a second effect.
    const live = await hot.attemptOfIntentIn(tx, intent.id, nonces.LIVE_ATTEMPT);
    if (live !== null && live !== hash) {
      throw new BooksConflictError(
        `${describe(key)} already has transaction ${live} out: replace that one instead`,
      );
    }
    if (facts.chainId !== Number(intent.chainId)) {
      throw new BooksConflictError(
        `transaction ${hash} is for chain ${facts.chainId}, ${describe(key)} for chain ${intent.chainId}`,
      );
    }
    const account = { chainId: facts.chainId, account: facts.from };
    const slotName = `nonce ${facts.nonce} of ${facts.from} on chain ${facts.chainId}`;
    const next = await nonces.lockCursor(tx, account);
    if (next === undefined || facts.nonce >= next) {
      throw new BooksError(`${slotName} was not allocated by these books: allocateNonce first`);
    }
    if (await hot.isReleased(tx, BigInt(facts.chainId), facts.from, facts.nonce)) {
      throw new BooksConflictError(`${slotName} was released: allocate a nonce again`);
    }
    const recorded = await hot.attemptByHash(tx, hash);
    if (recorded) return attemptRecord(recorded, recorded.slot);
    const slotKey = { chainId: BigInt(facts.chainId), from: facts.from, nonce: facts.nonce };
    const taken =
      (await hot.slotExists(tx, slotKey.chainId, slotKey.from, slotKey.nonce)) &&
      (await tx.nonceSlot.findUnique({
        where: { chainId_from_nonce: slotKey },
        include: { intent: true, attempts: { orderBy: { id: "desc" }, take: 1 } },
      }));
    if (taken) {
      throw new BooksConflictError(
        `${slotName} is already taken by ${describe(taken.intent)} (attempt ${taken.attempts[0]?.hash}): ` +
          "to send at that nonce again, record a replacement of that attempt",
      );
    }
    await hot.insertSlotWithAttempt(
      tx,
      { ...slotKey, intentId: intent.id },
      {
        hash,
        maxFeePerGas: facts.maxFeePerGas.toString(),
        maxPriorityFeePerGas: facts.maxPriorityFeePerGas.toString(),
        gasLimit: facts.gasLimit,
        rawTransaction: sealTransaction(intent.step, facts),
      },
    );
    await reopenIntent(tx, intent.id);
    return loadAttempt(tx, hash);
  }

  /** Creates an account's nonce cursor unless this process saw it exists (a cursor is never deleted). */
  async function ensureCursorOnce(request: nonces.NonceAccount): Promise<void> {
    const account = `${request.chainId}:${getAddress(request.account)}`;
    if (knownCursors.has(account)) return;
    await nonces.ensureCursor(write, request);
    knownCursors.add(account);
  }

  async function storeSecretOnce(
    subject: string,
    sealed: ReturnType<typeof seal>,
    hashLock: string,
    messageHash: string | null,
  ) {
    return write(async (tx) => {
      const stored = await hot.secretsFor(tx, [subject], [hashLock]);
      const existing = stored.find((row) => row.subject === subject);
      if (existing !== undefined) {
        if (existing.hashLock === hashLock) return;
        throw new BooksConflictError(
          `subject ${subject} already has another secret (hash lock ${existing.hashLock})`,
        );
      }
      const sameLock = stored.find((row) => row.hashLock === hashLock);
      if (sameLock !== undefined) {
        throw new BooksConflictError(
          `the secret with hash lock ${hashLock} is already stored for subject ${sameLock.subject}: never reuse a secret`,
        );
      }
      await tx.secret.create({ data: { subject, hashLock, messageHash, ...sealed } });
    });
  }

  return {
    async planIntent(plan) {
      const key = { subject: plan.subject, step: plan.step };
      const call = {
        target: getAddress(plan.target),
        calldata: sealCalldata(key, plan.calldata),
        value: (plan.value ?? 0n).toString(),
      };
      try {
        // One transaction, whether the intent is new, replanned or already there.
        const { row, created } = await write(async (tx) => {
          const existing = await hot.intentByKey(tx, key.subject, key.step);
          if (existing?.status === "failed") {
            // The backoff is the decision's to respect (a send asked for now is made now); conditional
            // on the status, so of concurrent plans one replans.
            await tx.intent.updateMany({
              where: { id: existing.id, status: "failed" },
              data: { ...call, status: "planned", nextAttemptAt: null, errorKind: null, errorMessage: null },
            });
            return { row: await tx.intent.findUniqueOrThrow({ where: { id: existing.id } }), created: false };
          }
          if (existing) return { row: existing, created: false };
          const data = { ...key, chainId: BigInt(plan.chainId), ...call };
          return { row: await tx.intent.create({ data }), created: true };
        });
        return { intent: intentRecord(row), created };
      } catch (error) {
        if (!isUniqueViolation(error)) throw error;
        // Planned concurrently by someone else: theirs stands.
        const intent = await run((tx) => tx.intent.findUniqueOrThrow({ where: intentWhere(key) }));
        return { intent: intentRecord(intent), created: false };
      }
    },

    recordAttempt(key, rawTransaction) {
      return write((tx) => recordIn(tx, key, rawTransaction));
    },

    async recordAttemptAtNewNonce(key, request, sign) {
      await ensureCursorOnce(request);
      // Allocated, signed and recorded in one transaction: no nonce is ever handed out unrecorded.
      return write(async (tx) => recordIn(tx, key, await sign(await nonces.allocateNonce(tx, request))));
    },

    async recordReplacement(replacedHash, rawTransaction) {
      const facts = signedTransactionFacts(rawTransaction);
      const hash = facts.hash.toLowerCase();
      return write(async (tx) => {
        const replaced = await findAttempt(tx, replacedHash);
        const { slot } = replaced;
        const already = await tx.attempt.findUnique({ where: { hash }, include: { replaces: true } });
        if (already?.replaces?.id === replaced.id) return loadAttempt(tx, hash);
        if (
          already?.slotId === slot.id &&
          (already.status === "failed" || already.status === "replaced") &&
          (already.id !== replaced.id || replaced.status === "failed")
        ) {
          // An earlier transaction at this nonce signed again with the same fees (the refused one
          // itself, or the one a refused bump was to replace): that one is to be sent again.
          if (already.id !== replaced.id) await markReplaced(tx, replaced);
          await tx.attempt.update({ where: { id: already.id }, data: { status: "signed" } });
          await reopenIntent(tx, slot.intentId);
          return loadAttempt(tx, hash);
        }
        if (already) throw new BooksConflictError(`transaction ${hash} is already recorded`);
        if (
          facts.chainId !== Number(slot.chainId) ||
          facts.from !== slot.from ||
          facts.nonce !== slot.nonce
        ) {
          throw new BooksConflictError(
            `transaction ${hash} cannot replace ${replaced.hash}: a replacement has the same chain, sender and nonce`,
          );
        }
        await markReplaced(tx, replaced);
        await reopenIntent(tx, slot.intentId);
        await tx.attempt.create({
          data: {
            hash,
            slotId: slot.id,
            replacesId: replaced.id,
            maxFeePerGas: facts.maxFeePerGas.toString(),
            maxPriorityFeePerGas: facts.maxPriorityFeePerGas.toString(),
            gasLimit: facts.gasLimit,
            rawTransaction: sealTransaction(slot.intent.step, facts),
          },
        });
        return loadAttempt(tx, hash);
      });
    },

    async nonceState(key) {
      const { next, released, slot } = await run((tx) => nonces.slotState(tx, key));
      return {
        next,
        released,
        holder:
          slot === null
            ? null
            : {
                intent: intentRecord(slot.intent),
                attempts: slot.attempts.map((attempt) => attemptRecord(attempt, slot)),
              },
      };
    },

    async recordGapFill(key, rawTransaction) {
      const facts = signedTransactionFacts(rawTransaction);
      const hash = facts.hash.toLowerCase();
      return write(async (tx) => {
        const intent = await findIntent(tx, key);
        const existing = await tx.attempt.findUnique({ where: { hash }, include: { slot: true } });
        if (existing?.slot.intentId === intent.id) return loadAttempt(tx, hash);
        if (existing) throw new BooksConflictError(`transaction ${hash} is already recorded`);
        if (!(OPEN_INTENT as readonly string[]).includes(intent.status)) {
          throw new BooksConflictError(`${describe(key)} is ${intent.status}: it takes no new transaction`);
        }
        if (facts.chainId !== Number(intent.chainId)) {
          throw new BooksConflictError(
            `transaction ${hash} is for chain ${facts.chainId}, ${describe(key)} for chain ${intent.chainId}`,
          );
        }
        const live = await tx.attempt.findFirst({
          where: { slot: { intentId: intent.id }, status: { in: [...nonces.LIVE_ATTEMPT] } },
        });
        if (live) {
          throw new BooksConflictError(
            `${describe(key)} already has transaction ${live.hash} out: replace that one instead`,
          );
        }
        const account = { chainId: facts.chainId, account: facts.from };
        const slotName = `nonce ${facts.nonce} of ${facts.from} on chain ${facts.chainId}`;
        // The account's lock: allocations, releases and new attempts wait for this transaction.
        const next = await nonces.lockCursor(tx, account);
        if (next === undefined || facts.nonce >= next) {
          throw new BooksError(`${slotName} was never handed out: there is no gap to fill`);
        }
        // A nonce given back is taken here, so no allocation hands it out again.
        await tx.releasedNonce.deleteMany({
          where: { chainId: BigInt(facts.chainId), account: facts.from, nonce: facts.nonce },
        });
        const slotKey = { chainId: BigInt(facts.chainId), from: facts.from, nonce: facts.nonce };
        const attemptData = {
          hash,
          maxFeePerGas: facts.maxFeePerGas.toString(),
          maxPriorityFeePerGas: facts.maxPriorityFeePerGas.toString(),
          gasLimit: facts.gasLimit,
          rawTransaction: sealTransaction(intent.step, facts),
        };
        const slot = await tx.nonceSlot.findUnique({
          where: { chainId_from_nonce: slotKey },
          include: { intent: true, attempts: { orderBy: { id: "desc" } } },
        });
        if (slot === null) {
          await tx.nonceSlot.create({
            data: { ...slotKey, intentId: intent.id, attempts: { create: attemptData } },
          });
        } else {
          const held = slot.attempts.find((attempt) =>
            (nonces.LIVE_ATTEMPT as readonly string[]).includes(attempt.status),
          );
          const [last] = slot.attempts;
          if (held || last === undefined) {
            throw new BooksConflictError(
              `${slotName} is held by ${describe(slot.intent)} (attempt ${held?.hash ?? "none"} ${held?.status ?? ""}): no gap`,
            );
          }
          // Conditional on the status, like recordReplacement: of the intent re-sending its refused
          // transaction and the filler, only one wins.
          const { count } = await tx.attempt.updateMany({
            where: { id: last.id, status: "failed" },
            data: { status: "replaced" },
          });
          if (count === 0) {
            throw new BooksConflictError(
              `attempt ${last.hash} at ${slotName} is no longer failed: it cannot be replaced by a gap fill`,
            );
          }
          await tx.nonceSlot.update({ where: { id: slot.id }, data: { intentId: intent.id } });
          await tx.attempt.create({ data: { ...attemptData, slotId: slot.id, replacesId: last.id } });
        }
        await tx.intent.updateMany({
          where: { id: intent.id, status: { in: ["planned", "failed"] } },
          data: { status: "sending" },
        });
        return loadAttempt(tx, hash);
      });
    },

    async intentStatuses() {
      const rows = await run((tx) =>
        tx.intent.findMany({ select: { subject: true, step: true, status: true } }),
      );
      return rows;
    },

    async decisionIntents({ subjects, since }) {
      // Besides those in flight, the others matter while the snapshot still shows their subject (a
      // failed or abandoned accept of a request still open), or shortly after their last change (a
      // failed anchor backing off, a confirmed one the subgraph has not indexed yet).
      return run((tx) =>
        hot.decisionIntents(
          tx,
          ["planned", "sending", "sent", "mined"],
          ["failed", "confirmed", "abandoned"],
          { subjects, since },
        ),
      );
    },

    async selectIntents({ subjectOrHash, step }) {
      const value = subjectOrHash.trim();
      return run(async (tx) => {
        const bySubject = await tx.intent.findMany({
          where: { subject: { in: [...new Set([value, value.toLowerCase()])] }, ...(step ? { step } : {}) },
          include: WITH_ATTEMPTS,
          orderBy: { id: "asc" },
        });
        if (bySubject.length > 0) return bySubject.map(intentWithAttempts);
        const attempt = await tx.attempt.findUnique({
          where: { hash: value.toLowerCase() },
          include: { slot: true },
        });
        if (attempt === null) return [];
        const intent = await tx.intent.findUniqueOrThrow({
          where: { id: attempt.slot.intentId },
          include: WITH_ATTEMPTS,
        });
        return step === undefined || intent.step === step ? [intentWithAttempts(intent)] : [];
      });
    },

    retryIntent(key) {
      return write(async (tx) => {
        const intent = await findIntent(tx, key);
        if (intent.status !== "failed" && intent.status !== "abandoned") {
          throw new IntentStatusConflictError(
            `${describe(key)} is ${intent.status}: only a failed or abandoned intent is retried`,
            intent.status,
          );
        }
        return intentRecord(
          await tx.intent.update({
            where: { id: intent.id },
            data: { status: "failed", failures: 0, nextAttemptAt: null },
          }),
        );
      });
    },

    abandonIntent(key, reason) {
      return write(async (tx) => {
        const intent = await findIntent(tx, key);
        if (intent.status === "abandoned") return intentRecord(intent);
        if (intent.status !== "failed") {
          throw new IntentStatusConflictError(
            `${describe(key)} is ${intent.status}: only a failed intent can be abandoned ` +
              "(one being sent or in flight may still land)",
            intent.status,
          );
        }
        const last =
          intent.errorKind === null ? "" : ` (last error ${intent.errorKind}: ${intent.errorMessage ?? ""})`;
        return intentRecord(
          await tx.intent.update({
            where: { id: intent.id },
            data: {
              status: "abandoned",
              nextAttemptAt: null,
              errorKind: "abandonedByOperator",
              errorMessage: `${reason}${last}`,
            },
          }),
        );
      });
    },

    async heldHashLocks(scope) {
      if (scope === undefined) {
        return run((tx) =>
          tx.secret.findMany({ select: { subject: true, hashLock: true, messageHash: true } }),
        );
      }
      const hashLocks = scope.hashLocks.map((hashLock) => hashLock.toLowerCase());
      return run((tx) => hot.secretsFor(tx, scope.subjects, hashLocks));
    },

    markBroadcast(hash) {
      return write(async (tx) => {
        const attempt = await findAttempt(tx, hash);
        await hot.setAttemptStatus(tx, attempt.id, "broadcast", ["signed"]);
        await hot.setIntentStatus(tx, attempt.slot.intentId, "sent", ["planned", "sending"]);
        return loadAttempt(tx, hash);
      });
    },

    markMined(hash, blockNumber, options) {
      return write(async (tx) => {
        const attempt = await findAttempt(tx, hash);
        await hot.setAttemptStatus(tx, attempt.id, "mined");
        // Only one transaction per nonce can be in the chain.
        await hot.dropOtherAttempts(tx, attempt.slotId, attempt.id);
        const status = options?.confirmed === true ? "confirmed" : "mined";
        await hot.setIntentMined(tx, attempt.slot.intentId, status, attempt.hash, blockNumber);
        return intentRecord(await hot.intentById(tx, attempt.slot.intentId));
      });
    },

    markConfirmed(key) {
      return write(async (tx) => {
        const intent = await findIntent(tx, key);
        if (intent.status === "confirmed") return intentRecord(intent);
        if (intent.status !== "mined") {
          throw new BooksConflictError(
            `${describe(key)} is ${intent.status}: only a mined intent can be confirmed`,
          );
        }
        await hot.setIntentStatus(tx, intent.id, "confirmed", ["mined"]);
        return intentRecord(await hot.intentById(tx, intent.id));
      });
    },

    markUnmined(hash) {
      return write(async (tx) => {
        const attempt = await findAttempt(tx, hash);
        if (attempt.status !== "mined") {
          throw new BooksConflictError(
            `attempt ${attempt.hash} is ${attempt.status}: only a mined one leaves a block`,
          );
        }
        await tx.attempt.update({ where: { id: attempt.id }, data: { status: "broadcast" } });
        return intentRecord(
          await tx.intent.update({
            where: { id: attempt.slot.intentId },
            data: { status: "sent", minedHash: null, minedBlock: null },
          }),
        );
      });
    },

    async confirmedSince(chainId, fromBlock) {
      const rows = await run((tx) =>
        tx.intent.findMany({
          where: {
            chainId: BigInt(chainId),
            status: { in: ["mined", "confirmed"] },
            minedBlock: { gte: fromBlock },
          },
          orderBy: { id: "asc" },
        }),
      );
      return rows.map(intentRecord);
    },

    markFailed(key, failure) {
      return write(async (tx) => {
        const intent = await findIntent(tx, key);
        if (failure.attemptHash !== undefined) {
          const attempt = await findAttempt(tx, failure.attemptHash);
          if (attempt.slot.intentId !== intent.id) {
            throw new BooksError(`attempt ${attempt.hash} belongs to ${describe(attempt.slot.intent)}`);
          }
          await tx.attempt.updateMany({
            where: { id: attempt.id, status: { in: ["signed", "broadcast"] } },
            data: { status: "failed" },
          });
        }
        const updated = await tx.intent.update({
          where: { id: intent.id },
          data: failedData(intent, failure),
        });
        return intentRecord(updated);
      });
    },

    markReverted(hash, failure) {
      return write(async (tx) => {
        const attempt = await findAttempt(tx, hash);
        if (attempt.status !== "mined" && attempt.status !== "reverted") {
          throw new BooksConflictError(
            `attempt ${attempt.hash} is ${attempt.status}: only a mined one reverts`,
          );
        }
        await tx.attempt.update({ where: { id: attempt.id }, data: { status: "reverted" } });
        return intentRecord(
          await tx.intent.update({
            where: { id: attempt.slot.intentId },
            data: failedData(attempt.slot.intent, failure),
          }),
        );
      });
    },

    async allocateNonce(request) {
      await ensureCursorOnce(request);
      return write((tx) => nonces.allocateNonce(tx, request));
    },

    releaseNonce(slot) {
      return write((tx) => nonces.releaseNonce(tx, slot));
    },

    async storeSecret(subject, secret, messageHash) {
      const key = requireKey();
      if (!SECRET_FORMAT.test(secret))
        throw new BooksError("a secret is 32 bytes written as 0x-prefixed hex");
      if (messageHash !== undefined && !SECRET_FORMAT.test(messageHash))
        throw new BooksError("a message hash is 32 bytes written as 0x-prefixed hex");
      const declared = messageHash?.toLowerCase() ?? null;
      const plain = getBytes(secret);
      const hashLock = keccak256(plain);
      const sealed = seal(key, subject, plain);
      try {
        await storeSecretOnce(subject, sealed, hashLock, declared);
      } catch (error) {
        if (!isUniqueViolation(error)) throw error;
        // Stored concurrently: the checks now see that row.
        await storeSecretOnce(subject, sealed, hashLock, declared);
      }
      return hashLock;
    },

    async recordDeclaredMessage(subject, messageHash) {
      if (!SECRET_FORMAT.test(messageHash))
        throw new BooksError("a message hash is 32 bytes written as 0x-prefixed hex");
      const { count } = await write((tx) =>
        tx.secret.updateMany({ where: { subject }, data: { messageHash: messageHash.toLowerCase() } }),
      );
      if (count === 0) throw new BooksError(`no secret is stored for subject ${subject}`);
    },

    async readSecret(lookup) {
      const key = requireKey();
      const row = await run((tx) =>
        hot.secretBy(
          tx,
          "subject" in lookup ? { subject: lookup.subject } : { hashLock: lookup.hashLock.toLowerCase() },
        ),
      );
      if (row === null) return undefined;
      const plain = open(key, row.subject, row);
      if (plain === undefined || keccak256(plain) !== row.hashLock) {
        throw new BooksError(
          `the stored secret of subject ${row.subject} does not decrypt: its row was altered`,
        );
      }
      return hexlify(plain);
    },

    async saveCursor(feed, { number, hash }) {
      const saved = `${number}:${hash}`;
      if (savedCursors.get(feed) === saved) return;
      await write((tx) =>
        tx.cursor.upsert({
          where: { feed },
          create: { feed, blockNumber: number, blockHash: hash },
          update: { blockNumber: number, blockHash: hash },
        }),
      );
      savedCursors.set(feed, saved);
    },

    async readCursor(feed) {
      const row = await run((tx) => tx.cursor.findUnique({ where: { feed } }));
      return row === null ? undefined : { number: row.blockNumber, hash: row.blockHash };
    },

    async recordSkip(subject, reason) {
      await write((tx) =>
        tx.skip.upsert({ where: { subject }, create: { subject, reason }, update: { reason } }),
      );
    },

    skips(limit = 100) {
      return run((tx) =>
        tx.skip.findMany({ orderBy: [{ updatedAt: "desc" }, { subject: "asc" }], take: limit }),
      );
    },

    async intentsFor(subject) {
      const rows = await run((tx) => hot.intentsOfSubject(tx, subject));
      return rows.map(intentWithAttempts);
    },

    async inFlight() {
      const rows = await run((tx) =>
        tx.intent.findMany({
          where: { status: { in: ["sending", "sent", "mined"] } },
          include: WITH_ATTEMPTS,
          orderBy: { id: "asc" },
        }),
      );
      return rows.map(intentWithAttempts);
    },

    async recent(limit = 20) {
      const rows = await run((tx) =>
        tx.intent.findMany({
          include: WITH_ATTEMPTS,
          orderBy: [{ updatedAt: "desc" }, { id: "desc" }],
          take: limit,
        }),
      );
      return rows.map(intentWithAttempts);
    },

    acquireLease: (options) => lease.acquire(options),
    leases: () => lease.holders(),

    async close() {
      try {
        await lease.release();
      } finally {
        await client.$disconnect();
      }
    },
  };
}
