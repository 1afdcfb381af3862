// Instances of a mapping module, each put back exactly as instantiated before it serves the next
// trigger, so a trigger sees what a fresh instance would show it (graph-node instantiates afresh
// for every trigger) without paying for instantiation. Put back means: the memory's bytes, every
// mutable global and every table entry as right after instantiation. An instance whose memory grew
// (a memory cannot shrink) or whose table changed size, or one that trapped, is dropped and the next
// trigger gets a fresh instance.
import { GLOBAL_EXPORT_PREFIX, TABLE_EXPORT } from "./wasm-exports.ts";

interface Snapshot {
  instance: WebAssembly.Instance;
  memory: WebAssembly.Memory;
  bytes: Uint8Array;
  globals: [WebAssembly.Global, unknown][];
  table: WebAssembly.Table | undefined;
  entries: unknown[];
}

export class ReusableInstances {
  /** The instance ready for the next trigger, and the one a trigger is using. */
  private idle: Snapshot | undefined;
  private out: Snapshot | undefined;

  /** `reuse` false gives a fresh instance every time (the reference the reuse is checked against). */
  constructor(
    private readonly module: WebAssembly.Module,
    private readonly imports: WebAssembly.Imports,
    private readonly reuse: boolean,
  ) {}

  /** An instance as instantiated; hand it back with release() once its trigger is done. */
  take(): WebAssembly.Instance {
    const snapshot = this.idle;
    this.idle = undefined;
    if (snapshot && restore(snapshot)) {
      this.out = snapshot;
      return snapshot.instance;
    }
    const instance = new WebAssembly.Instance(this.module, this.imports);
    this.out = this.reuse ? takeSnapshot(instance) : undefined;
    return instance;
  }

  /** After the trigger: `clean` when it returned normally (after a trap the instance is dropped). */
  release(clean: boolean): void {
    if (clean && this.out) this.idle = this.out;
    this.out = undefined;
  }
}

function takeSnapshot(instance: WebAssembly.Instance): Snapshot | undefined {
  const memory = instance.exports.memory;
  if (!(memory instanceof WebAssembly.Memory)) return undefined;
  const globals: [WebAssembly.Global, unknown][] = [];
  for (const [name, value] of Object.entries(instance.exports)) {
    if (name.startsWith(GLOBAL_EXPORT_PREFIX) && value instanceof WebAssembly.Global)
      globals.push([value, value.value]);
  }
  const exported = instance.exports[TABLE_EXPORT];
  const table = exported instanceof WebAssembly.Table ? exported : undefined;
  const entries = table ? Array.from({ length: table.length }, (_, index) => table.get(index)) : [];
  return { instance, memory, bytes: new Uint8Array(memory.buffer).slice(), globals, table, entries };
}

/** Puts the instance back as instantiated; false when it cannot be (its memory or table grew). */
function restore(snapshot: Snapshot): boolean {
  const { memory, bytes, table, entries } = snapshot;
  if (memory.buffer.byteLength !== bytes.length) return false;
  if (table && table.length !== entries.length) return false;
  new Uint8Array(memory.buffer).set(bytes);
  for (const [global, value] of snapshot.globals) global.value = value;
  if (table) entries.forEach((entry, index) => table.get(index) !== entry && table.set(index, entry));
  return true;
}
