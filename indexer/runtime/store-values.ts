// store.Value and Entity objects of graph-ts, to and from the store's plain values (types.ts),
// with the checks graph-node makes when a mapping sets an entity.
import type { EntityData, Value } from "../store/types.ts";
import { KnownNames, type AscMemory } from "./asc-memory.ts";
import * as decimal from "./big-decimal.ts";
import { HandlerError } from "./handler-error.ts";
import type { EntityShape, FieldShape, StoredScalar } from "./entity-shapes.ts";

/** graph-ts store ValueKind. */
const Kind = {
  STRING: 0,
  INT: 1,
  BIGDECIMAL: 2,
  BOOL: 3,
  ARRAY: 4,
  NULL: 5,
  BYTES: 6,
  BIGINT: 7,
  INT8: 8,
  TIMESTAMP: 9,
} as const;

const KIND_OF_SCALAR: Record<StoredScalar, number> = {
  String: Kind.STRING,
  Int: Kind.INT,
  BigDecimal: Kind.BIGDECIMAL,
  Boolean: Kind.BOOL,
  Bytes: Kind.BYTES,
  BigInt: Kind.BIGINT,
  Int8: Kind.INT8,
  Timestamp: Kind.TIMESTAMP,
};
const KIND_NAMES = [
  "String",
  "Int",
  "BigDecimal",
  "Boolean",
  "Array",
  "Null",
  "Bytes",
  "BigInt",
  "Int8",
  "Timestamp",
];

/** decimal128's exponent range, which graph-node holds BigDecimals to (scalar/bigdecimal.rs:40-42). */
const MIN_EXP = -6143n;
const MAX_EXP = 6144n;

/** A BigDecimal from the mapping, normalized and range-checked as graph-node reads it (external.rs:105-133). */
export function readBigDecimal(memory: AscMemory, pointer: number): decimal.Decimal {
  const value = decimal.normalize({
    digits: memory.readBigInt(memory.u32(pointer)),
    exp: memory.readBigInt(memory.u32(pointer + 4)),
  });
  if (value.exp < MIN_EXP || value.exp > MAX_EXP)
    throw new HandlerError(
      `big decimal exponent \`${value.exp}\` is outside the \`${MIN_EXP}\` to \`${MAX_EXP}\` range`,
    );
  return value;
}

export function writeBigDecimal(memory: AscMemory, value: decimal.Decimal): number {
  const normal = decimal.normalize(value);
  return memory.newObject("BigDecimal", [memory.newBigInt(normal.digits), memory.newBigInt(normal.exp)]);
}

function readValue(memory: AscMemory, pointer: number): Value {
  const kind = memory.u32(pointer);
  // The payload is a u64: a reference in its low word for most kinds, read without a BigInt.
  const reference = memory.u32(pointer + 8);
  switch (kind) {
    case Kind.STRING:
      return memory.readString(reference);
    case Kind.INT:
      return memory.i32(pointer + 8);
    case Kind.BIGDECIMAL:
      return decimal.format(readBigDecimal(memory, reference));
    case Kind.BOOL:
      return reference !== 0 || memory.u32(pointer + 12) !== 0;
    case Kind.ARRAY:
      return memory.readPointerArray(reference).map((element) => readValue(memory, element));
    case Kind.NULL:
      return null;
    case Kind.BYTES:
      return memory.readHex(reference);
    case Kind.BIGINT:
      return memory.readBigInt(reference);
    case Kind.INT8:
    case Kind.TIMESTAMP:
      return memory.i64(pointer + 8);
    default:
      throw new Error(`unknown store value kind ${kind}`);
  }
}

function writeScalar(memory: AscMemory, scalar: StoredScalar, value: Value): number {
  const kind = KIND_OF_SCALAR[scalar];
  switch (scalar) {
    case "String":
      return memory.newValue("StoreValue", kind, memory.newString(value as string));
    case "Int":
      return memory.newValue("StoreValue", kind, value as number);
    case "BigDecimal":
      return memory.newValue("StoreValue", kind, writeBigDecimal(memory, decimal.parse(value as string)));
    case "Boolean":
      return memory.newValue("StoreValue", kind, value ? 1 : 0);
    case "Bytes":
      return memory.newValue("StoreValue", kind, memory.newBytesFromHex(value as string));
    case "BigInt":
      return memory.newValue("StoreValue", kind, memory.newBigInt(value as bigint));
    case "Int8":
    case "Timestamp":
      return memory.newValue("StoreValue", kind, value as bigint);
  }
}

