// indexer/runtime/wasm-exports.ts and reusable-instance.ts: a mapping compiled without its constant
// global exports (the graph-ts TypeId table) but with its mutable globals and table exported keeps
// every other export and computes the same; a used instance is put back byte for byte as
// instantiated, and one whose memory grew or that trapped is not reused.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { before, test } from "node:test";
import { loadManifest } from "../indexer/runtime/manifest.ts";
import { ReusableInstances } from "../indexer/runtime/reusable-instance.ts";
import { GLOBAL_EXPORT_PREFIX, TABLE_EXPORT, withHostExports } from "../indexer/runtime/wasm-exports.ts";
import { builtSubgraphs } from "../subgraph/cached-build.ts";

let code: Uint8Array<ArrayBuffer>;
before(async () => {
  const manifest = loadManifest((await builtSubgraphs()).origin);
  code = new Uint8Array(readFileSync(manifest.dataSources[0]!.wasmFile));
});

function stubImports(module: WebAssembly.Module): WebAssembly.Imports {
  const imports: Record<string, Record<string, () => number>> = {};
  for (const entry of WebAssembly.Module.imports(module))
    (imports[entry.module] ??= {})[entry.name] = () => 0;
  return imports;
}

function instantiate(bytes: Uint8Array<ArrayBuffer>) {
  const module = new WebAssembly.Module(bytes);
  return { module, exports: new WebAssembly.Instance(module, stubImports(module)).exports };
}

const memoryOf = (exports: WebAssembly.Exports) =>
  new Uint8Array((exports.memory as WebAssembly.Memory).buffer).slice();
const mutableGlobals = (exports: WebAssembly.Exports) =>
  Object.entries(exports)
    .filter(([name]) => name.startsWith(GLOBAL_EXPORT_PREFIX))
    .map(([name, global]) => [name, (global as WebAssembly.Global).value]);

test("constant global exports are dropped, mutable globals and the table exported, the rest kept", () => {
  const original = instantiate(code);
  const host = instantiate(withHostExports(code));
  const exports = (module: WebAssembly.Module) => WebAssembly.Module.exports(module);
  assert.ok(
    exports(original.module).some((entry) => entry.kind === "global"),
    "the mapping exports globals",
  );
  const reserved = (name: string) => name.startsWith(GLOBAL_EXPORT_PREFIX) || name === TABLE_EXPORT;
  assert.deepEqual(
    exports(host.module).filter((entry) => !reserved(entry.name)),
    exports(original.module).filter((entry) => entry.kind !== "global"),
  );
  assert.ok(
    mutableGlobals(host.exports).length > 0,
    "the stub runtime's allocator offset is a mutable global",
  );
  assert.ok(host.exports[TABLE_EXPORT] instanceof WebAssembly.Table);
  const idOfType = (exports: WebAssembly.Exports) => exports.id_of_type as (id: number) => number;
  for (const typeId of [0, 1, 6, 15, 30]) {
    assert.equal(idOfType(host.exports)(typeId), idOfType(original.exports)(typeId));
  }
  assert.deepEqual(memoryOf(host.exports), memoryOf(original.exports));
});

test("a module that ends inside a section is refused", () => {
  assert.throws(() => withHostExports(code.subarray(0, 20)), /runs past its end|ends inside/);
});

test("a used instance is put back as instantiated; a grown or trapped one is replaced", () => {
  const module = new WebAssembly.Module(withHostExports(code));
  const instances = new ReusableInstances(module, stubImports(module), true);
  const fresh = new WebAssembly.Instance(module, stubImports(module)).exports;
  const use = (exports: WebAssembly.Exports, bytes: number) => {
    (exports._start as () => void)();
    (exports.__new as (size: number, id: number) => number)(bytes, 0);
    new Uint8Array((exports.memory as WebAssembly.Memory).buffer).fill(7, 1000, 1100);
  };

  const first = instances.take();
  use(first.exports, 64);
  assert.notDeepEqual(
    mutableGlobals(first.exports),
    mutableGlobals(fresh),
    "the allocation moved the offset",
  );
  instances.release(true);
  const second = instances.take();
  assert.equal(second, first, "reused");
  assert.deepEqual(memoryOf(second.exports), memoryOf(fresh));
  assert.deepEqual(mutableGlobals(second.exports), mutableGlobals(fresh));

  use(second.exports, 200_000); // more than the first page: the memory grows
  instances.release(true);
  const third = instances.take();
  assert.notEqual(third, second, "a grown instance is not reused");
  assert.deepEqual(memoryOf(third.exports), memoryOf(fresh));

  instances.release(false); // a trap
  assert.notEqual(instances.take(), third, "a trapped instance is not reused");
});

test("without reuse every take instantiates afresh", () => {
  const module = new WebAssembly.Module(withHostExports(code));
  const instances = new ReusableInstances(module, stubImports(module), false);
  const first = instances.take();
  instances.release(true);
  assert.notEqual(instances.take(), first);
});
