// The statements every send runs, as SQL instead of Prisma model queries. Prisma 6.19 compiles each
// model query afresh (no plan cache) and interprets its plan in JavaScript: about 0.7 ms of the
// executor's only thread per query on this project's machines, against about 0.09 ms for a raw one,
// and a send ran some 35 of them. The SQL suits both providers: identifiers are double-quoted, the
// tagged template puts in each provider's placeholders, and rows come back typed by the driver
// (bigint for BIGINT columns, Date for DateTime ones, as model queries give them).
//
// Statuses are written into the SQL text, not bound: PostgreSQL compares an enum column with an
// untyped literal but not with a text parameter. They come from this module's callers' constants.
import { Prisma, type Attempt, type Intent, type NonceSlot } from "./generated/sqlite/client.ts";
import type { AttemptStatus, HeldHashLock, IntentStatus } from "./records.ts";
import type { SealedSecret } from "./secret-box.ts";
import type { BooksTransaction } from "./prisma-client.ts";

/** A status list as SQL literals: `'a','b'`. */
function statusList(statuses: readonly (AttemptStatus | IntentStatus)[]): Prisma.Sql {
  for (const status of statuses) {
    if (!/^[a-z]+$/.test(status)) throw new Error(`not a status: ${status}`);
  }
  return Prisma.raw(statuses.map((status) => `'${status}'`).join(","));
}

const INTENT_FIELDS = [
  "id",
  "subject",
  "step",
  "chainId",
  "status",
  "target",
  "calldata",
  "value",
  "minedHash",
  "minedBlock",
  "errorKind",
  "errorMessage",
  "failures",
  "nextAttemptAt",
  "createdAt",
  "updatedAt",
] as const;
const INTENT_COLUMNS = Prisma.raw(INTENT_FIELDS.map((field) => `i."${field}"`).join(", "));
/** The intent's columns beside another table's, whose names they share. */
const JOINED_INTENT_COLUMNS = Prisma.raw(
  INTENT_FIELDS.map((field) => `i."${field}" AS "intent_${field}"`).join(", "),
);

/** An attempt with its nonce slot and the hash of the attempt it replaced. */
type AttemptOfSlot = Attempt & { slot: NonceSlot; replaces: { hash: string } | null };

/** An attempt with its nonce slot, the slot's intent and the hash of the attempt it replaced. */
export type AttemptInSlot = AttemptOfSlot & { slot: { intent: Intent } };

/** The write's fence (see lease.ts): 1 when `token` still holds the lease `name`, else 0. */
export function fenceLease(tx: BooksTransaction, name: string, token: number): Promise<number> {
  return tx.$executeRaw`UPDATE "Lease" SET "token" = ${token} WHERE "name" = ${name} AND "token" = ${token} AND "releasedAt" IS NULL`;
}

/** An attempt's columns, its slot's and its replaced attempt's hash: `a`, `s` and `r` of the query. */
const ATTEMPT_IN_SLOT_COLUMNS = Prisma.raw(
  'a."id", a."hash", a."slotId", a."maxFeePerGas", a."maxPriorityFeePerGas", a."gasLimit", ' +
    'a."rawTransaction", a."status", a."replacesId", a."createdAt", a."updatedAt", ' +
    'r."hash" AS "replacesHash", s."chainId" AS "slotChainId", s."from" AS "slotFrom", ' +
    's."nonce" AS "slotNonce", s."intentId" AS "slotIntentId", s."createdAt" AS "slotCreatedAt"',
);
const ATTEMPT_IN_SLOT_TABLES = Prisma.raw(
  '"Attempt" a JOIN "NonceSlot" s ON s."id" = a."slotId" JOIN "Intent" i ON i."id" = s."intentId" ' +
    'LEFT JOIN "Attempt" r ON r."id" = a."replacesId"',
);

interface AttemptInSlotRow extends Attempt {
  replacesHash: string | null;
  slotChainId: bigint;
  slotFrom: string;
  slotNonce: bigint;
  slotIntentId: number;
  slotCreatedAt: Date;
}

function attemptOfSlot(row: AttemptInSlotRow): AttemptOfSlot {
  return {
    id: row.id,
    hash: row.hash,
    slotId: row.slotId,
    maxFeePerGas: row.maxFeePerGas,
    maxPriorityFeePerGas: row.maxPriorityFeePerGas,
    gasLimit: row.gasLimit,
    rawTransaction: row.rawTransaction,
    status: row.status,
    replacesId: row.replacesId,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
    replaces: row.replacesHash === null ? null : { hash: row.replacesHash },
    slot: {
      id: row.slotId,
      chainId: row.slotChainId,
      from: row.slotFrom,
      nonce: row.slotNonce,
      intentId: row.slotIntentId,
      createdAt: row.slotCreatedAt,
    },
  };
}