function writeValue(memory: AscMemory, field: FieldShape, value: Value): number {
  if (value === null) return memory.newValue("StoreValue", Kind.NULL, 0);
  if (field.list) {
    const elements = (value as Value[]).map((element) =>
      element === null
        ? memory.newValue("StoreValue", Kind.NULL, 0)
        : writeScalar(memory, field.scalar, element),
    );
    return memory.newValue("StoreValue", Kind.ARRAY, memory.newPointerArray("ArrayStoreValue", elements));
  }
  return writeScalar(memory, field.scalar, value);
}

function typeName(field: FieldShape): string {
  const scalar = field.list ? `[${field.scalar}]` : field.scalar;
  return field.nullable ? scalar : `${scalar}!`;
}

function wrongType(shape: EntityShape, id: string, field: FieldShape, has: string): Error {
  return new Error(
    `entity ${shape.name}[${id}]: the value for field "${field.name}" must have type ${typeName(field)} but has type ${has}`,
  );
}

/** Checks the kind of the store.Value at `pointer` (already read, so it is well formed). */
function check(shape: EntityShape, id: string, field: FieldShape, memory: AscMemory, pointer: number): void {
  const kind = memory.u32(pointer);
  // A null is assignable to any field at store.set (data/store/mod.rs:492-508); whether a
  // non-null field ends up empty is checked on the merged entity.
  if (kind === Kind.NULL) return;
  const expected = KIND_OF_SCALAR[field.scalar];
  if (field.list) {
    if (kind !== Kind.ARRAY) throw wrongType(shape, id, field, KIND_NAMES[kind] ?? "unknown");
    for (const element of memory.readPointerArray(memory.u32(pointer + 8))) {
      const elementKind = memory.u32(element);
      if (elementKind !== expected)
        throw wrongType(shape, id, field, `[${KIND_NAMES[elementKind] ?? "unknown"}]`);
    }
  } else if (kind !== expected) {
    throw wrongType(shape, id, field, KIND_NAMES[kind] ?? "unknown");
  }
}

/**
 * Reads the Entity a mapping passed to store.set: the fields it sets, each checked against the
 * schema, an explicit null kept as null (it clears the field when merged). Like graph-node
 * (host_exports.rs:276-303) the id is added when absent and must otherwise equal the key.
 */
export function readEntity(memory: AscMemory, shape: EntityShape, id: string, pointer: number): EntityData {
  const data: EntityData = {};
  const names = KnownNames.keysOf(shape.fields);
  for (const entry of memory.readPointerArray(memory.u32(pointer))) {
    const namePointer = memory.u32(entry);
    const name = memory.knownName(namePointer, names) ?? memory.readString(namePointer);
    const field = shape.fields.get(name);
    // Deterministic in graph-node for apiVersion >= 0.0.8 (host_exports.rs:165-211).
    if (!field) throw new HandlerError(`entity ${shape.name}[${id}]: field "${name}" is not in the schema`);
    if (field.derivedFrom)
      throw new Error(`entity ${shape.name}[${id}]: "${name}" is derived and cannot be set`);
    const valuePointer = memory.u32(entry + 4);
    const value = readValue(memory, valuePointer);
    check(shape, id, field, memory, valuePointer);
    data[name] = value;
  }
  const storedId = data.id;
  if (storedId === undefined || storedId === null) data.id = id;
  else if (!sameId(shape, storedId, id)) {
    throw new Error(
      `entity ${shape.name}[${id}]: the id field holds ${String(storedId)}, not the id it is set under`,
    );
  }
  return data;
}

/** String ids compare exactly, as graph-node does; Bytes ids as the bytes they name. */
function sameId(shape: EntityShape, stored: Value, id: string): boolean {
  if (stored === id) return true;
  if (shape.fields.get("id")?.scalar === "Bytes") return String(stored).toLowerCase() === id.toLowerCase();
  return stored === id;
}

/** Fails when a non-null field has no value once the entity is merged (entity_cache.rs:390-399). */
export function checkComplete(shape: EntityShape, id: string, data: EntityData): void {
  for (const field of shape.fields.values()) {
    if (field.derivedFrom || field.nullable) continue;
    if (data[field.name] === undefined || data[field.name] === null)
      throw new Error(`entity ${shape.name}[${id}]: missing value for non-nullable field "${field.name}"`);
  }
}

/** Writes an Entity (TypedMap<string, Value>) for store.get; null fields are left out. */
export function writeEntity(memory: AscMemory, shape: EntityShape, data: EntityData): number {
  const entries: number[] = [];
  for (const [name, value] of Object.entries(data)) {
    const field = shape.fields.get(name);
    if (!field || field.derivedFrom || value === null) continue;
    const entry = [memory.newString(name), writeValue(memory, field, value)];
    entries.push(memory.newObject("TypedMapEntryStringStoreValue", entry));
  }
  return memory.newObject("TypedMapStringStoreValue", [
    memory.newPointerArray("ArrayTypedMapEntryStringStoreValue", entries),
  ]);
}
