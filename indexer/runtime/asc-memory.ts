// Reading and writing AssemblyScript 0.19 objects in a subgraph module's memory, the way graph-node
// does for apiVersion >= 0.0.5. Every object is allocated with the module's own `__new(size, classId)`
// so its 20-byte header (rtId at -8, rtSize at -4) is what the module expects; class ids come from
// the module's `id_of_type` because they differ from one module to the next.
import { HandlerError } from "./handler-error.ts";

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
  private cachedView: DataView | undefined;
  constructor(private readonly exports: AscExports) {}

  private get view(): DataView {
    // Memory may grow on any allocation, which replaces its buffer: the view follows the buffer.
    const buffer = this.exports.memory.buffer;
    if (this.cachedView?.buffer !== buffer) this.cachedView = new DataView(buffer);
    return this.cachedView;
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
      const units = new Uint16Array(this.exports.memory.buffer, pointer, byteSize >>> 1);
      const candidate = String.fromCharCode.apply(null, units as unknown as number[]);
      // (The decoder also drops a leading byte order mark.)
      if (!SURROGATE.test(candidate) && candidate.charCodeAt(0) !== 0xfeff) text = candidate;
    }
    if (text === undefined) {
      try {
        text = UTF16.decode(new Uint8Array(this.exports.memory.buffer, pointer, byteSize));
      } catch {
        throw new HandlerError("a string passed to the host is not valid UTF-16 (it has a lone surrogate)");
      }
    }
    return text.includes("\u0000") ? text.replaceAll("\u0000", "") : text;
  }

  /** A copy of a Uint8Array's bytes (Bytes, Address, ByteArray, BigInt). */
  readBytes(pointer: number): Uint8Array {
    if (pointer === 0) throw new Error("a null byte array was passed to the host");
    const dataStart = this.u32(pointer + 4);
    const byteLength = this.u32(pointer + 8);
    return new Uint8Array(this.exports.memory.buffer.slice(dataStart, dataStart + byteLength));
  }

  /** A Uint8Array's bytes as lowercase 0x-hex, read in place (hexlify of readBytes). */
  readHex(pointer: number): string {
    if (pointer === 0) throw new Error("a null byte array was passed to the host");
    const dataStart = this.u32(pointer + 4);
    const byteLength = this.u32(pointer + 8);
    const buffer = this.exports.memory.buffer;
    // Clamped to the memory as readBytes' slice is.
    const end = Math.min(dataStart + byteLength, buffer.byteLength);
    const start = Math.min(dataStart, end);
    return `0x${Buffer.from(buffer, start, end - start).toString("hex")}`;
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
    const buffer = this.exports.memory.buffer;
    // Clamped to the memory as readBytes' slice is; read in place, no copy.
    const end = Math.min(dataStart + byteLength, buffer.byteLength);
    const start = Math.min(dataStart, end);
    return bigIntFromSignedLe(new Uint8Array(buffer, start, end - start));
  }

  allocate(size: number, type: TypeIdName | number): number {
    const classId = typeof type === "number" ? type : this.classId(type);
    return this.exports.__new(size, classId);
  }

  newString(text: string): number {
    const pointer = this.allocate(text.length * 2, "String");
    const view = this.view;
    for (let index = 0; index < text.length; index++)
      view.setUint16(pointer + index * 2, text.charCodeAt(index), true);
    return pointer;
  }

  newArrayBuffer(bytes: Uint8Array): number {
    const pointer = this.allocate(bytes.length, "ArrayBuffer");
    new Uint8Array(this.exports.memory.buffer, pointer, bytes.length).set(bytes);
    return pointer;
  }

  /** A Uint8Array (Bytes, Address, ByteArray): a view over a fresh ArrayBuffer. */
  newBytes(bytes: Uint8Array): number {
    const buffer = this.newArrayBuffer(bytes);
    const pointer = this.allocate(12, "Uint8Array");
    const view = this.view;
    view.setUint32(pointer, buffer, true);
    view.setUint32(pointer + 4, buffer, true);
    view.setUint32(pointer + 8, bytes.length, true);
    return pointer;
  }

  newBigInt(value: bigint): number {
    return this.newBytes(bigIntToSignedLe(value));
  }

  /** An Array<T> of references, of the given array class. */
  newPointerArray(type: TypeIdName, pointers: number[]): number {
    const bytes = new Uint8Array(pointers.length * 4);
    const words = new DataView(bytes.buffer);
    pointers.forEach((element, index) => words.setUint32(index * 4, element, true));
    const buffer = this.newArrayBuffer(bytes);
    const pointer = this.allocate(16, type);
    const view = this.view;
    view.setUint32(pointer, buffer, true);
    view.setUint32(pointer + 4, buffer, true);
    view.setUint32(pointer + 8, bytes.length, true);
    view.setInt32(pointer + 12, pointers.length, true);
    return pointer;
  }

  /** An object whose fields are all 4-byte references, in declaration order. */
  newObject(type: TypeIdName, fields: number[]): number {
    const pointer = this.allocate(fields.length * 4, type);
    const view = this.view;
    fields.forEach((field, index) => view.setUint32(pointer + index * 4, field, true));
    return pointer;
  }

  /** A store.Value or ethereum.Value: kind (u32) at 0, payload (u64) at 8. */
  newValue(type: "StoreValue" | "EthereumValue", kind: number, payload: bigint): number {
    const pointer = this.allocate(16, type);
    const view = this.view;
    view.setUint32(pointer, kind, true);
    view.setBigUint64(pointer + 8, BigInt.asUintN(64, payload), true);
    return pointer;
  }

  newWrappedBool(value: boolean): number {
    const pointer = this.allocate(1, "WrappedBool");
    this.view.setUint8(pointer, value ? 1 : 0);
    return pointer;
  }
}

/** Two hex digits per byte value, for reading integers a whole hex string at a time. */
const BYTE_HEX = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, "0"));

export function bigIntFromSignedLe(bytes: Uint8Array): bigint {
  if (bytes.length === 0) return 0n;
  let hex = "0x";
  for (let index = bytes.length - 1; index >= 0; index--) hex += BYTE_HEX[bytes[index]!];
  const value = BigInt(hex);
  return (bytes[bytes.length - 1]! & 0x80) === 0 ? value : value - (1n << BigInt(bytes.length * 8));
}

/** The shortest signed little-endian two's complement encoding (zero is one 0 byte). */
export function bigIntToSignedLe(value: bigint): Uint8Array {
  const bytes: number[] = [];
  let rest = value;
  for (;;) {
    const byte = Number(rest & 0xffn);
    rest >>= 8n;
    bytes.push(byte);
    const signClear = (byte & 0x80) === 0;
    if ((rest === 0n && signClear) || (rest === -1n && !signClear)) break;
  }
  return Uint8Array.from(bytes);
}
