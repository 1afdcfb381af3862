// How each field's values (in the representation of types.ts) are kept in SQLite, chosen so that
// SQL comparison and ordering are the values' own:
//   ID, String, enums          TEXT (byte order of UTF-8)
//   Bytes                      BLOB (byte order; instr() finds sub-sequences)
//   Int                        INTEGER
//   Int8, Timestamp            INTEGER (64-bit), read back as bigint
//   BigInt                     TEXT, sortable encoding (sortable-numbers.ts)
//   BigDecimal                 TEXT, sortable encoding, exact (no rounding)
//   Boolean                    INTEGER 0/1
//   reference                  the referenced entity's id encoding (TEXT, or BLOB for Bytes ids)
//   list                       TEXT holding a JSON array of the elements (see jsonElement below)
import type { EntityModel, FieldModel, SubgraphSchema } from "../schema/model.ts";
import {
  decodeSortableBigDecimal,
  decodeSortableBigInt,
  encodeSortableBigDecimal,
  encodeSortableBigInt,
  normalizeBigDecimal,
} from "./sortable-numbers.ts";
import type { Value } from "./types.ts";

export type ValueKind = "text" | "bytes" | "int" | "int8" | "bigint" | "bigdecimal" | "bool";

export type SqlParam = string | number | bigint | Buffer | null;

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
// 0x and hex digits, of even length (checked apart: a pairs group makes the regex slow on long data).
const HEX_DIGITS = /^0x[0-9a-fA-F]*$/;

/** The kind of one value of `field` (an element, for lists). */
export function valueKind(schema: SubgraphSchema, field: FieldModel): ValueKind {
  const type = field.type;
  if (type.kind === "enum") return "text";
  if (type.kind === "entity") return idKind(entityOf(schema, type.name));
  switch (type.scalar) {
    case "ID":
    case "String":
      return "text";
    case "Bytes":
      return "bytes";
    case "Int":
      return "int";
    case "Int8":
    case "Timestamp":
      return "int8";
    case "BigInt":
      return "bigint";
    case "BigDecimal":
      return "bigdecimal";
    case "Boolean":
      return "bool";
  }
}

export function idKind(entity: EntityModel): ValueKind {
  return entity.idType === "Bytes" ? "bytes" : "text";
}

function entityOf(schema: SubgraphSchema, name: string): EntityModel {
  const entity = schema.entities.get(name);
  if (!entity) throw new Error(`unknown entity type ${name}`);
  return entity;
}

export function sqlColumnType(kind: ValueKind, list: boolean): string {
  if (list) return "TEXT";
  switch (kind) {
    case "bytes":
      return "BLOB";
    case "int":
    case "int8":
    case "bool":
      return "INTEGER";
    default:
      return "TEXT";
  }
}

/** A value of `kind` as a column value; `what` names the field in errors. */
export function encodeScalar(kind: ValueKind, value: Value, what: string): SqlParam {
  switch (kind) {
    case "text":
      return expect(typeof value === "string", value, "a string", what) as string;
    case "bytes":
      return hexBytes(value, what);
    case "int":
      if (typeof value !== "number" || !Number.isInteger(value) || value < INT32_MIN || value > INT32_MAX)
        throw typeError(value, "a 32-bit integer number", what);
      return value;
    case "int8":
      if (typeof value !== "bigint" || value < INT64_MIN || value > INT64_MAX)
        throw typeError(value, "a 64-bit bigint", what);
      return value;
    case "bigint":
      return encodeSortableBigInt(expect(typeof value === "bigint", value, "a bigint", what) as bigint);
    case "bigdecimal":
      return encodeSortableBigDecimal(
        expect(typeof value === "string", value, "a decimal string", what) as string,
      );
    case "bool":
      return (expect(typeof value === "boolean", value, "a boolean", what) as boolean) ? 1 : 0;
  }
}

