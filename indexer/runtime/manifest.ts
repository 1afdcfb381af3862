// The subgraph manifest as `graph build` writes it (subgraph.yaml beside the compiled .wasm and
// ABI files): data sources, their contracts and start blocks, and the events they handle.
import { readFileSync } from "node:fs";
import path from "node:path";
import {
  EventFragment,
  id as keccakText,
  Interface,
  isHexString,
  zeroPadValue,
  type InterfaceAbi,
} from "ethers";
import { parse as parseYaml } from "yaml";
import { parseContext, type DataSourceContext } from "./data-source-context.ts";
import { parseDeclaredCalls, type DeclaredCall } from "./declared-calls.ts";

/** Where the features this host refuses are listed, with graph-node's behaviour. */
const UNSUPPORTED = "see docs/graph-node.md; graph-node v0.44 supports it";

export interface EventHandler {
  /** As the manifest writes it, e.g. `Transfer(indexed address,indexed address,uint256)`. */
  event: string;
  /** The manifest's `topic0`, or the signature's hash. */
  topic0: string;
  /** `topic1`..`topic3`: each a list of 32-byte topics, one of which the log must have there. */
  topicFilters: [string[] | undefined, string[] | undefined, string[] | undefined];
  fragment: EventFragment;
  handler: string;
  /** The manifest's `calls:`, made before the block's handlers run. */
  declaredCalls: DeclaredCall[];
}

export interface DataSource {
  name: string;
  network: string;
  /** Lowercase 0x-hex. */
  address: string;
  startBlock: number;
  /** The last block handled (inclusive), if the manifest sets `source.endBlock`. */
  endBlock?: number;
  apiVersion: string;
  wasmFile: string;
  /** The ABI the source names first, and every ABI by name (for ethereum.call). */
  abi: Interface;
  abis: Map<string, Interface>;
  eventHandlers: EventHandler[];
  /** The manifest's `context:`, for dataSource.context(). */
  context: DataSourceContext;
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
  source: { address?: string; abi: string; startBlock?: number; endBlock?: number };
  context?: unknown;
  mapping: {
    apiVersion: string;
    file: string;
    abis: { name: string; file: string }[];
    eventHandlers?: RawEventHandler[];
    blockHandlers?: unknown[];
    callHandlers?: unknown[];
  };
}

interface RawEventHandler {
  event: string;
  handler: string;
  receipt?: boolean;
  topic0?: string;
  topic1?: unknown;
  topic2?: unknown;
  topic3?: unknown;
  calls?: unknown;
}

export class ManifestError extends Error {
  override name = "ManifestError";
}

/** topic0 of a manifest event signature: `indexed ` and spaces removed, then keccak256. */
export function eventTopic(signature: string): string {
  return keccakText(signature.replace(/indexed /g, "").replace(/\s/g, ""));
}

/** A manifest topic as graph-node reads it: `0x` optional, left-padded to 32 bytes (data_source.rs:1532-1556). */
function topicWord(value: unknown, where: string): string {
  const text = String(value);
  const hex = `0x${text.startsWith("0x") ? text.slice(2) : text}`;
  if (!isHexString(hex) || hex.length > 66 || hex.length % 2 !== 0)
    throw new ManifestError(`${where}: ${text} is not a topic (hex, at most 32 bytes)`);
  return zeroPadValue(hex, 32).toLowerCase();
}

function topicFilter(raw: RawEventHandler, position: 1 | 2 | 3, where: string): string[] | undefined {
  const list = raw[`topic${position}`];
  if (list === undefined || list === null) return undefined;
  const name = `${where}: ${raw.event} topic${position}`;
  if (!Array.isArray(list)) throw new ManifestError(`${name} must be a list of topics`);
  return list.map((value) => topicWord(value, name));
}

/** Whether a log with these topics triggers the handler (graph-node's data_source.rs:1564-1582). */
export function handlerMatches(handler: EventHandler, topics: readonly string[]): boolean {
  if (topics[0]?.toLowerCase() !== handler.topic0) return false;
  return handler.topicFilters.every((filter, index) => {
    const topic = topics[index + 1]?.toLowerCase();
    return filter === undefined || (topic !== undefined && filter.includes(topic));
  });
}

function loadDataSource(dir: string, raw: RawDataSource, file: string): DataSource {
  const where = `${file}: data source ${raw.name}`;
  if (raw.kind !== undefined && raw.kind !== "ethereum/contract" && raw.kind !== "ethereum") {
    throw new ManifestError(`${where}: kind ${raw.kind} is not supported (only ethereum contracts)`);
  }
  if (!raw.source.address) throw new ManifestError(`${where}: source.address is required`);
  if (raw.mapping.blockHandlers?.length)
    throw new ManifestError(
      `${where}: block handlers are not supported, only event handlers (${UNSUPPORTED})`,
    );
  if (raw.mapping.callHandlers?.length)
    throw new ManifestError(
      `${where}: call handlers are not supported, only event handlers (${UNSUPPORTED})`,
    );
  const endBlock = raw.source.endBlock;
  if (endBlock !== undefined && (!Number.isSafeInteger(endBlock) || endBlock < 0))
    throw new ManifestError(`${where}: source.endBlock must be a block number, not ${String(endBlock)}`);
  let context: DataSourceContext;
  try {
    context = parseContext(raw.context);
  } catch (error) {
    throw new ManifestError(`${where}: ${(error as Error).message}`);
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
    if (handler.receipt)
      throw new ManifestError(`${where}: receipts for ${handler.event} are not supported (${UNSUPPORTED})`);
    const fragment = abi.getEvent(eventTopic(handler.event));
    if (!fragment)
      throw new ManifestError(`${where}: the ABI ${raw.source.abi} has no event ${handler.event}`);
    const topic0 =
      handler.topic0 === undefined
        ? eventTopic(handler.event)
        : topicWord(handler.topic0, `${where}: ${handler.event} topic0`);
    const topicFilters: EventHandler["topicFilters"] = [
      topicFilter(handler, 1, where),
      topicFilter(handler, 2, where),
      topicFilter(handler, 3, where),
    ];
    let declaredCalls: DeclaredCall[];
    try {
      declaredCalls = parseDeclaredCalls(handler.calls, fragment, abis, `${where}: ${handler.handler}`);
    } catch (error) {
      throw new ManifestError((error as Error).message);
    }
    return { event: handler.event, topic0, topicFilters, fragment, handler: handler.handler, declaredCalls };
  });
  return {
    name: raw.name,
    network: raw.network,
    address: raw.source.address.toLowerCase(),
    startBlock: raw.source.startBlock ?? 0,
    endBlock,
    apiVersion: raw.mapping.apiVersion,
    wasmFile: path.resolve(dir, raw.mapping.file),
    abi,
    abis,
    eventHandlers,
    context,
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
  if (raw.templates?.length)
    throw new ManifestError(`${file}: data source templates are not supported (${UNSUPPORTED})`);
  return {
    file,
    schemaFile: path.resolve(dir, raw.schema.file),
    dataSources: (raw.dataSources ?? []).map((source) => loadDataSource(dir, source, file)),
  };
}
