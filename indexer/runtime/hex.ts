// Hex strings to bytes and back on the hot paths (every log, every stored Bytes), with Node's
// native codec: ethers' getBytes and hexlify check and convert character by character.

const HEX_PREFIX = /^0x/i;

/** The bytes of a 0x-prefixed hex string of even length; throws on anything else, as getBytes does. */
export function hexToBytes(hex: string): Uint8Array {
  if (!HEX_PREFIX.test(hex)) throw invalidHex(hex);
  const decoded = Buffer.from(hex.slice(2), "hex");
  // Node stops at the first character that is not hex: a shorter result means a bad string.
  if (decoded.length * 2 !== hex.length - 2) throw invalidHex(hex);
  return new Uint8Array(decoded.buffer, decoded.byteOffset, decoded.length);
}

/**
 * Decodes a 0x-prefixed hex string of `length` = hexByteLength(hex) bytes into `target` at
 * `offset`; throws as hexToBytes does.
 */
export function writeHex(target: Buffer, offset: number, hex: string, length: number): void {
  // Node stops at the first character that is not hex: fewer bytes written means a bad string.
  if (target.write(hex.slice(2), offset, length, "hex") !== length) throw invalidHex(hex);
}

/** How many bytes a 0x-prefixed hex string holds; throws when it has no prefix or an odd length. */
export function hexByteLength(hex: string): number {
  if (!HEX_PREFIX.test(hex) || (hex.length & 1) !== 0) throw invalidHex(hex);
  return (hex.length - 2) >>> 1;
}

function invalidHex(hex: string): TypeError {
  return new TypeError(`invalid BytesLike value: ${JSON.stringify(hex)}`);
}

/** Lowercase 0x-prefixed hex of the bytes, as hexlify writes it. */
export function bytesToHex(bytes: Uint8Array): string {
  return `0x${Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("hex")}`;
}
