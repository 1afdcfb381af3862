// The store keeps the latest versions by a key of the entity id as encoded for SQL (Bytes ids by
// their bytes); the key is made from the id text without encoding it, and must be the same key,
// with the same error for an id that is not well formed.
import assert from "node:assert/strict";
import { test } from "node:test";
import { encodeScalar } from "../indexer/store/column-codecs.ts";
import { cacheKey, idKey } from "../indexer/store/latest-versions.ts";

test("an id's key is the key of its encoding, for text and Bytes ids", () => {
  for (const id of ["0x", "0xabcdef", "0xABCDEF0123", `0x${"aB".repeat(32)}`])
    assert.equal(idKey("bytes", id, "Thing id"), cacheKey(encodeScalar("bytes", id, "Thing id")));
  for (const id of ["", "order-1", "0xABCD", "ünïcode"])
    assert.equal(idKey("text", id, "Thing id"), cacheKey(encodeScalar("text", id, "Thing id")));
});

test("an id that is not well formed fails as its encoding does", () => {
  for (const id of ["abcd", "0xabc", "0xzz", "0Xab", "0x12 4"]) {
    assert.throws(() => encodeScalar("bytes", id, "Thing id"));
    assert.throws(
      () => idKey("bytes", id, "Thing id"),
      (error: Error) => {
        assert.throws(() => encodeScalar("bytes", id, "Thing id"), { message: error.message });
        return true;
      },
    );
  }
  assert.throws(() => idKey("text", 7 as unknown as string, "Thing id"), {
    message: "Thing id: expected a string, got number",
  });
});
