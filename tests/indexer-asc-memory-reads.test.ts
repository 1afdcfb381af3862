// Host functions read and write the module's memory many times per call; asking the memory for
// its buffer each time costs a call into the engine. The buffer is asked for once and again only
// after the memory grew (growing detaches the buffer held), and reads after a growth see the new
// memory. Names known in advance (entity types, field names) are found in memory without decoding
// a string, giving what readString would give.
import assert from "node:assert/strict";
import { test } from "node:test";
import { AscMemory, KnownNames } from "../indexer/runtime/asc-memory.ts";

const PAGE = 65536;

/** A memory whose `buffer` reads are counted. */
function countedMemory(initialPages: number) {
  const memory = new WebAssembly.Memory({ initial: initialPages, maximum: initialPages + 4 });
  const counted = {
    reads: 0,
    get buffer() {
      counted.reads++;
      return memory.buffer;
    },
    grow: (pages: number) => memory.grow(pages),
  };
  return { memory, counted };
}

/** An AssemblyScript string at `pointer` (its byte size in the header at -4). */
function placeString(memory: WebAssembly.Memory, pointer: number, text: string): void {
  const view = new DataView(memory.buffer);
  view.setUint32(pointer - 4, text.length * 2, true);
  for (let index = 0; index < text.length; index++)
    view.setUint16(pointer + index * 2, text.charCodeAt(index), true);
}

/** A Uint8Array object at `pointer` over `bytes` placed at `dataStart`. */
function placeBytes(memory: WebAssembly.Memory, pointer: number, dataStart: number, bytes: number[]): void {
  const view = new DataView(memory.buffer);
  view.setUint32(pointer + 4, dataStart, true);
  view.setUint32(pointer + 8, bytes.length, true);
  new Uint8Array(memory.buffer, dataStart, bytes.length).set(bytes);
}

test("the memory's buffer is asked for once while the memory does not grow", () => {
  const { memory, counted } = countedMemory(1);
  const asc = new AscMemory({
    memory: counted as unknown as WebAssembly.Memory,
    __new: () => 0,
    id_of_type: () => 0,
  });
  placeString(memory, 64, "amount");
  placeBytes(memory, 256, 512, [0xab, 0xcd]);
  placeBytes(memory, 320, 640, [0x39, 0x30]);
  assert.equal(asc.readString(64), "amount");
  assert.equal(asc.readHex(256), "0xabcd");
  assert.equal(asc.readBigInt(320), 12345n);
  assert.deepEqual([...asc.readBytes(256)], [0xab, 0xcd]);
  assert.equal(asc.u32(256 + 8), 2);
  assert.equal(counted.reads, 1);
});

test("after the memory grew, reads see the grown memory", () => {
  const { memory, counted } = countedMemory(1);
  const asc = new AscMemory({
    memory: counted as unknown as WebAssembly.Memory,
    __new: () => 0,
    id_of_type: () => 0,
  });
  placeString(memory, 64, "before");
  assert.equal(asc.readString(64), "before");
  memory.grow(1);
  placeString(memory, PAGE + 64, "in the new page");
  placeBytes(memory, PAGE + 256, PAGE + 512, [0x01, 0x02, 0x03]);
  assert.equal(asc.readString(PAGE + 64), "in the new page");
  assert.equal(asc.readHex(PAGE + 256), "0x010203");
  assert.equal(asc.u32(PAGE + 256 + 8), 3);
  assert.equal(counted.reads, 2);
});

test("a known name is found in memory as readString reads it; anything else is not found", () => {
  const memory = new WebAssembly.Memory({ initial: 1 });
  const asc = new AscMemory({ memory, __new: () => 0, id_of_type: () => 0 });
  const names = new KnownNames(["amount", "beneficiary", "id", "status"]);
  placeString(memory, 64, "beneficiary");
  assert.equal(asc.knownName(64, names), "beneficiary");
  assert.equal(asc.knownName(64, names), asc.readString(64));
  placeString(memory, 128, "statue");
  assert.equal(asc.knownName(128, names), undefined);
  // readString drops a NUL; the name it gives is then looked up as before.
  placeString(memory, 192, "am\u0000ount");
  assert.equal(asc.knownName(192, names), undefined);
  assert.equal(asc.readString(192), "amount");
  // A null or out-of-memory pointer is not a name: readString reports it.
  assert.equal(asc.knownName(0, names), undefined);
  assert.equal(asc.knownName(PAGE + 64, names), undefined);
  new DataView(memory.buffer).setUint32(PAGE - 8, 64, true);
  assert.equal(asc.knownName(PAGE - 4, names), undefined);
});
