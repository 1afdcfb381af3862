// A manifest of one contract data source for the runtime's unit tests: the contract at 0x…aa,
// its mapping file and ABI named after it, one event handler.
import { writeFileSync } from "node:fs";
import { stringify } from "yaml";

export interface OneSourceManifest {
  /** The data source's name, ABI and mapping file (`./<contract>.wasm`, `./<contract>.json`). */
  contract: string;
  startBlock: number;
  handler: Record<string, unknown>;
  /** Changes the data source (or the handler) before the manifest is written. */
  edit?: (source: Record<string, unknown>, handler: Record<string, unknown>) => void;
  /** Top-level keys added to the manifest. */
  top?: Record<string, unknown>;
}

/** Writes the manifest to `file` and returns it. */
export function writeOneSourceManifest(
  file: string,
  { contract, startBlock, handler, edit, top = {} }: OneSourceManifest,
): string {
  const source: Record<string, unknown> = {
    kind: "ethereum/contract",
    name: contract,
    network: "test",
    source: { address: "0x00000000000000000000000000000000000000aa", abi: contract, startBlock },
    mapping: {
      kind: "ethereum/events",
      apiVersion: "0.0.9",
      file: `./${contract}.wasm`,
      abis: [{ name: contract, file: `./${contract}.json` }],
      eventHandlers: [handler],
    },
  };
  edit?.(source, handler);
  writeFileSync(
    file,
    stringify({ specVersion: "1.3.0", schema: { file: "./schema.graphql" }, dataSources: [source], ...top }),
  );
  return file;
}
