// The embedded indexer host: for each subgraph, its runtime (the built WASM), its SQLite store
// and a chain follower; and one GraphQL server for all of them at graph-node's paths.
import { mkdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { followNewHeads, webSocketUrlOf, type NewHeads } from "../chain/new-heads.ts";
import { connectChain } from "../chain/provider.ts";
import { startGraphqlServer } from "./graphql/index.ts";
import { ChainReader } from "./ingest/chain-reader.ts";
import { SubgraphIndexer, type IndexerProgress } from "./ingest/subgraph-indexer.ts";
import { entityShapes } from "./runtime/entity-shapes.ts";
import type { LogLevel } from "./runtime/host-imports.ts";
import { loadManifest } from "./runtime/manifest.ts";
import { SubgraphRuntime, type SourceOverride } from "./runtime/subgraph-runtime.ts";
import { parseSubgraphSchema } from "./schema/index.ts";
import { openSqliteStore } from "./store/index.ts";
import type { SubgraphStore } from "./store/types.ts";

export interface HostedSubgraph {
  /** Served at /subgraphs/name/<name>. */
  name: string;
  /** The subgraph.yaml written by `graph build`. */
  manifestFile: string;
  rpcUrl: string;
  chainId: number;
  /** Addresses and start blocks by data source name (from the deployment file). */
  sources?: Record<string, SourceOverride>;
  /** SQLite file; ":memory:" keeps nothing. */
  databaseFile: string;
}

export interface HostOptions {
  subgraphs: HostedSubgraph[];
  host?: string;
  port?: number;
  subscriptions?: boolean;
  pollIntervalMs?: number;
  /**
   * Also follow each chain's new heads over its node's WebSocket (the RPC URL as ws://, as anvil
   * serves it) and index a head as soon as it is announced; the poll stays as the fallback.
   */
  newHeads?: boolean;
  /** The most blocks one eth_getLogs may span (some providers cap it). */
  maxLogRange?: number;
  /**
   * Before indexing, each named subgraph's store goes back to its latest recorded block at or below
   * the number (to nothing when it has none there), and the blocks after it are indexed again from
   * the chain: for an index that missed a block's events (a node that answered its logs without them).
   */
  rewindTo?: Record<string, number>;
  onProgress?: (subgraph: string, progress: IndexerProgress) => void;
  onLog?: (subgraph: string, level: LogLevel | "fault", message: string) => void;
}

export interface RunningSubgraph {
  name: string;
  store: SubgraphStore;
  runtime: SubgraphRuntime;
  indexer: SubgraphIndexer;
}

export interface IndexerHost {
  subgraphs: Map<string, RunningSubgraph>;
  httpUrl(name: string): string;
  wsUrl(name: string): string;
  /** Indexes every subgraph up to its chain's current head (for tests and one-shot runs). */
  syncAll(): Promise<void>;
  stop(): Promise<void>;
}

export function openSubgraph(
  subgraph: HostedSubgraph,
  options: Pick<HostOptions, "onLog" | "onProgress" | "pollIntervalMs" | "maxLogRange"> & {
    /** False instantiates every trigger's module afresh (the reference for instance reuse). */
    reuseInstances?: boolean;
    /** How many of the last blocks below the head are read block by block, by hash (default 16). */
    nearHeadBlocks?: number;
  },
) {
  const manifest = loadManifest(subgraph.manifestFile);
  const runtimeSchema = parseSubgraphSchema(readFileSync(manifest.schemaFile, "utf8"));
  const runtime = new SubgraphRuntime({
    manifest,
    shapes: entityShapes(runtimeSchema),
    rpcUrl: subgraph.rpcUrl,
    sources: subgraph.sources,
    reuseInstances: options.reuseInstances,
    log: (level, message, where) =>
      options.onLog?.(
        subgraph.name,
        level,
        `${where.dataSource}.${where.handler} block ${where.block}: ${message}`,
      ),
  });
  if (subgraph.databaseFile !== ":memory:")
    mkdirSync(path.dirname(subgraph.databaseFile), { recursive: true });
  const store = openSqliteStore({
    file: subgraph.databaseFile,
    schema: runtimeSchema,
    deployment: runtime.deployment,
  });
  store.startWriting?.();
  const chain = new ChainReader(connectChain(subgraph.rpcUrl, subgraph.chainId));
  const indexer = new SubgraphIndexer({
    runtime,
    store,
    chain,
    pollIntervalMs: options.pollIntervalMs,
    range: options.maxLogRange ? { initial: options.maxLogRange, max: options.maxLogRange } : undefined,
    nearHeadBlocks: options.nearHeadBlocks,
    onProgress: (progress) => options.onProgress?.(subgraph.name, progress),
    onError: (error) => options.onLog?.(subgraph.name, "fault", error.message),
  });
  return { name: subgraph.name, schema: runtimeSchema, store, runtime, indexer, chain };
}

/** Releases what openSubgraph opened; its indexer must be stopped first. */
export async function closeSubgraph(subgraph: ReturnType<typeof openSubgraph>): Promise<void> {
  subgraph.chain.provider.destroy();
  await subgraph.runtime.close();
  subgraph.store.close();
}

/** Takes the store back to its latest recorded block at or below `number` (see HostOptions.rewindTo). */
function rewind(
  { name, store }: Pick<RunningSubgraph, "name" | "store">,
  number: number,
  options: Pick<HostOptions, "onLog">,
): void {
  const latest = store.latestBlock();
  if (latest === null || latest.number <= number) {
    options.onLog?.(
      name,
      "info",
      `not rewound: indexed to block ${latest?.number ?? "none"}, not past ${number}`,
    );
    return;
  }
  const [to] = store.recentBlocks(number, 1);
  store.revertTo(to ?? null);
  options.onLog?.(
    name,
    "info",
    to
      ? `rewound to block ${to.number}: indexing again from block ${to.number + 1}`
      : "rewound to the start: indexing again from the start block",
  );
}

/** Why `rewindTo` cannot be done for these subgraphs (a name none of them has), or null. */
export function rewindProblem(subgraphs: HostedSubgraph[], rewindTo: Record<string, number>): string | null {
  const names = subgraphs.map((subgraph) => subgraph.name);
  const unknown = Object.keys(rewindTo).find((name) => !names.includes(name));
  return unknown === undefined
    ? null
    : `cannot rewind ${unknown}: no such subgraph is hosted (${names.join(", ")})`;
}

export async function startIndexerHost(options: HostOptions): Promise<IndexerHost> {
  const rewinds = Object.entries(options.rewindTo ?? {});
  const problem = rewindProblem(options.subgraphs, options.rewindTo ?? {});
  if (problem !== null) throw new Error(problem);
  const opened = options.subgraphs.map((subgraph) => openSubgraph(subgraph, options));
  const server = await startGraphqlServer({
    host: options.host ?? "127.0.0.1",
    port: options.port ?? 0,
    subscriptions: options.subscriptions ?? true,
    subgraphs: Object.fromEntries(
      opened.map((entry) => [entry.name, { store: entry.store, schema: entry.schema }]),
    ),
  });
  // After the port is taken: a second host started on the same port and files by mistake fails
  // there, before its rewind reaches the files of the one running.
  for (const [name, number] of rewinds)
    rewind(
      opened.find((entry) => entry.name === name)!,
      number,
      options,
    );
  for (const entry of opened) entry.indexer.start();
  const heads: NewHeads[] = options.newHeads
    ? opened.map(({ indexer, name }) =>
        followNewHeads({
          url: webSocketUrlOf(options.subgraphs.find((subgraph) => subgraph.name === name)!.rpcUrl),
          onHead: () => indexer.headSeen(),
          onError: (error) => options.onLog?.(name, "fault", `newHeads: ${error.message}`),
        }),
      )
    : [];
  return {
    subgraphs: new Map(opened.map((entry) => [entry.name, entry])),
    httpUrl: (name) => server.httpUrl(name),
    wsUrl: (name) => server.wsUrl(name),
    async syncAll() {
      await Promise.all(opened.map((entry) => entry.indexer.syncToHead()));
    },
    async stop() {
      for (const follower of heads) follower.stop();
      await Promise.all(opened.map((entry) => entry.indexer.stop()));
      await server.close();
      for (const entry of opened) await closeSubgraph(entry);
    },
  };
}
