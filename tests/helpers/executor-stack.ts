// The whole stack for executor tests: the development network, the embedded indexer host with
// both subgraphs, an anchorer, and an executor configuration with the facilitator's keystore.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { encryptKeystoreJsonSync } from "ethers";
import { writeDeploymentFile } from "../../chain/deployment-file.ts";
import { devWallet, ROLE_INDEX } from "../../devnet/accounts.ts";
import { startAnchorer, type Anchorer } from "../../devnet/anchorer.ts";
import { startDevNetwork, type DevNetwork, type DevNetworkOptions } from "../../devnet/network.ts";
import { readConfig, type ExecutorConfig } from "../../executor/config.ts";
import { createLogger } from "../../executor/observability/logger.ts";
import { createMetrics, type ExecutorMetrics } from "../../executor/observability/metrics.ts";
import type { RunningExecutor } from "../../executor/service-api.ts";
import { startExecutor } from "../../executor/service.ts";
import { startIndexerHost, type IndexerHost } from "../../indexer/host.ts";
import { mosaicSubgraphs, SUBGRAPH_NAMES } from "../../subgraph/hosting.ts";
import { builtSubgraphs } from "../../subgraph/cached-build.ts";

export const KEYSTORE_PASSWORD = "correct horse battery staple";
export const SECRETS_PASSPHRASE = "a passphrase for the unlock secrets";

/** Starts an executor unlocked with the stack's passwords, its log lines (info and up) kept in `lines`. */
export function startLoggedExecutor(
  config: ExecutorConfig,
  lines: string[],
  metrics: ExecutorMetrics = createMetrics(),
): Promise<RunningExecutor> {
  return startExecutor(
    config,
    { keystorePassword: KEYSTORE_PASSWORD, secretsPassphrase: SECRETS_PASSPHRASE },
    { logger: createLogger({ level: "info", write: (line) => void lines.push(line) }), metrics },
  );
}

export interface ExecutorStack {
  net: DevNetwork;
  host: IndexerHost;
  /** Stops the indexer host (its endpoints go away), or starts it again on the same port. */
  stopHost(): Promise<void>;
  startHost(): Promise<void>;
  anchorer: Anchorer;
  dir: string;
  configFile: string;
  config: ExecutorConfig;
  stop(): Promise<void>;
}

export interface StackOptions {
  network?: DevNetworkOptions;
  subscriptions?: boolean;
  /** Extra configuration fields, merged over the defaults. */
  config?: Record<string, unknown>;
  /** The RPC URL the indexer reads a chain through, when not the chain's own (a proxy). */
  indexerRpcUrls?: Partial<Record<"origin" | "auxiliary", string>>;
}

export async function startExecutorStack(options: StackOptions = {}): Promise<ExecutorStack> {
  const manifests = await builtSubgraphs();
  const net = await startDevNetwork({ accounts: 40, ...options.network });
  const dir = mkdtempSync(path.join(tmpdir(), "executor-"));
  const hostOptions = {
    subgraphs: mosaicSubgraphs(net.deployment, manifests, dir).map((subgraph) => {
      const chain = subgraph.name === SUBGRAPH_NAMES.origin ? "origin" : "auxiliary";
      return { ...subgraph, rpcUrl: options.indexerRpcUrls?.[chain] ?? subgraph.rpcUrl };
    }),
    subscriptions: options.subscriptions ?? true,
    pollIntervalMs: 100,
  };
  let host = await startIndexerHost(hostOptions);
  const port = Number(new URL(host.httpUrl(SUBGRAPH_NAMES.origin)).port);
  const anchorer = startAnchorer({
    deployment: net.deployment,
    providers: { origin: net.origin.provider, auxiliary: net.auxiliary.provider },
    intervalMs: 300,
  });
  const deploymentFile = path.join(dir, "deployment.json");
  writeDeploymentFile(deploymentFile, net.deployment);
  // Light scrypt settings: the keystore format is the real one, the test just unlocks it faster.
  const facilitator = devWallet(ROLE_INDEX.facilitator);
  const keystore = encryptKeystoreJsonSync(
    { address: facilitator.address, privateKey: facilitator.privateKey },
    KEYSTORE_PASSWORD,
    { scrypt: { N: 1024 } },
  );
  writeFileSync(path.join(dir, "keystore.json"), keystore);
  const subgraph = (name: string) => ({
    httpUrl: host.httpUrl(name),
    wsUrl: host.wsUrl(name),
  });
  const configFile = path.join(dir, "facilitator.json");
  writeFileSync(
    configFile,
    JSON.stringify(
      {
        deploymentFile: "deployment.json",
        keystore: "keystore.json",
        database: "file:books.sqlite",
        chains: {
          origin: { subgraph: subgraph(SUBGRAPH_NAMES.origin) },
          auxiliary: { subgraph: subgraph(SUBGRAPH_NAMES.auxiliary) },
        },
        feed: { mode: "auto", pollIntervalMs: 200 },
        gas: { resubmitAfterSeconds: 5 },
        http: { port: 0 },
        ...options.config,
      },
      null,
      2,
    ),
  );
  let hostRunning = true;
  const stack: ExecutorStack = {
    net,
    host,
    async stopHost() {
      hostRunning = false;
      await host.stop();
    },
    async startHost() {
      host = await startIndexerHost({ ...hostOptions, port });
      stack.host = host;
      hostRunning = true;
    },
    anchorer,
    dir,
    configFile,
    config: readConfig(configFile),
    async stop() {
      await anchorer.stop();
      if (hostRunning) await host.stop();
      await net.stop();
    },
  };
  return stack;
}

/**
 * A configuration of the stack whose subgraph URLs go through `urlFor` (a proxy in front of the
 * host), polling, with `subgraph` set beside each URL; written beside the stack's own and read.
 */
export function configThrough(
  stack: ExecutorStack,
  urlFor: (hostUrl: string) => string,
  subgraph: Record<string, unknown> = {},
): ExecutorConfig {
  const base = JSON.parse(readFileSync(stack.configFile, "utf8")) as Record<string, unknown>;
  const file = path.join(stack.dir, "through-proxy.json");
  const chain = (name: string) => ({ subgraph: { httpUrl: urlFor(stack.host.httpUrl(name)), ...subgraph } });
  writeFileSync(
    file,
    JSON.stringify({
      ...base,
      chains: { origin: chain(SUBGRAPH_NAMES.origin), auxiliary: chain(SUBGRAPH_NAMES.auxiliary) },
      feed: { mode: "polling", pollIntervalMs: 200 },
    }),
  );
  return readConfig(file);
}
