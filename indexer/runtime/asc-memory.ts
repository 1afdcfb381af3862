// Reading and writing AssemblyScript 0.19 objects in a subgraph module's memory, the way graph-node
// does for apiVersion >= 0.0.5. Every object is allocated with the module's own `__new(size, classId)`
// so its 20-byte header (rtId at -8, rtSize at -4) is what the module expects; class ids come from
// the module's `id_of_type` because they differ from one module to the next.
import { HandlerError } from "./handler-error.ts";
import { hexByteLength, writeHex } from "./hex.ts";

/** graph-ts TypeId numbers (global/global.ts), the stable names of runtime classes. */
export const TypeId = {
  String: 0,
  ArrayBuffer: 1,
  Uint8Array: 6,
  BigDecimal: 12,
  ArrayEthereumValue: 15,
  ArrayStoreValue: 16,
  ArrayString: 18,
  ArrayEventParam: 19,
  ArrayTypedMapEntryStringStoreValue: 21,
  SmartContractCall: 22,
  EventParam: 23,
  EthereumTransaction: 24,
  EthereumBlock: 25,
  WrappedBool: 28,
  EthereumValue: 30,
  StoreValue: 31,
  EthereumEvent: 33,
  TypedMapEntryStringStoreValue: 34,
  TypedMapStringStoreValue: 36,
} as const;
export type TypeIdName = keyof typeof TypeId;

export interface AscExports {
  memory: WebAssembly.Memory;
  __new(size: number, classId: number): number;
  id_of_type(typeId: number): number;
}

// graph-node reads every string a mapping hands over with String::from_utf16 (a lone surrogate is
// a deterministic error) and then drops every NUL, which PostgreSQL refuses (to_from/mod.rs:109-124).
const UTF16 = new TextDecoder("utf-16le", { fatal: true });
const SURROGATE = /[\uD800-\uDFFF]/;
const SHORT_STRING_BYTES = 512;

export class AscMemory {
  /** The module's class id by graph-ts TypeId (asked of the module once each). */
  private readonly classIds: (number | undefined)[] = [];
  /** Views of the memory's current buffer (asking the memory for it is a call into the engine). */
  private cachedBuffer: ArrayBuffer | undefined;
  private cachedView = new DataView(new ArrayBuffer(0));
  private cachedBytes = Buffer.alloc(0);
  constructor(private readonly exports: AscExports) {}

  /**
   * Memory may grow on any allocation, which replaces its buffer and detaches the one held (its
   * byteLength drops to 0): only then are the views made again.
   */
  private refresh(): void {
    if (this.cachedBuffer !== undefined && this.cachedBuffer.byteLength !== 0) return;
    const buffer = this.exports.memory.buffer;
    this.cachedBuffer = buffer;
    this.cachedView = new DataView(buffer);
    this.cachedBytes = Buffer.from(buffer);
  }

  private get view(): DataView {
    this.refresh();
    return this.cachedView;
  }

  /** The whole memory as bytes (a Buffer, for its native hex codec). */
  private get bytes(): Buffer {
    this.refresh();
    return this.cachedBytes;
  }

  classId(type: TypeIdName): number {
    const typeId = TypeId[type];
    let id = this.classIds[typeId];
    if (id === undefined) this.classIds[typeId] = id = this.exports.id_of_type(typeId);
    return id;
  }

  u32(pointer: number): number {
    return this.view.getUint32(pointer, true);
  }
  i32(pointer: number): number {
    return this.view.getInt32(pointer, true);
  }
  u64(pointer: number): bigint {
    return this.view.getBigUint64(pointer, true);
  }
  i64(pointer: number): bigint {
    return this.view.getBigInt64(pointer, true);
  }
  /** The payload size the header records for an object. */
  size(pointer: number): number {
    return this.u32(pointer - 4);
  }

  /** A string the mapping passes to the host, without NULs as graph-node reads it. */
  readString(pointer: number): string {
    if (pointer === 0) throw new Error("a null string was passed to the host");
    const byteSize = this.size(pointer);
    let text: string | undefined;
    // Short strings (entity and field names, ids) without any surrogate are their code units as
    // they are; anything else goes through the strict decoder, which refuses a lone surrogate.
    if (byteSize <= SHORT_STRING_BYTES && (pointer & 1) === 0 && (byteSize & 1) === 0) {
      this.refresh();
      const units = new Uint16Array(this.cachedBuffer!, pointer, byteSize >>> 1);
      const candidate = String.fromCharCode.apply(null, units as unknown as number[]);
      // (The decoder also drops a leading byte order mark.)
      if (!SURROGATE.test(candidate) && candidate.charCodeAt(0) !== 0xfeff) text = candidate;
    }
    if (text === undefined) {
      try {
        text = UTF16.decode(this.bytes.subarray(pointer, pointer + byteSize));
      } catch {
        throw new HandlerError("a string passed to the host is not valid UTF-16 (it has a lone surrogate)");
      }
    }
    return text.includes("\u0000") ? text.replaceAll("\u0000", "") : text;
  }

