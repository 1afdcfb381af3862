// BigInts handed to a mapping are the shortest signed little-endian two's complement bytes, as
// graph-node writes them (zero is one 0 byte): every value reads back the same, and one byte fewer
// would not hold it. Checked at the edges of each byte length and on random values of up to 40 bytes.
import assert from "node:assert/strict";
import { test } from "node:test";
import { bigIntFromSignedLe, bigIntToSignedLe } from "../indexer/runtime/asc-memory.ts";

function values(): bigint[] {
  const list = [0n, 1n, -1n];
  for (let bits = 4; bits <= 264; bits += 4) {
    const power = 1n << BigInt(bits);
    list.push(power - 1n, power, -power, -power - 1n, -(power >> 1n), (power >> 1n) - 1n);
  }
  // A fixed seed: the same values every run.
  let seed = 20261202;
  const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  for (let index = 0; index < 20_000; index++) {
    let value = 0n;
    const bytes = 1 + Math.floor(random() * 40);
    for (let byte = 0; byte < bytes; byte++) value = (value << 8n) | BigInt(Math.floor(random() * 256));
    list.push(random() < 0.5 ? -value : value);
  }
  return list;
}

test("each BigInt is written in the fewest signed little-endian bytes that hold it", () => {
  for (const value of values()) {
    const bytes = bigIntToSignedLe(value);
    assert.equal(
      bigIntFromSignedLe(bytes),
      value,
      `${value} read back from ${Buffer.from(bytes).toString("hex")}`,
    );
    if (bytes.length > 1)
      assert.notEqual(bigIntFromSignedLe(bytes.subarray(0, -1)), value, `${value} fits in fewer bytes`);
  }
  assert.deepEqual([...bigIntToSignedLe(0n)], [0]);
  assert.deepEqual([...bigIntToSignedLe(128n)], [0x80, 0]);
  assert.deepEqual([...bigIntToSignedLe(-128n)], [0x80]);
  assert.deepEqual([...bigIntToSignedLe(-129n)], [0x7f, 0xff]);
});