export async function attemptByHash(tx: BooksTransaction, hash: string): Promise<AttemptInSlot | null> {
  const [row] = await tx.$queryRaw<(AttemptInSlotRow & Record<string, unknown>)[]>`
    SELECT ${ATTEMPT_IN_SLOT_COLUMNS}, ${JOINED_INTENT_COLUMNS} FROM ${ATTEMPT_IN_SLOT_TABLES}
    WHERE a."hash" = ${hash}`;
  if (row === undefined) return null;
  const intent = Object.fromEntries(INTENT_FIELDS.map((field) => [field, row[`intent_${field}`]])) as Intent;
  const attempt = attemptOfSlot(row);
  return { ...attempt, slot: { ...attempt.slot, intent } };
}

/** The subject's intents (oldest first), each with its nonce slots and their attempts (oldest first). */
export async function intentsOfSubject(
  tx: BooksTransaction,
  subject: string,
): Promise<(Intent & { slots: (NonceSlot & { attempts: AttemptOfSlot[] })[] })[]> {
  const intents = await tx.$queryRaw<Intent[]>`
    SELECT ${INTENT_COLUMNS} FROM "Intent" i WHERE i."subject" = ${subject} ORDER BY i."id"`;
  if (intents.length === 0) return [];
  const rows = await tx.$queryRaw<AttemptInSlotRow[]>`
    SELECT ${ATTEMPT_IN_SLOT_COLUMNS} FROM ${ATTEMPT_IN_SLOT_TABLES}
    WHERE i."subject" = ${subject} ORDER BY a."id"`;
  const slots = new Map<number, NonceSlot & { attempts: AttemptOfSlot[] }>();
  for (const row of rows) {
    const attempt = attemptOfSlot(row);
    let slot = slots.get(attempt.slotId);
    if (slot === undefined) {
      slot = { ...attempt.slot, attempts: [] };
      slots.set(attempt.slotId, slot);
    }
    slot.attempts.push(attempt);
  }
  return intents.map((intent) => ({
    ...intent,
    slots: [...slots.values()].filter((slot) => slot.intentId === intent.id),
  }));
}

export async function intentByKey(
  tx: BooksTransaction,
  subject: string,
  step: string,
): Promise<Intent | null> {
  const rows = await tx.$queryRaw<Intent[]>`
    SELECT ${INTENT_COLUMNS} FROM "Intent" i WHERE i."subject" = ${subject} AND i."step" = ${step}`;
  return rows[0] ?? null;
}

export async function intentById(tx: BooksTransaction, id: number): Promise<Intent> {
  const rows = await tx.$queryRaw<Intent[]>`SELECT ${INTENT_COLUMNS} FROM "Intent" i WHERE i."id" = ${id}`;
  if (rows[0] === undefined) throw new Error(`no intent with id ${id}`);
  return rows[0];
}

/** Sets an attempt's status, where its status is one of `from` (any when left out); the count changed. */
export function setAttemptStatus(
  tx: BooksTransaction,
  id: number,
  to: AttemptStatus,
  from?: readonly AttemptStatus[],
): Promise<number> {
  const condition = from === undefined ? Prisma.empty : Prisma.sql`AND "status" IN (${statusList(from)})`;
  return tx.$executeRaw`
    UPDATE "Attempt" SET "status" = ${statusList([to])}, "updatedAt" = ${new Date()}
    WHERE "id" = ${id} ${condition}`;
}

/** The slot's other attempts are dropped: only one transaction per nonce can be in the chain. */
export function dropOtherAttempts(tx: BooksTransaction, slotId: number, keptId: number): Promise<number> {
  return tx.$executeRaw`
    UPDATE "Attempt" SET "status" = 'dropped', "updatedAt" = ${new Date()}
    WHERE "slotId" = ${slotId} AND "id" <> ${keptId}`;
}

/** Sets an intent's status, where its status is one of `from`; the count changed. */
export function setIntentStatus(
  tx: BooksTransaction,
  id: number,
  to: IntentStatus,
  from: readonly IntentStatus[],
): Promise<number> {
  return tx.$executeRaw`
    UPDATE "Intent" SET "status" = ${statusList([to])}, "updatedAt" = ${new Date()}
    WHERE "id" = ${id} AND "status" IN (${statusList(from)})`;
}

