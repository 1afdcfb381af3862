// Event parameters of one ABI word each are decoded straight from the hex (runtime/abi-words.ts):
// the values, and the logs refused, must be exactly what ethers' AbiCoder gives, since a log that
// does not decode skips its handler (graph-node's decode_log).
import assert from "node:assert/strict";
import { test } from "node:test";
import { AbiCoder, EventFragment, hexlify, randomBytes, zeroPadValue } from "ethers";
import { decodeEventParams, TopicHash } from "../indexer/runtime/ethereum-values.ts";

const coder = AbiCoder.defaultAbiCoder();

/** What ethers gives: the data's values and each indexed topic decoded alone, or "refused". */
function reference(fragment: EventFragment, topics: string[], data: string): unknown {
  try {
    const body = coder.decode(
      fragment.inputs.filter((input) => !input.indexed),
      data,
    );
    let position = 0;
    let topic = 1;
    return fragment.inputs.map((input) =>
      input.indexed ? coder.decode([input], topics[topic++]!)[0] : body[position++],
    );
  } catch {
    return "refused";
  }
}

function decoded(fragment: EventFragment, topics: string[], data: string): unknown {
  try {
    return decodeEventParams(fragment, topics, data).map((value) =>
      value instanceof TopicHash ? value.hash : value,
    );
  } catch {
    return "refused";
  }
}

const EVENTS = [
  "event A(address indexed who, uint256 indexed amount, bytes32 hash, bool flag, address to)",
  "event B(int8 small, int256 big, uint8 tiny, uint64 mid, bytes1 one, bytes20 twenty)",
  "event C(int16 indexed signed, bool indexed yes, bytes4 indexed selector)",
];

/** Words that exercise masks, signs and dirty high bits: zero, all ones, random, small values. */
function word(kind: number): string {
  switch (kind % 5) {
    case 0:
      return zeroPadValue("0x", 32);
    case 1:
      return `0x${"f".repeat(64)}`;
    case 2:
      return zeroPadValue(hexlify(randomBytes(20)), 32);
    case 3:
      return zeroPadValue(hexlify(randomBytes(1)), 32);
    default:
      return hexlify(randomBytes(32));
  }
}

test("one-word event parameters decode to what ethers' AbiCoder gives, refusals included", () => {
  let compared = 0;
  let refused = 0;
  for (const signature of EVENTS) {
    const fragment = EventFragment.from(signature);
    const indexed = fragment.inputs.filter((input) => input.indexed).length;
    const words = fragment.inputs.length - indexed;
    for (let round = 0; round < 300; round++) {
      const topics = ["0x" + "1".repeat(64), ...Array.from({ length: indexed }, (_, i) => word(round + i))];
      let data = "0x" + Array.from({ length: words }, (_, i) => word(round * 7 + i).slice(2)).join("");
      if (round % 50 === 1) data = data.slice(0, -2); // a byte short of the last word
      if (round % 50 === 2) data = data.toUpperCase().replace("0X", "0x");
      if (round % 50 === 3) data += "00"; // trailing bytes are ignored
      if (round % 50 === 4) data = data.slice(0, -1) + "g"; // not hex
      const expected = reference(fragment, topics, data);
      assert.deepEqual(decoded(fragment, topics, data), expected, `${signature} with ${data} / ${topics}`);
      compared++;
      if (expected === "refused") refused++;
    }
  }
  assert.ok(compared === 900 && refused > 0 && refused < compared, `${refused} of ${compared} refused`);
});
