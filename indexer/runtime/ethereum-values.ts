// ethereum.Value objects of graph-ts, to and from the values ethers encodes and decodes.
import { getAddress, getBytes, hexlify, type ParamType } from "ethers";
import type { AscMemory } from "./asc-memory.ts";

/** graph-ts ethereum.ValueKind. */
const Kind = {
  ADDRESS: 0,
  FIXED_BYTES: 1,
  BYTES: 2,
  INT: 3,
  UINT: 4,
  BOOL: 5,
  STRING: 6,
  FIXED_ARRAY: 7,
  ARRAY: 8,
  TUPLE: 9,
} as const;

export type AbiValue = string | bigint | boolean | AbiValue[];

function value(memory: AscMemory, kind: number, payload: number | bigint): number {
  return memory.newValue("EthereumValue", kind, BigInt(payload));
}

/** Writes one ABI value of type `type` as an ethereum.Value. */
export function writeEthereumValue(memory: AscMemory, type: ParamType, data: unknown): number {
  if (type.isArray()) {
    const elements = (data as unknown[]).map((element) =>
      writeEthereumValue(memory, type.arrayChildren, element),
    );
    const kind = type.arrayLength === -1 ? Kind.ARRAY : Kind.FIXED_ARRAY;
    return value(memory, kind, memory.newPointerArray("ArrayEthereumValue", elements));
  }
  if (type.isTuple()) {
    const items = data as unknown[];
    const elements = type.components.map((component, index) =>
      writeEthereumValue(memory, component, items[index]),
    );
    return value(memory, Kind.TUPLE, memory.newPointerArray("ArrayEthereumValue", elements));
  }
  const base = type.baseType;
  if (base === "address") return value(memory, Kind.ADDRESS, memory.newBytes(getBytes(data as string)));
  if (base === "bool") return value(memory, Kind.BOOL, data ? 1 : 0);
  if (base === "string") return value(memory, Kind.STRING, memory.newString(data as string));
  if (base === "bytes") return value(memory, Kind.BYTES, memory.newBytes(getBytes(data as string)));
  if (base.startsWith("bytes"))
    return value(memory, Kind.FIXED_BYTES, memory.newBytes(getBytes(data as string)));
  if (base.startsWith("uint")) return value(memory, Kind.UINT, memory.newBigInt(BigInt(data as bigint)));
  if (base.startsWith("int")) return value(memory, Kind.INT, memory.newBigInt(BigInt(data as bigint)));
  throw new Error(`ABI type ${type.format()} cannot be passed to a mapping`);
}

/** Reads an ethereum.Value a mapping passed to the host, as ethers takes it. */
export function readEthereumValue(memory: AscMemory, pointer: number): AbiValue {
  const kind = memory.u32(pointer);
  const payload = memory.u64(pointer + 8);
  const reference = Number(payload & 0xffffffffn);
  switch (kind) {
    case Kind.ADDRESS:
      return getAddress(hexlify(memory.readBytes(reference)));
    case Kind.FIXED_BYTES:
    case Kind.BYTES:
      return hexlify(memory.readBytes(reference));
    case Kind.INT:
    case Kind.UINT:
      return memory.readBigInt(reference);
    case Kind.BOOL:
      return payload !== 0n;
    case Kind.STRING:
      return memory.readString(reference);
    case Kind.FIXED_ARRAY:
    case Kind.ARRAY:
    case Kind.TUPLE:
      return memory.readPointerArray(reference).map((element) => readEthereumValue(memory, element));
    default:
      throw new Error(`unknown ethereum value kind ${kind}`);
  }
}
