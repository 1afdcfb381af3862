// Block headers as the node answers them: the state root of a height is anchored and proofs are
// checked against it, so an answer for another block, or one with malformed hashes, is refused.
import assert from "node:assert/strict";
import { test } from "node:test";
import { id, type JsonRpcProvider } from "ethers";
import { blockHeader } from "../chain/blocks.ts";

const header = {
  number: "0x7",
  hash: id("block 7"),
  parentHash: id("block 6"),
  stateRoot: id("state at 7"),
  timestamp: "0x65",
};

/** A node that answers every eth_getBlockByNumber with `answer`. */
function node(answer: unknown): JsonRpcProvider {
  return {
    send: async (method: string) => {
      assert.equal(method, "eth_getBlockByNumber");
      return answer;
    },
  } as unknown as JsonRpcProvider;
}

test("the header of the height asked for is taken", async () => {
  assert.deepEqual(await blockHeader(node(header), 7), {
    number: 7,
    hash: header.hash,
    parentHash: header.parentHash,
    stateRoot: header.stateRoot,
    timestamp: 0x65,
  });
});

test("an answer for another block, or with hashes that are not 32 bytes, is refused", async () => {
  await assert.rejects(blockHeader(node({ ...header, number: "0x9" }), 7), /answered block 7 with block 0x9/);
  await assert.rejects(blockHeader(node({ ...header, number: undefined }), 7), /answered block 7 with block/);
  await assert.rejects(
    blockHeader(node({ ...header, stateRoot: "0x1234" }), 7),
    /block 7 has no 32-byte stateRoot \(0x1234\)/,
  );
  await assert.rejects(blockHeader(node({ ...header, hash: null }), 7), /no 32-byte hash/);
  await assert.rejects(blockHeader(node({ ...header, timestamp: 5 }), 7), /no timestamp/);
  await assert.rejects(blockHeader(node(null), 7), /block 7 does not exist yet/);
});
