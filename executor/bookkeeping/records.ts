// What the books hand out: plain objects with bigint amounts, not the Prisma client's row types, so
// callers do not depend on the generated code.
import type { Attempt, Intent, NonceSlot } from "./generated/sqlite/client.ts";
import type { AttemptStatus, IntentStatus } from "./generated/sqlite/enums.ts";
import { attemptContext, intentContext, type FieldBox } from "./sealed-fields.ts";
import type { SignedTransactionFacts } from "./signed-transaction.ts";

export type { AttemptStatus, IntentStatus };

/** The idempotency key of an intent. */
export interface IntentKey {
  /** A request hash, a message hash (0x hex), or e.g. `<chainId>:<height>` for proveGateway. */
  subject: string;
  /** The flow step: acceptStake, proveGateway, confirmStakeIntent, progressStake, progressMint, … */
  step: string;
}

export interface IntentPlan extends IntentKey {
  chainId: number;
  /** The contract called. */
  target: string;
  calldata: string;
  /** Wei sent with the call; 0 when left out. */
  value?: bigint;
}

export interface IntentRecord extends IntentKey {
  id: number;
  chainId: number;
  status: IntentStatus;
  target: string;
  calldata: string;
  value: bigint;
  minedHash: string | null;
  minedBlock: bigint | null;
  errorKind: string | null;
  errorMessage: string | null;
  /** Failures so far; the operator's retry resets it. */
  failures: number;
  /** A failed intent is not planned again before this time; null: due now (or not failed). */
  nextAttemptAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

/** An attempt: what its signed transaction says, and where it stands. */
export interface AttemptRecord extends SignedTransactionFacts {
  status: AttemptStatus;
  /** The hash of the attempt this one replaced. */
  replaces: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface IntentWithAttempts extends IntentRecord {
  /** Oldest first, over all the nonces the intent used. */
  attempts: AttemptRecord[];
}

export interface BlockCursor {
  number: bigint;
  hash: string;
}

export interface SkipRecord {
  subject: string;
  reason: string;
  createdAt: Date;
  updatedAt: Date;
}

type AttemptRow = Attempt & { replaces: { hash: string } | null };

/** The include that loads an intent with everything intentWithAttempts needs. */
export const WITH_ATTEMPTS = {
  slots: { include: { attempts: { include: { replaces: { select: { hash: true } } } } } },
} as const;

/** Row-to-record mappers that open the sealed fields (see sealed-fields.ts) with `box`. */
export function recordMappers(box: FieldBox) {
  function intentRecord(row: Intent): IntentRecord {
    return {
      id: row.id,
      subject: row.subject,
      step: row.step,
      chainId: Number(row.chainId),
      status: row.status,
      target: row.target,
      calldata: box.open(intentContext(row), row.calldata),
      value: BigInt(row.value),
      minedHash: row.minedHash,
      minedBlock: row.minedBlock,
      errorKind: row.errorKind,
      errorMessage: row.errorMessage,
      failures: row.failures,
      nextAttemptAt: row.nextAttemptAt,
      createdAt: row.createdAt,
      updatedAt: row.updatedAt,
    };
  }

  function attemptRecord(row: AttemptRow, slot: NonceSlot): AttemptRecord {
    return {
      hash: row.hash,
      chainId: Number(slot.chainId),
      from: slot.from,
      nonce: slot.nonce,
      maxFeePerGas: BigInt(row.maxFeePerGas),
      maxPriorityFeePerGas: BigInt(row.maxPriorityFeePerGas),
      gasLimit: row.gasLimit,
      rawTransaction: box.open(attemptContext(row.hash), row.rawTransaction),
      status: row.status,
      replaces: row.replaces?.hash ?? null,
      createdAt: row.createdAt,
      updatedAt: row.updatedAt,
    };
  }

  function intentWithAttempts(
    row: Intent & { slots: (NonceSlot & { attempts: AttemptRow[] })[] },
  ): IntentWithAttempts {
    const attempts = row.slots.flatMap((slot) => slot.attempts.map((attempt) => ({ attempt, slot })));
    attempts.sort((a, b) => a.attempt.id - b.attempt.id);
    return {
      ...intentRecord(row),
      attempts: attempts.map(({ attempt, slot }) => attemptRecord(attempt, slot)),
    };
  }

  return { intentRecord, attemptRecord, intentWithAttempts };
}

/** A stored secret as the decision sees it: never the secret itself. */
export interface HeldHashLock {
  subject: string;
  hashLock: string;
  /** The message the subject's accept declares under the hash lock; null in books kept before it was. */
  messageHash: string | null;
}