/** The intent is in a block, with the attempt that got it there. */
export function setIntentMined(
  tx: BooksTransaction,
  id: number,
  to: "mined" | "confirmed",
  minedHash: string,
  minedBlock: bigint,
): Promise<number> {
  return tx.$executeRaw`
    UPDATE "Intent" SET "status" = ${statusList([to])}, "minedHash" = ${minedHash},
      "minedBlock" = ${minedBlock}, "updatedAt" = ${new Date()}
    WHERE "id" = ${id}`;
}

/** The hash of an attempt of the intent in `statuses`, if any. */
export async function attemptOfIntentIn(
  tx: BooksTransaction,
  intentId: number,
  statuses: readonly AttemptStatus[],
): Promise<string | null> {
  const rows = await tx.$queryRaw<{ hash: string }[]>`
    SELECT a."hash" FROM "Attempt" a JOIN "NonceSlot" s ON s."id" = a."slotId"
    WHERE s."intentId" = ${intentId} AND a."status" IN (${statusList(statuses)})
    ORDER BY a."id" LIMIT 1`;
  return rows[0]?.hash ?? null;
}

/**
 * Takes the account's cursor row lock (an update: on PostgreSQL it is held until the transaction
 * ends) and returns its next nonce; undefined when the account has no cursor.
 */
export async function lockCursor(
  tx: BooksTransaction,
  chainId: bigint,
  account: string,
): Promise<bigint | undefined> {
  const rows = await tx.$queryRaw<{ next: bigint }[]>`
    UPDATE "NonceCursor" SET "updatedAt" = ${new Date()}
    WHERE "chainId" = ${chainId} AND "account" = ${account} RETURNING "next"`;
  return rows[0]?.next;
}

export function setCursorNext(
  tx: BooksTransaction,
  chainId: bigint,
  account: string,
  next: bigint,
): Promise<number> {
  return tx.$executeRaw`
    UPDATE "NonceCursor" SET "next" = ${next}, "updatedAt" = ${new Date()}
    WHERE "chainId" = ${chainId} AND "account" = ${account}`;
}

/** Released nonces below `floor` were used since, by something else: they are forgotten. */
export function forgetReleasedBelow(
  tx: BooksTransaction,
  chainId: bigint,
  account: string,
  floor: bigint,
): Promise<number> {
  return tx.$executeRaw`
    DELETE FROM "ReleasedNonce" WHERE "chainId" = ${chainId} AND "account" = ${account} AND "nonce" < ${floor}`;
}

export async function lowestReleased(
  tx: BooksTransaction,
  chainId: bigint,
  account: string,
): Promise<bigint | undefined> {
  const rows = await tx.$queryRaw<{ nonce: bigint }[]>`
    SELECT "nonce" FROM "ReleasedNonce" WHERE "chainId" = ${chainId} AND "account" = ${account}
    ORDER BY "nonce" LIMIT 1`;
  return rows[0]?.nonce;
}

export async function isReleased(
  tx: BooksTransaction,
  chainId: bigint,
  account: string,
  nonce: bigint,
): Promise<boolean> {
  const rows = await tx.$queryRaw<unknown[]>`
    SELECT 1 FROM "ReleasedNonce" WHERE "chainId" = ${chainId} AND "account" = ${account} AND "nonce" = ${nonce}`;
  return rows.length > 0;
}

export async function slotExists(
  tx: BooksTransaction,
  chainId: bigint,
  from: string,
  nonce: bigint,
): Promise<boolean> {
  const rows = await tx.$queryRaw<unknown[]>`
    SELECT 1 FROM "NonceSlot" WHERE "chainId" = ${chainId} AND "from" = ${from} AND "nonce" = ${nonce}`;
  return rows.length > 0;
}

/** A stored secret, sealed (see secret-box.ts). */
export interface SecretRow extends SealedSecret {
  subject: string;
  hashLock: string;
}

export async function secretBy(
  tx: BooksTransaction,
  lookup: { subject: string } | { hashLock: string },
): Promise<SecretRow | null> {
  const where =
    "subject" in lookup
      ? Prisma.sql`"subject" = ${lookup.subject}`
      : Prisma.sql`"hashLock" = ${lookup.hashLock}`;
  const rows = await tx.$queryRaw<SecretRow[]>`
    SELECT "subject", "hashLock", "iv", "ciphertext", "authTag" FROM "Secret" WHERE ${where}`;
  return rows[0] ?? null;
}

