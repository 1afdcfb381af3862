// Store semantics of graph-node v0.44.0 that need no chain: strings read from a module's memory and
// the block's writes after a removal. (The chain-level cases are in indexer-parity-store.test.ts.)
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { AscMemory, type AscExports } from "../indexer/runtime/asc-memory.ts";
import { BlockWrites } from "../indexer/runtime/block-writes.ts";
import type { EntityShape } from "../indexer/runtime/entity-shapes.ts";
import { HandlerError } from "../indexer/runtime/handler-error.ts";
import { readBigDecimal, readEntity } from "../indexer/runtime/store-values.ts";

/** An AssemblyScript string's payload at 16 in a bare memory, its byte size in the header at 12. */
function stringIn(units: number[]): { memory: AscMemory; pointer: number } {
  const wasm = new WebAssembly.Memory({ initial: 1 });
  const view = new DataView(wasm.buffer);
  view.setUint32(12, units.length * 2, true);
  units.forEach((unit, index) => view.setUint16(16 + index * 2, unit, true));
  const exports = { memory: wasm } as unknown as AscExports;
  return { memory: new AscMemory(exports), pointer: 16 };
}

const units = (text: string) => [...text].map((c) => c.charCodeAt(0));

/** A bare memory holding a graph-ts Entity (TypedMap<string, Value>) of String and Int values. */
function entityIn(fields: Record<string, string | number>): { memory: AscMemory; pointer: number } {
  const wasm = new WebAssembly.Memory({ initial: 1 });
  const view = new DataView(wasm.buffer);
  let next = 16;
  const allocate = (size: number) => {
    const pointer = next + 4; // room for the header's size word at pointer - 4
    view.setUint32(pointer - 4, size, true);
    next = pointer + size + ((8 - ((pointer + size) % 8)) % 8) + 4;
    return pointer;
  };
  const string = (text: string) => {
    const pointer = allocate(text.length * 2);
    units(text).forEach((unit, index) => view.setUint16(pointer + index * 2, unit, true));
    return pointer;
  };
  const entries = Object.entries(fields).map(([name, value]) => {
    const stored = allocate(16); // StoreValue: kind, then the payload at 8
    view.setUint32(stored, typeof value === "string" ? 0 : 1, true);
    view.setBigUint64(stored + 8, BigInt(typeof value === "string" ? string(value) : value), true);
    const entry = allocate(8);
    view.setUint32(entry, string(name), true);
    view.setUint32(entry + 4, stored, true);
    return entry;
  });
  const data = allocate(entries.length * 4);
  entries.forEach((entry, index) => view.setUint32(data + index * 4, entry, true));
  const array = allocate(16); // Array: buffer, dataStart at 4, byteLength, length at 12
  view.setUint32(array + 4, data, true);
  view.setInt32(array + 12, entries.length, true);
  const map = allocate(4);
  view.setUint32(map, array, true);
  return { memory: new AscMemory({ memory: wasm } as unknown as AscExports), pointer: map };
}

describe("strings a mapping hands to the host", () => {
  test("lose every NUL", () => {
    // to_from/mod.rs:109-124: String::from_utf16, then every '\u{0000}' replaced by "".
    const { memory, pointer } = stringIn(units("\u0000a\u0000b\u0000"));
    assert.equal(memory.readString(pointer), "ab");
  });

  test("fail the handler deterministically when not valid UTF-16", () => {
    // to_from/mod.rs:116-117: a lone surrogate is a DeterministicHostError.
    const { memory, pointer } = stringIn([0x61, 0xd800, 0x62]);
    assert.throws(() => memory.readString(pointer), HandlerError);
  });
});