  /**
   * The known name the string at `pointer` holds, found by comparing code units without decoding
   * it; undefined when it holds none of them (or is no readable string: readString says why).
   * Names have no NUL, byte order mark or surrogate, so a match is what readString would give.
   */
  knownName(pointer: number, names: KnownNames): string | undefined {
    const view = this.view;
    if (pointer < 4 || pointer > view.byteLength) return undefined;
    const byteSize = view.getUint32(pointer - 4, true);
    if ((byteSize & 1) !== 0 || pointer + byteSize > view.byteLength) return undefined;
    const candidates = names.ofLength(byteSize >>> 1);
    if (candidates === undefined) return undefined;
    next: for (const name of candidates) {
      for (let index = 0; index < name.length; index++)
        if (view.getUint16(pointer + index * 2, true) !== name.charCodeAt(index)) continue next;
      return name;
    }
    return undefined;
  }

  /** A copy of a Uint8Array's bytes (Bytes, Address, ByteArray, BigInt). */
  readBytes(pointer: number): Uint8Array {
    if (pointer === 0) throw new Error("a null byte array was passed to the host");
    const dataStart = this.u32(pointer + 4);
    const byteLength = this.u32(pointer + 8);
    return new Uint8Array(this.bytes.subarray(dataStart, dataStart + byteLength));
  }

  /** A Uint8Array's bytes as lowercase 0x-hex, read in place (hexlify of readBytes). */
  readHex(pointer: number): string {
    if (pointer === 0) throw new Error("a null byte array was passed to the host");
    const dataStart = this.u32(pointer + 4);
    const byteLength = this.u32(pointer + 8);
    const bytes = this.bytes;
    // Clamped to the memory as readBytes' slice is.
    const end = Math.min(dataStart + byteLength, bytes.length);
    const start = Math.min(dataStart, end);
    return `0x${bytes.toString("hex", start, end)}`;
  }

  /** The element words of an Array<T> of references: their pointers. */
  readPointerArray(pointer: number): number[] {
    const dataStart = this.u32(pointer + 4);
    const length = this.i32(pointer + 12);
    const pointers: number[] = [];
    for (let index = 0; index < length; index++) pointers.push(this.u32(dataStart + index * 4));
    return pointers;
  }

  /** graph-ts BigInt: signed little-endian two's complement bytes. */
  readBigInt(pointer: number): bigint {
    if (pointer === 0) throw new Error("a null byte array was passed to the host");
    const dataStart = this.u32(pointer + 4);
    const byteLength = this.u32(pointer + 8);
    const bytes = this.bytes;
    // Clamped to the memory as readBytes' slice is; read in place, no copy.
    const end = Math.min(dataStart + byteLength, bytes.length);
    const start = Math.min(dataStart, end);
    return bigIntFromSignedLe(bytes.subarray(start, end));
  }

  allocate(size: number, type: TypeIdName | number): number {
    const classId = typeof type === "number" ? type : this.classId(type);
    return this.exports.__new(size, classId);
  }

  newString(text: string): number {
    const pointer = this.allocate(text.length * 2, "String");
    // Code units as they are (a lone surrogate too); the native copy pays from about 16 of them.
    if (text.length >= 16) {
      this.bytes.write(text, pointer, "utf16le");
      return pointer;
    }
    const view = this.view;
    for (let index = 0; index < text.length; index++)
      view.setUint16(pointer + index * 2, text.charCodeAt(index), true);
    return pointer;
  }

  newArrayBuffer(bytes: Uint8Array): number {
    const pointer = this.allocate(bytes.length, "ArrayBuffer");
    this.bytes.set(bytes, pointer);
    return pointer;
  }

  /** A Uint8Array (Bytes, Address, ByteArray): a view over a fresh ArrayBuffer. */
  newBytes(bytes: Uint8Array): number {
    return this.newBytesView(this.newArrayBuffer(bytes), bytes.length);
  }

  private newBytesView(buffer: number, length: number): number {
    const pointer = this.allocate(12, "Uint8Array");
    const view = this.view;
    view.setUint32(pointer, buffer, true);
    view.setUint32(pointer + 4, buffer, true);
    view.setUint32(pointer + 8, length, true);
    return pointer;
  }

  /** A Uint8Array of a 0x-hex string's bytes, decoded straight into the memory. */
  newBytesFromHex(hex: string): number {
    const length = hexByteLength(hex);
    const buffer = this.allocate(length, "ArrayBuffer");
    writeHex(this.bytes, buffer, hex, length);
    return this.newBytesView(buffer, length);
  }

  newBigInt(value: bigint): number {
    return this.newBytes(bigIntToSignedLe(value));
  }

  /** An Array<T> of references, of the given array class. */
  newPointerArray(type: TypeIdName, pointers: number[]): number {
    const byteLength = pointers.length * 4;
    const buffer = this.allocate(byteLength, "ArrayBuffer");
    let view = this.view;
    for (let index = 0; index < pointers.length; index++)
      view.setUint32(buffer + index * 4, pointers[index]!, true);
    const pointer = this.allocate(16, type);
    view = this.view;
    view.setUint32(pointer, buffer, true);
    view.setUint32(pointer + 4, buffer, true);
    view.setUint32(pointer + 8, byteLength, true);
    view.setInt32(pointer + 12, pointers.length, true);
    return pointer;
  }

