// The subgraph manifest as `graph build` writes it (subgraph.yaml beside the compiled .wasm and
// ABI files): data sources, their contracts and start blocks, and the events they handle.
import { readFileSync } from "node:fs";
import path from "node:path";
import { EventFragment, id as keccakText, Interface, type InterfaceAbi } from "ethers";
import { parse as parseYaml } from "yaml";

export interface EventHandler {
  /** As the manifest writes it, e.g. `Transfer(indexed address,indexed address,uint256)`. */
  event: string;
  topic0: string;
  fragment: EventFragment;
  handler: string;
}

export interface DataSource {
  name: string;
  network: string;
  /** Lowercase 0x-hex. */
  address: string;
  startBlock: number;
  apiVersion: string;
  wasmFile: string;
  /** The ABI the source names first, and every ABI by name (for ethereum.call). */
  abi: Interface;
  abis: Map<string, Interface>;
  eventHandlers: EventHandler[];
}

export interface Manifest {
  file: string;
  schemaFile: string;
  dataSources: DataSource[];
}

interface RawDataSource {
  kind?: string;
  name: string;
  network: string;
  source: { address?: string; abi: string; startBlock?: number };
  mapping: {
    apiVersion: string;
    file: string;
    abis: { name: string; file: string }[];
    eventHandlers?: { event: string; handler: string; receipt?: boolean }[];
    blockHandlers?: unknown[];
    callHandlers?: unknown[];
  };
}

export class ManifestError extends Error {
  override name = "ManifestError";
}

/** topic0 of a manifest event signature: `indexed ` and spaces removed, then keccak256. */
export function eventTopic(signature: string): string {
  return keccakText(signature.replace(/indexed /g, "").replace(/\s/g, ""));
}

function loadDataSource(dir: string, raw: RawDataSource, file: string): DataSource {
  const where = `${file}: data source ${raw.name}`;
  if (raw.kind !== undefined && raw.kind !== "ethereum/contract" && raw.kind !== "ethereum") {
    throw new ManifestError(`${where}: kind ${raw.kind} is not supported (only ethereum contracts)`);
  }
  if (!raw.source.address) throw new ManifestError(`${where}: source.address is required`);
  if (raw.mapping.blockHandlers?.length || raw.mapping.callHandlers?.length) {
    throw new ManifestError(`${where}: block and call handlers are not supported, only event handlers`);
  }
  const abis = new Map<string, Interface>();
  for (const abi of raw.mapping.abis) {
    abis.set(
      abi.name,
      new Interface(JSON.parse(readFileSync(path.resolve(dir, abi.file), "utf8")) as InterfaceAbi),
    );
  }
  const abi = abis.get(raw.source.abi);
  if (!abi) throw new ManifestError(`${where}: source.abi ${raw.source.abi} is not among mapping.abis`);
  const eventHandlers = (raw.mapping.eventHandlers ?? []).map((handler) => {
    if (handler.receipt) throw new ManifestError(`${where}: receipts for ${handler.event} are not supported`);
    const topic0 = eventTopic(handler.event);
    const fragment = abi.getEvent(topic0);
    if (!fragment)
      throw new ManifestError(`${where}: the ABI ${raw.source.abi} has no event ${handler.event}`);
    return { event: handler.event, topic0, fragment, handler: handler.handler };
  });
  return {
    name: raw.name,
    network: raw.network,
    address: raw.source.address.toLowerCase(),
    startBlock: raw.source.startBlock ?? 0,
    apiVersion: raw.mapping.apiVersion,
    wasmFile: path.resolve(dir, raw.mapping.file),
    abi,
    abis,
    eventHandlers,
  };
}

export function loadManifest(file: string): Manifest {
  const dir = path.dirname(file);
  let raw: { schema?: { file?: string }; dataSources?: RawDataSource[]; templates?: unknown[] };
  try {
    raw = parseYaml(readFileSync(file, "utf8")) as typeof raw;
  } catch (error) {
    throw new ManifestError(
      `${file}: cannot read the manifest (${(error as Error).message}); run \`npm run subgraph:build\``,
    );
  }
  if (!raw.schema?.file) throw new ManifestError(`${file}: schema.file is missing`);
  if (raw.templates?.length) throw new ManifestError(`${file}: data source templates are not supported`);
  return {
    file,
    schemaFile: path.resolve(dir, raw.schema.file),
    dataSources: (raw.dataSources ?? []).map((source) => loadDataSource(dir, source, file)),
  };
}