/** A new nonce slot of the intent, holding its first attempt (signed). */
export async function insertSlotWithAttempt(
  tx: BooksTransaction,
  slot: { chainId: bigint; from: string; nonce: bigint; intentId: number },
  attempt: Pick<Attempt, "hash" | "maxFeePerGas" | "maxPriorityFeePerGas" | "gasLimit" | "rawTransaction">,
): Promise<void> {
  const now = new Date();
  const [created] = await tx.$queryRaw<{ id: number }[]>`
    INSERT INTO "NonceSlot" ("chainId", "from", "nonce", "intentId", "createdAt")
    VALUES (${slot.chainId}, ${slot.from}, ${slot.nonce}, ${slot.intentId}, ${now}) RETURNING "id"`;
  await tx.$executeRaw`
    INSERT INTO "Attempt" ("hash", "slotId", "maxFeePerGas", "maxPriorityFeePerGas", "gasLimit",
      "rawTransaction", "status", "createdAt", "updatedAt")
    VALUES (${attempt.hash}, ${created!.id}, ${attempt.maxFeePerGas}, ${attempt.maxPriorityFeePerGas},
      ${attempt.gasLimit}, ${attempt.rawTransaction}, 'signed', ${now}, ${now})`;
}

/**
 * Values bound in one statement at most: SQLite refuses more than 32,766 variables and PostgreSQL
 * more than 65,535, and a snapshot may name more subjects than that (a backlog, or a subgraph that
 * answers with endless rows). Longer lists are asked for in parts.
 */
const VALUES_PER_STATEMENT = 5_000;

/** `column IN (values)` for values bound in one statement (see VALUES_PER_STATEMENT). */
function isAnyOf(column: string, values: readonly string[]): Prisma.Sql {
  return Prisma.sql`${Prisma.raw(column)} IN (${Prisma.join(values)})`;
}

function inParts<T>(values: readonly T[]): T[][] {
  const parts: T[][] = [];
  for (let start = 0; start < values.length; start += VALUES_PER_STATEMENT)
    parts.push(values.slice(start, start + VALUES_PER_STATEMENT));
  return parts;
}

type DecisionIntentRow = Pick<Intent, "subject" | "step" | "status" | "nextAttemptAt">;

/** What a decision needs of each intent: those in `statuses`, and of `settled` those changed since `since` or of `subjects`. */
export async function decisionIntents(
  tx: BooksTransaction,
  inFlight: readonly IntentStatus[],
  settled: readonly IntentStatus[],
  scope: { subjects: readonly string[]; since: Date },
): Promise<DecisionIntentRow[]> {
  const rows: DecisionIntentRow[] = await tx.$queryRaw`
    SELECT "subject", "step", "status", "nextAttemptAt" FROM "Intent"
    WHERE "status" IN (${statusList(inFlight)})
      OR ("status" IN (${statusList(settled)}) AND "updatedAt" >= ${scope.since})`;
  const seen = new Set(rows.map((row) => `${row.subject} ${row.step}`));
  for (const subjects of inParts(scope.subjects)) {
    const older: DecisionIntentRow[] = await tx.$queryRaw`
      SELECT "subject", "step", "status", "nextAttemptAt" FROM "Intent"
      WHERE "status" IN (${statusList(settled)}) AND ${isAnyOf('"subject"', subjects)}`;
    for (const row of older) {
      const key = `${row.subject} ${row.step}`;
      if (seen.has(key)) continue;
      seen.add(key);
      rows.push(row);
    }
  }
  return rows;
}

/** The subjects, hash locks and declared message hashes of the secrets stored for `subjects` or under `hashLocks`. */
export async function secretsFor(
  tx: BooksTransaction,
  subjects: readonly string[],
  hashLocks: readonly string[],
): Promise<HeldHashLock[]> {
  const bySubject = new Map<string, HeldHashLock>();
  const parts: [string, string[]][] = [
    ...inParts(subjects).map((part): [string, string[]] => ['"subject"', part]),
    ...inParts(hashLocks).map((part): [string, string[]] => ['"hashLock"', part]),
  ];
  for (const [column, values] of parts) {
    const rows: HeldHashLock[] = await tx.$queryRaw`
      SELECT "subject", "hashLock", "messageHash" FROM "Secret" WHERE ${isAnyOf(column, values)}`;
    for (const row of rows) bySubject.set(row.subject, row);
  }
  return [...bySubject.values()];
}
