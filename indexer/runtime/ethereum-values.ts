// ethereum.Value objects of graph-ts, to and from the values ethers encodes and decodes.
import { AbiCoder, getAddress, getBytes, hexlify, ParamType, type EventFragment } from "ethers";
import { decodeWords, wordLayout, type WordLayout } from "./abi-words.ts";
import type { AscMemory } from "./asc-memory.ts";
import { HandlerError } from "./handler-error.ts";

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

/** An indexed string, bytes, array or tuple event parameter: the log holds only its keccak256. */
export class TopicHash {
  constructor(readonly hash: string) {}
}

/** Types an indexed event parameter is hashed for (reference types), as Solidity does. */
function isHashedWhenIndexed(type: ParamType): boolean {
  return type.baseType === "string" || type.baseType === "bytes" || type.isArray() || type.isTuple();
}

/** The type with every `string` read as `bytes`, so invalid UTF-8 decodes instead of throwing. */
function stringsAsBytes(type: ParamType): ParamType {
  return ParamType.from(type.format("sighash").replace(/\bstring\b/g, "bytes"));
}

/**
 * What decoding an event needs, worked out once per event (a cost on every log): the types of its
 * data, strings as bytes, and for data and each indexed word the one-word fast path when the
 * types allow it (abi-words.ts).
 */
interface EventDecoding {
  bodyTypes: ParamType[];
  body: WordLayout;
  /** Per indexed input not hashed: its one-word layout, or null for ethers' decoder. */
  topics: WordLayout[];
}

const DECODINGS = new WeakMap<EventFragment, EventDecoding>();

function decodingOf(fragment: EventFragment): EventDecoding {
  let decoding = DECODINGS.get(fragment);
  if (!decoding) {
    const bodyTypes = fragment.inputs.filter((input) => !input.indexed).map(stringsAsBytes);
    decoding = {
      bodyTypes,
      body: wordLayout(bodyTypes),
      topics: fragment.inputs.filter((input) => input.indexed).map((input) => wordLayout([input])),
    };
    DECODINGS.set(fragment, decoding);
  }
  return decoding;
}

const LOSSY_UTF8 = new TextDecoder("utf-8");

/** Back from stringsAsBytes: strings decoded as UTF-8 with invalid sequences as U+FFFD. */
function restoreStrings(type: ParamType, value: unknown): unknown {
  if (type.isArray())
    return (value as unknown[]).map((element) => restoreStrings(type.arrayChildren, element));
  if (type.isTuple())
    return type.components.map((component, index) => restoreStrings(component, (value as unknown[])[index]));
  if (type.baseType === "string") return LOSSY_UTF8.decode(getBytes(value as string));
  return value;
}

/**
 * A log's parameters in the event's order, as graph-node's decode_log gives them
 * (graph/src/abi/event_ext.rs:14-45): an indexed reference type is its topic (a TopicHash),
 * and a string that is not valid UTF-8 is decoded lossily. Throws when the log does not fit the
 * event (another event with the same topic0, say).
 */
export function decodeEventParams(
  fragment: EventFragment,
  topics: readonly string[],
  data: string,
): unknown[] {
  const coder = AbiCoder.defaultAbiCoder();
  const indexed = fragment.inputs.filter((input) => input.indexed);
  const first = fragment.anonymous ? 0 : 1;
  if (topics.length - first !== indexed.length)
    throw new Error(`${topics.length - first} indexed topics for ${indexed.length} indexed parameters`);
  const decoding = decodingOf(fragment);
  const bodyValues = decoding.body
    ? decodeWords(decoding.body, data)
    : coder.decode(decoding.bodyTypes, data);
  let topic = first;
  let position = 0;
  return fragment.inputs.map((input) => {
    if (!input.indexed) return restoreStrings(input, bodyValues[position++]);
    const layout = decoding.topics[topic - first]!;
    const word = topics[topic++]!;
    if (isHashedWhenIndexed(input)) return new TopicHash(word);
    return layout ? decodeWords(layout, word)[0] : coder.decode([input], word)[0];
  });
}

function value(memory: AscMemory, kind: number, payload: number | bigint): number {
  return memory.newValue("EthereumValue", kind, payload);
}

/** Writes one ABI value of type `type` as an ethereum.Value. */
export function writeEthereumValue(memory: AscMemory, type: ParamType, data: unknown): number {
  if (data instanceof TopicHash) return value(memory, Kind.FIXED_BYTES, memory.newBytesFromHex(data.hash));
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
  if (base === "address") return value(memory, Kind.ADDRESS, memory.newBytesFromHex(data as string));
  if (base === "bool") return value(memory, Kind.BOOL, data ? 1 : 0);
  if (base === "string") return value(memory, Kind.STRING, memory.newString(data as string));
  if (base === "bytes") return value(memory, Kind.BYTES, memory.newBytesFromHex(data as string));
  if (base.startsWith("bytes"))
    return value(memory, Kind.FIXED_BYTES, memory.newBytesFromHex(data as string));
  if (base.startsWith("uint")) return value(memory, Kind.UINT, memory.newBigInt(BigInt(data as bigint)));
  if (base.startsWith("int")) return value(memory, Kind.INT, memory.newBigInt(BigInt(data as bigint)));
  throw new Error(`ABI type ${type.format()} cannot be passed to a mapping`);
}

/** The int or uint an ethereum.Value holds; out of the 256-bit range is deterministic (to_from/external.rs:232-246). */
function readInteger(memory: AscMemory, reference: number, signed: boolean): bigint {
  const number = memory.readBigInt(reference);
  if (signed ? BigInt.asIntN(256, number) !== number : number < 0n || number >= 2n ** 256n)
    throw new HandlerError(`ethereum value ${number} is not a${signed ? "n int256" : " uint256"}`);
  return number;
}

/**
 * Reads an ethereum.Value a mapping passed to the host, as ethers takes it. A value graph-node
 * cannot read is a deterministic error there (runtime/wasm/src/to_from/external.rs:204-277):
 * an address not of 20 bytes, fixed bytes over 32, an int out of range, a negative uint.
 */
export function readEthereumValue(memory: AscMemory, pointer: number): AbiValue {
  const kind = memory.u32(pointer);
  const reference = memory.u32(pointer + 8);
  switch (kind) {
    case Kind.ADDRESS: {
      const address = memory.readBytes(reference);
      if (address.length !== 20)
        throw new HandlerError(`ethereum value: an Address has 20 bytes, not ${address.length}`);
      return getAddress(hexlify(address));
    }
    case Kind.FIXED_BYTES: {
      const bytes = memory.readBytes(reference);
      if (bytes.length > 32)
        throw new HandlerError(`ethereum value: fixed bytes hold at most 32 bytes, not ${bytes.length}`);
      return hexlify(bytes);
    }
    case Kind.BYTES:
      return memory.readHex(reference);
    case Kind.INT:
      return readInteger(memory, reference, true);
    case Kind.UINT:
      return readInteger(memory, reference, false);
    case Kind.BOOL:
      return reference !== 0 || memory.u32(pointer + 12) !== 0;
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
