// The export section the host compiles a mapping with. graph-ts mappings export about 200 constant
// globals (the TypeId table), and V8 builds a WebAssembly.Global object for each on every
// instantiation: a third of the cost of an instance. The host never reads them (it asks the
// module's id_of_type) and a module cannot see its own exports, so they are dropped. In their
// place the module's mutable globals and its table are exported under reserved names, so that a
// used instance can be put back exactly as instantiated (reusable-instance.ts).

const IMPORT_SECTION = 2;
const TABLE_SECTION = 4;
const GLOBAL_SECTION = 6;
const EXPORT_SECTION = 7;
const TABLE_KIND = 1;
const MEMORY_KIND = 2;
const GLOBAL_KIND = 3;

/** The export names of the module's mutable globals start with this; the table is TABLE_EXPORT. */
export const GLOBAL_EXPORT_PREFIX = "host:global:";
export const TABLE_EXPORT = "host:table";

/** An unsigned LEB128 at `offset`: its value and the offset after it. */
function readLeb(bytes: Uint8Array, offset: number): [number, number] {
  let value = 0;
  let shift = 0;
  for (;;) {
    if (offset >= bytes.length) throw new Error("the WASM module ends inside a number");
    const byte = bytes[offset++]!;
    value += (byte & 0x7f) * 2 ** shift;
    if ((byte & 0x80) === 0) return [value, offset];
    shift += 7;
  }
}

function leb(value: number): number[] {
  const out: number[] = [];
  do {
    let byte = value & 0x7f;
    value = Math.floor(value / 128);
    if (value > 0) byte |= 0x80;
    out.push(byte);
  } while (value > 0);
  return out;
}

function name(text: string): number[] {
  const bytes = Buffer.from(text, "utf8");
  return [...leb(bytes.length), ...bytes];
}

/** The offset after a limits entry (flags, minimum, maximum when flagged). */
function skipLimits(code: Uint8Array, offset: number): number {
  const flags = code[offset]!;
  let at = readLeb(code, offset + 1)[1];
  if (flags & 1) at = readLeb(code, at)[1];
  return at;
}

/** The offset after a constant expression (the instructions a global's initial value may use). */
function skipConstant(code: Uint8Array, offset: number): number {
  let at = offset;
  for (;;) {
    const op = code[at++];
    if (op === 0x0b) return at;
    if (op === 0x41 || op === 0x42 || op === 0x23 || op === 0xd2 || op === 0xd0) at = readLeb(code, at)[1];
    else if (op === 0x43) at += 4;
    else if (op === 0x44) at += 8;
    else
      throw new Error(
        `the WASM module's global initializer uses opcode 0x${op?.toString(16)}, not supported`,
      );
  }
}

interface Counts {
  importedTables: number;
  importedGlobals: number;
  definedTables: number;
  /** Indexes (in the global index space) of the module's own mutable globals. */
  mutableGlobals: number[];
}

function countImports(code: Uint8Array, payload: number, counts: Counts): void {
  let [count, at] = readLeb(code, payload);
  for (; count > 0; count--) {
    for (let part = 0; part < 2; part++) {
      const [length, text] = readLeb(code, at);
      at = text + length;
    }
    const kind = code[at++];
    if (kind === 0) at = readLeb(code, at)[1];
    else if (kind === TABLE_KIND) {
      counts.importedTables++;
      at = skipLimits(code, at + 1);
    } else if (kind === MEMORY_KIND) at = skipLimits(code, at);
    else if (kind === GLOBAL_KIND) {
      counts.importedGlobals++;
      at += 2;
    } else throw new Error(`the WASM module imports an unknown kind ${kind}`);
  }
}

function findMutableGlobals(code: Uint8Array, payload: number, counts: Counts): void {
  let [count, at] = readLeb(code, payload);
  for (let index = counts.importedGlobals; count > 0; count--, index++) {
    const mutable = code[at + 1] === 1;
    at = skipConstant(code, at + 2);
    if (mutable) counts.mutableGlobals.push(index);
  }
}

/**
 * The module's code with its global exports left out and its mutable globals and first table
 * exported under reserved names; every other section is kept byte for byte.
 */
export function withHostExports(code: Uint8Array): Uint8Array<ArrayBuffer> {
  const sections: { id: number; start: number; payload: number; end: number }[] = [];
  for (let offset = 8; offset < code.length;) {
    const start = offset;
    const id = code[offset++]!;
    const [size, payload] = readLeb(code, offset);
    offset = payload + size;
    if (offset > code.length) throw new Error(`the WASM module's section ${id} runs past its end`);
    sections.push({ id, start, payload, end: offset });
  }
  const counts: Counts = { importedTables: 0, importedGlobals: 0, definedTables: 0, mutableGlobals: [] };
  for (const section of sections) {
    if (section.id === IMPORT_SECTION) countImports(code, section.payload, counts);
    if (section.id === TABLE_SECTION) counts.definedTables = readLeb(code, section.payload)[0];
    if (section.id === GLOBAL_SECTION) findMutableGlobals(code, section.payload, counts);
  }
  const kept: Uint8Array[] = [];
  let tableExported = false;
  const exports = sections.find((section) => section.id === EXPORT_SECTION);
  if (exports) {
    let [count, at] = readLeb(code, exports.payload);
    for (; count > 0; count--) {
      const entry = at;
      const [nameLength, nameStart] = readLeb(code, at);
      const kind = code[nameStart + nameLength]!;
      const [index, next] = readLeb(code, nameStart + nameLength + 1);
      at = next;
      if (kind === GLOBAL_KIND) continue;
      if (kind === TABLE_KIND && index === 0) tableExported = true;
      kept.push(code.subarray(entry, at));
    }
  }
  const added: number[] = [];
  for (const index of counts.mutableGlobals)
    added.push(...name(`${GLOBAL_EXPORT_PREFIX}${index}`), GLOBAL_KIND, ...leb(index));
  const hasTable = counts.importedTables + counts.definedTables > 0;
  if (hasTable && !tableExported) added.push(...name(TABLE_EXPORT), TABLE_KIND, 0);
  const body = Buffer.concat([
    Buffer.from(leb(kept.length + counts.mutableGlobals.length + (hasTable && !tableExported ? 1 : 0))),
    ...kept,
    Buffer.from(added),
  ]);
  const section = Buffer.concat([Buffer.from([EXPORT_SECTION, ...leb(body.length)]), body]);
  const parts: Uint8Array[] = [code.subarray(0, 8)];
  let placed = false;
  for (const current of sections) {
    // The export section goes where it was, or after the sections that precede it in the order.
    if (!placed && (current.id === EXPORT_SECTION || (current.id > EXPORT_SECTION && current.id !== 0))) {
      parts.push(section);
      placed = true;
    }
    if (current.id !== EXPORT_SECTION) parts.push(code.subarray(current.start, current.end));
  }
  if (!placed) parts.push(section);
  return Buffer.concat(parts);
}
