// Nonce cursors: the next nonce per (chain, account), handed out durably. Every operation on an
// account's nonces starts by writing the account's cursor row, which holds that row's lock
// (PostgreSQL) until the transaction ends, so allocations, releases and new attempts of one account run
// one after the other and never see the same free nonce. SQLite runs one transaction at a time anyway.
import { getAddress } from "ethers";
import { BooksConflictError, BooksError, isUniqueViolation } from "./errors.ts";
import * as hot from "./hot-queries.ts";
import type { BooksTransaction } from "./prisma-client.ts";

export interface NonceAccount {
  chainId: number;
  account: string;
}

export interface NonceRequest extends NonceAccount {
  /**
   * The account's transaction count on the chain, when the caller read it: the cursor never hands
   * out a nonce below it (something else used those nonces).
   */
  chainNonce?: bigint;
}

export interface NonceSlotKey extends NonceAccount {
  nonce: bigint;
}

function cursorWhere({ chainId, account }: NonceAccount) {
  return { chainId_account: { chainId: BigInt(chainId), account: getAddress(account) } };
}

/** Runs work in one transaction of the books (a write, fenced by the writer lease). */
export type BooksWrite = <T>(work: (tx: BooksTransaction) => Promise<T>) => Promise<T>;

/** Creates the account's cursor at nonce 0 unless it exists. */
export async function ensureCursor(write: BooksWrite, request: NonceAccount): Promise<void> {
  const where = cursorWhere(request);
  if (await write((tx) => tx.nonceCursor.findUnique({ where }))) return;
  try {
    await write((tx) => tx.nonceCursor.create({ data: { ...where.chainId_account, next: 0n } }));
  } catch (error) {
    // Another allocation created it first.
    if (!isUniqueViolation(error)) throw error;
  }
}

/** Takes the cursor's lock and returns its next nonce; undefined when the account has no cursor. */
export function lockCursor(tx: BooksTransaction, request: NonceAccount): Promise<bigint | undefined> {
  return hot.lockCursor(tx, BigInt(request.chainId), getAddress(request.account));
}

/** The lowest released nonce if any, else the cursor's next (at least chainNonce), which then moves on. */
export async function allocateNonce(tx: BooksTransaction, request: NonceRequest): Promise<bigint> {
  const account = { chainId: BigInt(request.chainId), account: getAddress(request.account) };
  const next = await lockCursor(tx, request);
  if (next === undefined) throw new BooksError("allocateNonce: the cursor must exist (ensureCursor)");
  const floor = request.chainNonce ?? 0n;
  // Released nonces below the chain's count were used since, by something else.
  await hot.forgetReleasedBelow(tx, account.chainId, account.account, floor);
  const released = await hot.lowestReleased(tx, account.chainId, account.account);
  if (released !== undefined) {
    await tx.releasedNonce.delete({ where: { chainId_account_nonce: { ...account, nonce: released } } });
    return released;
  }
  const nonce = next > floor ? next : floor;
  await hot.setCursorNext(tx, account.chainId, account.account, nonce + 1n);
  return nonce;
}

/**
 * Gives back a nonce no transaction was signed with, to be handed out again. A nonce with a recorded
 * attempt is refused: that transaction may have been broadcast, so its slot has to be filled by a
 * replacement instead.
 */
export async function releaseNonce(tx: BooksTransaction, slot: NonceSlotKey): Promise<void> {
  const account = { chainId: BigInt(slot.chainId), account: getAddress(slot.account) };
  const where = `nonce ${slot.nonce} of ${account.account} on chain ${slot.chainId}`;
  const next = await lockCursor(tx, slot);
  if (next === undefined || slot.nonce >= next) throw new BooksError(`${where} was never allocated`);
  const taken = await tx.nonceSlot.findUnique({
    where: { chainId_from_nonce: { chainId: account.chainId, from: account.account, nonce: slot.nonce } },
    include: { attempts: { take: 1, orderBy: { id: "asc" } } },
  });
  if (taken) {
    throw new BooksConflictError(
      `${where} cannot be released: transaction ${taken.attempts[0]?.hash} was signed with it and may ` +
        "have been broadcast; replace it (for example with a no-op transfer to itself) instead",
    );
  }
  const key = { chainId_account_nonce: { ...account, nonce: slot.nonce } };
  if (await tx.releasedNonce.findUnique({ where: key })) return;
  await tx.releasedNonce.create({ data: { ...account, nonce: slot.nonce } });
}

/** Attempts that are in a block or may still get there: their nonce is held. */
export const LIVE_ATTEMPT = ["signed", "broadcast", "mined"] as const;

/**
 * Where one nonce of an account stands in the books: the account's cursor (nonces below it were
 * handed out), whether the nonce was given back, and the slot that holds it, if any.
 */
export async function slotState(tx: BooksTransaction, slot: NonceSlotKey) {
  const account = { chainId: BigInt(slot.chainId), account: getAddress(slot.account) };
  const cursor = await tx.nonceCursor.findUnique({ where: cursorWhere(slot) });
  const released = await tx.releasedNonce.findUnique({
    where: { chainId_account_nonce: { ...account, nonce: slot.nonce } },
  });
  const taken = await tx.nonceSlot.findUnique({
    where: { chainId_from_nonce: { chainId: account.chainId, from: account.account, nonce: slot.nonce } },
    include: {
      intent: true,
      attempts: { include: { replaces: { select: { hash: true } } }, orderBy: { id: "asc" } },
    },
  });
  return { next: cursor?.next, released: released !== null, slot: taken };
}
