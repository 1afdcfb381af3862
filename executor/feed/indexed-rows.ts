// The subgraphs' rows turned into the decision's entities (decide/state.ts), each field checked
// against schema.graphql: the subgraph is not trusted, and a row it answers with a null amount, an
// address that is not one or a status the schema does not have is refused on its own (RowRefused)
// rather than taken as it is or failing every other row of the read.
import type {
  IndexedGatewayProof,
  IndexedMessage,
  IndexedRedeemRequest,
  IndexedStakeRequest,
  IndexedWorkerChange,
  MessageBox,
  MessageKind,
  MessageStatus,
  RequestStatus,
} from "../decide/index.ts";
import { scrubText } from "../observability/redact.ts";

export type Raw = Record<string, unknown>;

/** A row with a field the schema does not allow: the message names the field and what it held. */
export class RowRefused extends Error {
  override name = "RowRefused";
}

const MAX_UINT256 = (1n << 256n) - 1n;

/** At most this much of a value a subgraph answered is repeated in a refusal. */
const SHOWN_CHARS = 80;

/**
 * A value as a refusal names it, cut short and with its control characters written out: the
 * subgraph chose it and its length, and a refusal reaches logs, the books and terminals.
 */
export function shown(value: unknown): string {
  const text = value === undefined ? "nothing" : (JSON.stringify(value) ?? String(value));
  return scrubText(
    text.length <= SHOWN_CHARS ? text : `${text.slice(0, SHOWN_CHARS)}… (${text.length} characters)`,
  );
}

function refuse(field: string, value: unknown, expected: string): never {
  throw new RowRefused(`${field} is ${shown(value)}, not ${expected}`);
}

/** A BigInt field: GraphQL answers it as a decimal string; the Mosaic values are uint256. */
export function uint(raw: Raw, field: string): bigint {
  const value = raw[field];
  if (typeof value !== "string" || !/^\d{1,78}$/.test(value)) refuse(field, value, "a whole number");
  const parsed = BigInt(value);
  if (parsed > MAX_UINT256) refuse(field, value, "a uint256");
  return parsed;
}

export function uintOrNull(raw: Raw, field: string): bigint | null {
  return raw[field] === null || raw[field] === undefined ? null : uint(raw, field);
}

function hexOf(raw: Raw, field: string, bytes: number, what: string): string {
  const value = raw[field];
  if (typeof value !== "string" || !new RegExp(`^0x[0-9a-fA-F]{${bytes * 2}}$`).test(value))
    refuse(field, value, what);
  return value;
}

export function address(raw: Raw, field: string): string {
  return hexOf(raw, field, 20, "an address");
}

export function hash(raw: Raw, field: string): string {
  return hexOf(raw, field, 32, "a 32-byte hash");
}

export function hashOrNull(raw: Raw, field: string): string | null {
  return raw[field] === null || raw[field] === undefined ? null : hash(raw, field);
}

export function booleanOrNull(raw: Raw, field: string): boolean | null {
  const value = raw[field];
  if (value === null || value === undefined) return null;
  if (typeof value !== "boolean") refuse(field, value, "true or false");
  return value;
}

/** A reference's id (`field { id }`), a 32-byte hash, or null. */
export function referenceOrNull(raw: Raw, field: string): string | null {
  const value = raw[field];
  if (value === null || value === undefined) return null;
  if (typeof value !== "object") refuse(field, value, "an entity");
  try {
    return hash(value as Raw, "id");
  } catch (error) {
    if (error instanceof RowRefused) throw new RowRefused(`${field}.${error.message}`);
    throw error;
  }
}

export function oneOf<T extends string>(raw: Raw, field: string, values: readonly T[]): T {
  const value = raw[field];
  if (!values.includes(value as T)) refuse(field, value, `one of ${values.join(", ")}`);
  return value as T;
}

export const REQUEST_STATUSES: readonly RequestStatus[] = ["Requested", "Accepted", "Revoked", "Rejected"];
export const MESSAGE_KINDS: readonly MessageKind[] = ["Stake", "Redeem"];
export const MESSAGE_BOXES: readonly MessageBox[] = ["Outbox", "Inbox"];
export const MESSAGE_STATUSES: readonly MessageStatus[] = [
  "Declared",
  "Confirmed",
  "Progressed",
  "RevocationDeclared",
  "Revoked",
];

export function message(raw: Raw): IndexedMessage {
  return {
    id: hash(raw, "id"),
    kind: oneOf(raw, "kind", MESSAGE_KINDS),
    box: oneOf(raw, "box", MESSAGE_BOXES),
    status: oneOf(raw, "status", MESSAGE_STATUSES),
    gateway: address(raw, "gateway"),
    sender: address(raw, "sender"),
    nonce: uint(raw, "nonce"),
    beneficiary: address(raw, "beneficiary"),
    amount: uint(raw, "amount"),
    gasPrice: uintOrNull(raw, "gasPrice"),
    gasLimit: uintOrNull(raw, "gasLimit"),
    hashLock: hashOrNull(raw, "hashLock"),
    blockHeight: uintOrNull(raw, "blockHeight"),
    declaredBlock: uintOrNull(raw, "declaredBlock"),
    confirmedBlock: uintOrNull(raw, "confirmedBlock"),
    revocationDeclaredBlock: uintOrNull(raw, "revocationDeclaredBlock"),
    revokedBlock: uintOrNull(raw, "revokedBlock"),
    progressedBlock: uintOrNull(raw, "progressedBlock"),
  };
}

/** The fields stake and redeem requests share: the terms the requester offered. */
function requestTerms(raw: Raw) {
  return {
    id: hash(raw, "id"),
    status: oneOf(raw, "status", REQUEST_STATUSES),
    amount: uint(raw, "amount"),
    beneficiary: address(raw, "beneficiary"),
    gasPrice: uint(raw, "gasPrice"),
    gasLimit: uint(raw, "gasLimit"),
    nonce: uint(raw, "nonce"),
    requestedBlock: uint(raw, "requestedBlock"),
  };
}

export function stakeRequest(raw: Raw): IndexedStakeRequest {
  return {
    ...requestTerms(raw),
    staker: address(raw, "staker"),
    stakerProxy: address(raw, "stakerProxy"),
    gateway: address(raw, "gateway"),
    composer: address(raw, "composer"),
  };
}

export function redeemRequest(raw: Raw): IndexedRedeemRequest {
  return {
    ...requestTerms(raw),
    redeemer: address(raw, "redeemer"),
    redeemerProxy: address(raw, "redeemerProxy"),
    cogateway: address(raw, "cogateway"),
    redeemPool: address(raw, "redeemPool"),
  };
}

export function workerChange(raw: Raw): IndexedWorkerChange {
  return {
    worker: address(raw, "worker"),
    expirationHeight: uint(raw, "expirationHeight"),
    block: uint(raw, "block"),
    logIndex: uint(raw, "logIndex"),
  };
}

export function anchoredStateRoot(raw: Raw): { blockHeight: bigint } {
  return { blockHeight: uint(raw, "blockHeight") };
}

export function gatewayProof(raw: Raw): IndexedGatewayProof {
  return {
    gateway: address(raw, "gateway"),
    remoteGateway: address(raw, "remoteGateway"),
    blockHeight: uint(raw, "blockHeight"),
  };
}