  /** An object whose fields are all 4-byte references, in declaration order. */
  newObject(type: TypeIdName, fields: number[]): number {
    const pointer = this.allocate(fields.length * 4, type);
    const view = this.view;
    for (let index = 0; index < fields.length; index++)
      view.setUint32(pointer + index * 4, fields[index]!, true);
    return pointer;
  }

  /** A store.Value or ethereum.Value: kind (u32) at 0, payload (u64) at 8. */
  newValue(type: "StoreValue" | "EthereumValue", kind: number, payload: number | bigint): number {
    const pointer = this.allocate(16, type);
    const view = this.view;
    view.setUint32(pointer, kind, true);
    // A reference or an i32 (the usual payloads) is written as two words, without a BigInt.
    if (
      typeof payload === "number" &&
      Number.isInteger(payload) &&
      payload >= -0x80000000 &&
      payload <= 0xffffffff
    ) {
      view.setUint32(pointer + 8, payload >>> 0, true);
      view.setUint32(pointer + 12, payload < 0 ? 0xffffffff : 0, true);
    } else view.setBigUint64(pointer + 8, BigInt.asUintN(64, BigInt(payload)), true);
    return pointer;
  }

  newWrappedBool(value: boolean): number {
    const pointer = this.allocate(1, "WrappedBool");
    this.view.setUint8(pointer, value ? 1 : 0);
    return pointer;
  }
}

/** Names a mapping passes often (entity types, field names), for AscMemory.knownName. */
export class KnownNames {
  private readonly byLength = new Map<number, string[]>();

  constructor(names: Iterable<string>) {
    for (const name of names) {
      // Only names readString returns unchanged can be matched by their code units.
      if (name.includes("\u0000") || /[\uD800-\uDFFF\uFEFF]/.test(name)) continue;
      const list = this.byLength.get(name.length);
      if (list) list.push(name);
      else this.byLength.set(name.length, [name]);
    }
  }

  ofLength(length: number): readonly string[] | undefined {
    return this.byLength.get(length);
  }

  private static readonly ofMaps = new WeakMap<ReadonlyMap<string, unknown>, KnownNames>();

  /** The keys of a map that lives as long as its schema (entity types, an entity's fields), made once. */
  static keysOf(map: ReadonlyMap<string, unknown>): KnownNames {
    let names = KnownNames.ofMaps.get(map);
    if (!names) KnownNames.ofMaps.set(map, (names = new KnownNames(map.keys())));
    return names;
  }
}

/** Two hex digits per byte value, for reading integers a whole hex string at a time. */
const BYTE_HEX = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, "0"));

export function bigIntFromSignedLe(bytes: Uint8Array): bigint {
  if (bytes.length === 0) return 0n;
  // Up to six bytes fit a double exactly (block numbers, counts, small amounts): no hex string.
  if (bytes.length <= 6) {
    let value = 0;
    for (let index = bytes.length - 1; index >= 0; index--) value = value * 256 + bytes[index]!;
    if ((bytes[bytes.length - 1]! & 0x80) !== 0) value -= 2 ** (bytes.length * 8);
    return BigInt(value);
  }
  let hex = "0x";
  for (let index = bytes.length - 1; index >= 0; index--) hex += BYTE_HEX[bytes[index]!];
  const value = BigInt(hex);
  return (bytes[bytes.length - 1]! & 0x80) === 0 ? value : value - (1n << BigInt(bytes.length * 8));
}

/**
 * The shortest signed little-endian two's complement encoding (zero is one 0 byte). Through one hex
 * string rather than a BigInt operation per byte (every handler's amounts and block numbers).
 */
export function bigIntToSignedLe(value: bigint): Uint8Array {
  // n bytes hold -2^(8n-1) to 2^(8n-1) - 1: the fewest whose sign bit the magnitude leaves clear.
  const magnitude = value < 0n ? -value - 1n : value;
  const digits = magnitude === 0n ? "" : magnitude.toString(16);
  const bits =
    digits.length === 0 ? 0 : 4 * (digits.length - 1) + 32 - Math.clz32(HEX_VALUE[digits.charCodeAt(0)]!);
  const length = (bits >> 3) + 1;
  // A negative value is written as 2^(8n) + value.
  const hex = (value < 0n ? ((1n << BigInt(length * 8)) + value).toString(16) : digits).padStart(
    length * 2,
    "0",
  );
  const out = new Uint8Array(length);
  for (let index = 0, at = hex.length - 2; index < length; index++, at -= 2)
    out[index] = (HEX_VALUE[hex.charCodeAt(at)]! << 4) | HEX_VALUE[hex.charCodeAt(at + 1)]!;
  return out;
}

/** The value of a lowercase hex digit by its character code. */
const HEX_VALUE = new Uint8Array(128);
for (let digit = 0; digit < 16; digit++) HEX_VALUE[digit.toString(16).charCodeAt(0)] = digit;
