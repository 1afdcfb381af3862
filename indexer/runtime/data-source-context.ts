// A data source's `context:` from the manifest, as graph-node reads it (its store Value with
// `#[serde(tag = "type", content = "data")]`), and the TypedMap dataSource.context() returns.
import { getBytes, isHexString } from "ethers";
import type { AscMemory } from "./asc-memory.ts";
import * as decimal from "./big-decimal.ts";
import { writeBigDecimal } from "./store-values.ts";

export type ContextValue =
  | { type: "String"; data: string }
  | { type: "Int"; data: number }
  | { type: "Int8" | "BigInt" | "Timestamp"; data: bigint }
  | { type: "BigDecimal"; data: string }
  | { type: "Bool"; data: boolean }
  | { type: "Bytes"; data: string }
  | { type: "Null" }
  | { type: "List"; data: ContextValue[] };

/** Entries sorted by key, as graph-node hands them over (module/context.rs:1094-1106). */
export type DataSourceContext = [string, ContextValue][];

/** graph-ts store ValueKind. */
const KIND = {
  String: 0,
  Int: 1,
  BigDecimal: 2,
  Bool: 3,
  List: 4,
  Null: 5,
  Bytes: 6,
  BigInt: 7,
  Int8: 8,
  Timestamp: 9,
} as const;

function parseValue(raw: unknown, where: string): ContextValue {
  const { type, data } = (raw ?? {}) as { type?: unknown; data?: unknown };
  const wrong = (expected: string) =>
    new Error(`${where}: type ${String(type)} needs data ${expected}, not ${JSON.stringify(data)}`);
  switch (type) {
    case "String":
      if (typeof data !== "string") throw wrong("a string");
      return { type, data };
    case "Int":
      if (!Number.isInteger(data) || (data as number) < -(2 ** 31) || (data as number) >= 2 ** 31)
        throw wrong("a 32-bit integer");
      return { type, data: data as number };
    case "Int8":
      if (!Number.isSafeInteger(data)) throw wrong("an integer");
      return { type, data: BigInt(data as number) };
    case "BigInt":
      if (typeof data !== "string" || !/^-?\d+$/.test(data)) throw wrong("a decimal string");
      return { type, data: BigInt(data) };
    case "BigDecimal":
      if (typeof data !== "string") throw wrong("a decimal string");
      try {
        return { type, data: decimal.format(decimal.parse(data)) };
      } catch {
        throw wrong("a decimal string");
      }
    case "Timestamp": {
      // A chrono DateTime (RFC 3339); the mapping sees microseconds since the epoch.
      const millis = typeof data === "string" ? Date.parse(data) : Number.NaN;
      if (Number.isNaN(millis)) throw wrong("an RFC 3339 date");
      return { type, data: BigInt(millis) * 1000n };
    }
    case "Bool":
      if (typeof data !== "boolean") throw wrong("true or false");
      return { type, data };
    case "Bytes":
      if (typeof data !== "string" || !isHexString(data.startsWith("0x") ? data : `0x${data}`))
        throw wrong("a hex string");
      return { type, data: (data.startsWith("0x") ? data : `0x${data}`).toLowerCase() };
    case "Null":
      return { type };
    case "List":
      if (!Array.isArray(data)) throw wrong("a list of typed values");
      return { type, data: data.map((element, index) => parseValue(element, `${where}[${index}]`)) };
    default:
      throw new Error(
        `${where}: type ${String(type)} is not one of ${Object.keys(KIND).join(", ")} (graph-node's store value types)`,
      );
  }
}

/** The manifest's `context:` mapping (absent: empty). Throws naming the key that is wrong. */
export function parseContext(raw: unknown): DataSourceContext {
  if (raw === undefined || raw === null) return [];
  if (typeof raw !== "object" || Array.isArray(raw))
    throw new Error("context must map names to { type, data }");
  return Object.entries(raw as Record<string, unknown>)
    .map(([key, value]): [string, ContextValue] => [key, parseValue(value, `context.${key}`)])
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

function writeValue(memory: AscMemory, value: ContextValue): number {
  const kind = KIND[value.type];
  switch (value.type) {
    case "String":
      return memory.newValue("StoreValue", kind, BigInt(memory.newString(value.data)));
    case "Int":
      return memory.newValue("StoreValue", kind, BigInt(value.data));
    case "Int8":
    case "Timestamp":
      return memory.newValue("StoreValue", kind, value.data);
    case "BigInt":
      return memory.newValue("StoreValue", kind, BigInt(memory.newBigInt(value.data)));
    case "BigDecimal":
      return memory.newValue("StoreValue", kind, BigInt(writeBigDecimal(memory, decimal.parse(value.data))));
    case "Bool":
      return memory.newValue("StoreValue", kind, value.data ? 1n : 0n);
    case "Bytes":
      return memory.newValue("StoreValue", kind, BigInt(memory.newBytes(getBytes(value.data))));
    case "Null":
      return memory.newValue("StoreValue", kind, 0n);
    case "List": {
      const elements = value.data.map((element) => writeValue(memory, element));
      return memory.newValue("StoreValue", kind, BigInt(memory.newPointerArray("ArrayStoreValue", elements)));
    }
  }
}

/** The context as a graph-ts DataSourceContext (TypedMap<string, Value>) in the module's memory. */
export function writeContext(memory: AscMemory, context: DataSourceContext): number {
  const entries = context.map(([key, value]) =>
    memory.newObject("TypedMapEntryStringStoreValue", [memory.newString(key), writeValue(memory, value)]),
  );
  return memory.newObject("TypedMapStringStoreValue", [
    memory.newPointerArray("ArrayTypedMapEntryStringStoreValue", entries),
  ]);
}
