// Decoding of event parameters that are one ABI word each (address, bool, intN, uintN, bytesN)
// straight from the hex, giving exactly what ethers' AbiCoder gives for them (addresses
// checksummed, integers masked to their width, dirty address bits refused). ethers builds its
// coders and a checksum (a keccak) for every value it decodes; logs repeat the same few addresses.
import { getAddress, type ParamType } from "ethers";

type WordReader = (word: string) => unknown;

const HEX = /^0x(?:[0-9a-fA-F]{2})*$/;
const CLEAN_ADDRESS_WORD = /^0{24}/;

/** Checksummed addresses by lowercase hex; bounded, since every address of a chain could pass. */
const CHECKSUMMED = new Map<string, string>();
const CHECKSUMMED_LIMIT = 50_000;

function checksummed(lowercase: string): string {
  let address = CHECKSUMMED.get(lowercase);
  if (address === undefined) {
    address = getAddress(lowercase);
    if (CHECKSUMMED.size >= CHECKSUMMED_LIMIT) CHECKSUMMED.clear();
    CHECKSUMMED.set(lowercase, address);
  }
  return address;
}

function integerReader(bits: number, signed: boolean): WordReader {
  const width = BigInt(bits);
  const mask = (1n << width) - 1n;
  const top = 1n << (width - 1n);
  return (word) => {
    const value = BigInt(`0x${word}`) & mask;
    return signed && value & top ? value - (1n << width) : value;
  };
}

/** How to read one value of the type from its 64 hex digits, or null when it is not one word. */
function wordReader(type: ParamType): WordReader | null {
  if (type.isArray() || type.isTuple()) return null;
  const base = type.baseType;
  if (base === "address")
    return (word) => {
      // ethers' toBeHex(value, 20) refuses a value wider than an address.
      if (!CLEAN_ADDRESS_WORD.test(word)) throw new Error("value exceeds width (20 bytes)");
      return checksummed(`0x${word.slice(24).toLowerCase()}`);
    };
  if (base === "bool") return (word) => /[^0]/.test(word);
  const integer = /^(u?)int(\d+)$/.exec(base);
  if (integer) return integerReader(Number(integer[2]), integer[1] === "");
  const fixed = /^bytes(\d+)$/.exec(base);
  if (fixed) {
    const digits = Number(fixed[1]) * 2;
    return (word) => `0x${word.slice(0, digits).toLowerCase()}`;
  }
  return null;
}

/** The word readers of a list of types, or null when any of them is not a single word. */
export type WordLayout = WordReader[] | null;

export function wordLayout(types: readonly ParamType[]): WordLayout {
  const readers: WordReader[] = [];
  for (const type of types) {
    const reader = wordReader(type);
    if (!reader) return null;
    readers.push(reader);
  }
  return readers;
}

/**
 * The values of `data` read with a layout, as AbiCoder.decode(types, data) gives them: the data
 * must be hex and hold a word per value (more is ignored), or this throws.
 */
export function decodeWords(layout: WordReader[], data: string): unknown[] {
  if (!HEX.test(data)) throw new Error("invalid BytesLike value");
  if ((data.length - 2) / 64 < layout.length) throw new Error("data out-of-bounds (BUFFER_OVERRUN)");
  const values: unknown[] = [];
  for (let index = 0; index < layout.length; index++) {
    const start = 2 + index * 64;
    values.push(layout[index]!(data.slice(start, start + 64)));
  }
  return values;
}