/** A column value read with safeIntegers (INTEGER as bigint) back into a Value. */
export function decodeScalar(kind: ValueKind, raw: unknown): Value {
  if (raw === null || raw === undefined) return null;
  switch (kind) {
    case "text":
      return raw as string;
    case "bytes":
      return `0x${(raw as Buffer).toString("hex")}`;
    case "int":
      return Number(raw as bigint);
    case "int8":
      return raw as bigint;
    case "bigint":
      return decodeSortableBigInt(raw as string);
    case "bigdecimal":
      return decodeSortableBigDecimal(raw as string);
    case "bool":
      return (raw as bigint) !== 0n;
  }
}

/**
 * A list element as JSON: strings for text, Bytes (0x-hex), BigInt/Int8/Timestamp (decimal) and
 * BigDecimal (normalised); numbers for Int; booleans. One canonical form per value, so whole lists
 * compare by their JSON text and elements by json_each values.
 */
export function jsonElement(kind: ValueKind, value: Value, what: string): string | number | boolean | null {
  if (value === null) return null;
  switch (kind) {
    case "text":
      return expect(typeof value === "string", value, "a string", what) as string;
    case "bytes":
      return checkedHex(value, what).toLowerCase();
    case "int":
      return encodeScalar("int", value, what) as number;
    case "int8":
      return (encodeScalar("int8", value, what) as bigint).toString();
    case "bigint":
      return (expect(typeof value === "bigint", value, "a bigint", what) as bigint).toString();
    case "bigdecimal":
      return normalizeBigDecimal(
        expect(typeof value === "string", value, "a decimal string", what) as string,
      );
    case "bool":
      return expect(typeof value === "boolean", value, "a boolean", what) as boolean;
  }
}

function fromJsonElement(kind: ValueKind, element: unknown): Value {
  if (element === null) return null;
  if (kind === "int8" || kind === "bigint") return BigInt(element as string);
  return element as Value;
}

export function encodeList(kind: ValueKind, value: Value, what: string): string {
  if (!Array.isArray(value)) throw typeError(value, "an array", what);
  return JSON.stringify(value.map((element) => jsonElement(kind, element, what)));
}

export function decodeList(kind: ValueKind, raw: unknown): Value {
  if (raw === null || raw === undefined) return null;
  return (JSON.parse(raw as string) as unknown[]).map((element) => fromJsonElement(kind, element));
}

/**
 * SQL that turns a json_each `value` (as written by jsonElement, or by sqlListParam below) into
 * the column encoding of `kind`; used to compare list elements with columns.
 */
export function jsonValueAsColumn(kind: ValueKind, expression: string): string {
  return kind === "bytes" ? `unhex(substr(${expression}, 3))` : expression;
}

/**
 * A list of values as one JSON parameter whose json_each values equal the column encoding
 * (after jsonValueAsColumn for bytes, and a cast for 64-bit integers that JSON cannot carry).
 */
export function sqlListParam(
  kind: ValueKind,
  values: Value[],
  what: string,
): { json: string; element: string } {
  const encoded = values.map((value) => {
    const column = encodeScalar(kind, value, what);
    if (Buffer.isBuffer(column)) return `0x${column.toString("hex")}`;
    return typeof column === "bigint" ? column.toString() : column;
  });
  const element = kind === "int8" ? "CAST(value AS INTEGER)" : jsonValueAsColumn(kind, "value");
  return { json: JSON.stringify(encoded), element };
}

function checkedHex(value: Value, what: string): string {
  if (typeof value !== "string" || value.length % 2 !== 0 || !HEX_DIGITS.test(value))
    throw typeError(value, "0x-hex bytes", what);
  return value;
}

/** The bytes of 0x-hex, in one pass: Node's decoder stops at a character that is not hex. */
function hexBytes(value: Value, what: string): Buffer {
  if (typeof value !== "string" || !value.startsWith("0x")) throw typeError(value, "0x-hex bytes", what);
  const bytes = Buffer.from(value.slice(2), "hex");
  if (bytes.length * 2 !== value.length - 2) throw typeError(value, "0x-hex bytes", what);
  return bytes;
}

function expect(ok: boolean, value: Value, expected: string, what: string): Value {
  if (!ok) throw typeError(value, expected, what);
  return value;
}

function typeError(value: Value, expected: string, what: string): Error {
  const got = Array.isArray(value) ? "an array" : value === null ? "null" : typeof value;
  return new Error(`${what}: expected ${expected}, got ${got}`);
}