/** A bare memory holding a graph-ts BigDecimal { digits: BigInt, exp: BigInt } of small values. */
function bigDecimalIn(digits: number, exp: number): { memory: AscMemory; pointer: number } {
  const wasm = new WebAssembly.Memory({ initial: 1 });
  const view = new DataView(wasm.buffer);
  const bigInt = (at: number, value: number) => {
    // A Uint8Array header (buffer, dataStart, byteLength) at `at`, its 4 bytes right after.
    view.setUint32(at + 4, at + 12, true);
    view.setUint32(at + 8, 4, true);
    view.setInt32(at + 12, value, true);
    return at;
  };
  view.setUint32(16, bigInt(64, digits), true);
  view.setUint32(20, bigInt(128, exp), true);
  return { memory: new AscMemory({ memory: wasm } as unknown as AscExports), pointer: 16 };
}

describe("a BigDecimal a mapping hands to the host", () => {
  test("is normalized", () => {
    // external.rs:105-118: read with BigDecimal::new, which normalizes (scalar/bigdecimal.rs:44-47).
    const { memory, pointer } = bigDecimalIn(1500, -3);
    assert.deepEqual(readBigDecimal(memory, pointer), { digits: 15n, exp: -1n });
  });

  test("with an exponent outside -6143..6144 fails the handler deterministically", () => {
    // external.rs:120-132: DeterministicHostError "big decimal exponent … is outside the … range".
    for (const exp of [6145, -6144]) {
      const { memory, pointer } = bigDecimalIn(1, exp);
      assert.throws(() => readBigDecimal(memory, pointer), HandlerError);
    }
    assert.deepEqual(readBigDecimal(bigDecimalIn(1, 6144).memory, 16), { digits: 1n, exp: 6144n });
  });
});

const shape: EntityShape = {
  name: "Acc",
  immutable: false,
  fields: new Map(
    ["id", "a", "b"].map((name) => [
      name,
      { name, scalar: name === "id" ? "String" : "Int", list: false, nullable: name !== "id" },
    ]),
  ),
};

describe("the entity a mapping passes to store.set", () => {
  test("is the fields it sets, with the id added", () => {
    // host_exports.rs:311-322 builds the entity from the map's fields only; :300-303 adds the id.
    const { memory, pointer } = entityIn({ a: 10 });
    assert.deepEqual(readEntity(memory, shape, "x", pointer), { a: 10, id: "x" });
  });

  test("with a field not in the schema fails the handler deterministically", () => {
    // host_exports.rs:165-211: for apiVersion >= 0.0.8 an unknown field is a deterministic error.
    const { memory, pointer } = entityIn({ id: "x", nope: 1 });
    assert.throws(() => readEntity(memory, shape, "x", pointer), HandlerError);
  });

  test("with a String id that differs in case from the key is refused", () => {
    // host_exports.rs:278-298: the id value must equal the key (`v != &key.entity_id`), exactly.
    const { memory, pointer } = entityIn({ id: "X" });
    assert.throws(() => readEntity(memory, shape, "x", pointer), /id field holds X/);
  });
});

describe("the block's writes", () => {
  const stored = { id: "x", a: 1, b: 2 };
  const loadStored = (_entity: string, id: string) => (id === "x" ? { ...stored } : null);

  test("a save after a removal in the same block overwrites instead of merging", () => {
    // entity_cache.rs:104-121: Update accumulated onto Remove becomes Overwrite(update), applied
    // without the stored entity (:95); GetScope::InBlock sees the same (:252).
    const writes = new BlockWrites();
    writes.remove("Acc", "x");
    assert.equal(writes.getInBlock("Acc", "x"), null);
    writes.update(shape, "x", { id: "x", a: 5 }, loadStored, 7);
    assert.deepEqual(writes.get("Acc", "x"), { id: "x", a: 5 });
    assert.deepEqual(writes.changes(loadStored), [{ entity: "Acc", id: "x", data: { id: "x", a: 5 } }]);
  });

  test("a removal of a stored entity is a change, an unchanged save is none", () => {
    // entity_cache.rs:499-517: an Update that changes nothing yields no modification.
    const writes = new BlockWrites();
    writes.update(shape, "x", { id: "x", b: 2 }, loadStored, 7);
    writes.remove("Acc", "y");
    assert.deepEqual(writes.changes(loadStored), [{ entity: "Acc", id: "y", data: null }]);
  });
});
