// The whole system on one machine: the development network, both subgraphs in the embedded indexer
// host, an anchorer keeping state roots flowing both ways, and the executor. Everything it writes
// goes under one data folder, wiped at start: the chains are new on every start, so yesterday's
// index and books would describe chains that no longer exist.
import { randomBytes } from "node:crypto";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import path from "node:path";
import { encryptKeystoreJsonSync } from "ethers";
import { devWallet, ROLE_INDEX } from "../devnet/accounts.ts";
import { startAnchorer, type Anchorer } from "../devnet/anchorer.ts";
import { startDevNetwork, type DevNetwork, type DevNetworkOptions } from "../devnet/network.ts";
import { readConfig } from "../executor/config.ts";
import { startObservabilityServer } from "../executor/observability/http.ts";
import { appendLogFile, createLogger } from "../executor/observability/logger.ts";
import { createMetrics } from "../executor/observability/metrics.ts";
import type { RunningExecutor } from "../executor/service-api.ts";
import { startExecutor } from "../executor/service.ts";
import { startIndexerHost, type IndexerHost } from "../indexer/host.ts";
import { builtSubgraphs } from "../subgraph/cached-build.ts";
import { mosaicSubgraphs, SUBGRAPH_NAMES } from "../subgraph/hosting.ts";

export interface LocalStackOptions {
  network?: Omit<DevNetworkOptions, "deploymentFile" | "progress">;
  /** Where the deployment file, the index, the books and the executor's log go. */
  dataDir: string;
  /** The indexer host's port (0: a free one). */
  indexerPort?: number;
  /** How often the anchorer looks for new heights to anchor. */
  anchorIntervalMs?: number;
  progress?: (message: string) => void;
}

export interface LocalStack {
  net: DevNetwork;
  host: IndexerHost;
  anchorer: Anchorer;
  executor: RunningExecutor;
  /** Both subgraphs' GraphQL endpoints. */
  urls: Record<"origin" | "auxiliary", { httpUrl: string; wsUrl: string }>;
  files: { deployment: string; config: string; log: string };
  /** The executor's status page (and /health, /metrics), on loopback. */
  statusUrl: string;
  stop(): Promise<void>;
}

/** The files of one run under the data folder; nothing else there is touched. */
export function stackFiles(dataDir: string) {
  return {
    deployment: path.join(dataDir, "deployment.json"),
    index: path.join(dataDir, "index"),
    config: path.join(dataDir, "facilitator.json"),
    keystore: path.join(dataDir, "facilitator.keystore.json"),
    books: path.join(dataDir, "books.sqlite"),
    log: path.join(dataDir, "executor.log"),
  };
}

function indexerPortError(port: number, reason: string): Error {
  return new Error(
    `the indexer host cannot listen on port ${port} (${reason}); choose another with --indexer-port (0: a free one)`,
  );
}

/** Fails before anything starts when the GraphQL port is taken (graph-node, another npm start). */
async function assertPortFree(port: number): Promise<void> {
  if (port === 0) return;
  await new Promise<void>((resolve, reject) => {
    const server = createServer();
    server.once("error", (error: Error) => reject(indexerPortError(port, error.message)));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve()));
  });
}

export async function startLocalStack(options: LocalStackOptions): Promise<LocalStack> {
  const progress = options.progress ?? (() => undefined);
  const files = stackFiles(options.dataDir);
  const indexerPort = options.indexerPort ?? 8000;
  await assertPortFree(indexerPort);
  mkdirSync(options.dataDir, { recursive: true });
  for (const stale of [files.index, files.books, `${files.books}-journal`, files.log]) {
    rmSync(stale, { recursive: true, force: true });
  }
  const stops: Array<() => Promise<void>> = [];
  const stopAll = async () => {
    for (const stop of stops.reverse()) await stop();
    stops.length = 0;
  };
  try {
    const manifests = await builtSubgraphs(progress);
    const net = await startDevNetwork({ ...options.network, deploymentFile: files.deployment, progress });
    stops.push(() => net.stop());

    const host = await startIndexerHost({
      subgraphs: mosaicSubgraphs(net.deployment, manifests, files.index),
      port: indexerPort,
      subscriptions: true,
      // Each block is indexed as soon as anvil announces it, so the executor sees it within the block.
      newHeads: true,
    }).catch((error: Error) => {
      throw indexerPortError(indexerPort, error.message);
    });
    stops.push(() => host.stop());
    const urls = {
      origin: { httpUrl: host.httpUrl(SUBGRAPH_NAMES.origin), wsUrl: host.wsUrl(SUBGRAPH_NAMES.origin) },
      auxiliary: {
        httpUrl: host.httpUrl(SUBGRAPH_NAMES.auxiliary),
        wsUrl: host.wsUrl(SUBGRAPH_NAMES.auxiliary),
      },
    };
    progress(`indexing both subgraphs: ${urls.origin.httpUrl} and ${urls.auxiliary.httpUrl}`);

    const anchorer = startAnchorer({
      deployment: net.deployment,
      providers: { origin: net.origin.provider, auxiliary: net.auxiliary.provider },
      intervalMs: options.anchorIntervalMs ?? 1000,
      // Each head with work in it is anchored as soon as it is mined, not at the next tick.
      newHeads: true,
    });
    stops.push(() => anchorer.stop());

    // A fresh password and passphrase per run, held in memory only: the books are new each run.
    const secrets = {
      keystorePassword: randomBytes(24).toString("base64url"),
      secretsPassphrase: randomBytes(24).toString("base64url"),
    };
    const facilitator = devWallet(ROLE_INDEX.facilitator);
    // Light scrypt: the key is anvil's public test key, the keystore only keeps the format real.
    const keystore = encryptKeystoreJsonSync(
      { address: facilitator.address, privateKey: facilitator.privateKey },
      secrets.keystorePassword,
      { scrypt: { N: 1024 } },
    );
    writeFileSync(files.keystore, keystore, { mode: 0o600 });
    writeFileSync(
      files.config,
      `${JSON.stringify(
        {
          deploymentFile: path.basename(files.deployment),
          keystore: path.basename(files.keystore),
          database: `file:${path.basename(files.books)}`,
          chains: {
            origin: { subgraph: urls.origin },
            auxiliary: { subgraph: urls.auxiliary },
          },
          feed: { mode: "subscriptions" },
          gas: { resubmitAfterSeconds: 10 },
          http: { port: 0 },
        },
        null,
        2,
      )}\n`,
    );
    const log = appendLogFile(files.log);
    stops.push(() => log.close());
    const metrics = createMetrics();
    const executor = await startExecutor(readConfig(files.config), secrets, {
      logger: createLogger({ level: "info", write: log.write }),
      metrics,
    });
    stops.push(() => executor.stop());
    const status = await startObservabilityServer({
      host: "127.0.0.1",
      port: 0,
      health: () => executor.health(),
      metrics,
      statusPage: { executor: () => executor },
    });
    stops.push(() => status.close());
    progress(
      `executor running as ${executor.facilitator}, logging to ${files.log}, status at ${status.url}/`,
    );

    return {
      net,
      host,
      anchorer,
      executor,
      urls,
      files: { deployment: files.deployment, config: files.config, log: files.log },
      statusUrl: `${status.url}/`,
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}
