// npm run indexer: the embedded indexer host as a service. Either both Mosaic subgraphs for a
// deployment file, or any one built subgraph against an RPC URL.
import path from "node:path";
import { parseArgs } from "node:util";
import { readDeploymentFile } from "../chain/deployment-file.ts";
import { rewindProblem, startIndexerHost, type HostedSubgraph } from "../indexer/host.ts";
import { DEFAULT_BUILD_DIR } from "../subgraph/build.ts";
import { mosaicSubgraphs } from "../subgraph/hosting.ts";
import { runCommand, stopRequested, UsageError } from "./command.ts";
import { chainIdOf } from "./rpc-chain-id.ts";

const HELP = `Usage: npm run indexer -- [options]

Runs the embedded indexer host: it indexes built subgraphs (graph build output) from their chains
into SQLite and serves graph-node's query API at http://<host>:<port>/subgraphs/name/<name>, with
graphql-ws subscriptions on the same path. Runs until Ctrl-C.

Both Mosaic subgraphs of a deployment (built with npm run subgraph:build):
  --deployment <file>       the deployment file (default .devnet/deployment.json)
  --build-dir <dir>         where the built subgraphs are (default subgraph/build)

Or one built subgraph:
  --manifest <file>         a subgraph.yaml written by graph build
  --rpc-url <url>           its chain's JSON-RPC endpoint
  --name <name>             the name to serve it under

Options:
  --data-dir <dir>          where the SQLite databases go (default .indexer); indexing resumes there
  --host <address>          default 127.0.0.1
  --port <port>             default 8000
  --range <blocks>          the most blocks one eth_getLogs may span (default: adapts, up to 10000)
  --no-subscriptions        serve queries only, as graph-node >= 0.38 does
  --rewind <name>:<block>   at this start, take the subgraph back to its latest indexed block at or
                            below <block> and index the blocks after it again (one that missed a
                            block's events); stop the running indexer first, and give it for one
                            start only; once per subgraph
  --new-heads               also follow each chain's new heads over the WebSocket on its RPC URL's
                            port (ws://, as anvil serves it) and index each head as it is announced,
                            rather than at the next poll (every 0.5 s), which stays as the fallback
  -h, --help                show this help
`;

async function subgraphsFrom(
  values: Record<string, string | string[] | boolean | undefined>,
): Promise<HostedSubgraph[]> {
  const dataDir = path.resolve((values["data-dir"] as string | undefined) ?? ".indexer");
  const manifest = values.manifest as string | undefined;
  if (manifest === undefined) {
    if (values["rpc-url"] !== undefined || values.name !== undefined) {
      throw new UsageError("--rpc-url and --name go with --manifest");
    }
    const deployment = readDeploymentFile(
      path.resolve((values.deployment as string | undefined) ?? ".devnet/deployment.json"),
    );
    const buildDir = path.resolve((values["build-dir"] as string | undefined) ?? DEFAULT_BUILD_DIR);
    return mosaicSubgraphs(
      deployment,
      {
        origin: path.join(buildDir, "origin", "subgraph.yaml"),
        auxiliary: path.join(buildDir, "auxiliary", "subgraph.yaml"),
      },
      dataDir,
    );
  }
  const rpcUrl = values["rpc-url"] as string | undefined;
  const name = values.name as string | undefined;
  if (!rpcUrl || !name) throw new UsageError("--manifest needs --rpc-url and --name");
  if (values.deployment !== undefined)
    throw new UsageError("--deployment and --manifest exclude each other: choose one");
  if (!/^[A-Za-z0-9_-]+(\/[A-Za-z0-9_-]+)?$/.test(name)) {
    throw new UsageError(`--name must be letters, digits, - and _ (one / allowed), got "${name}"`);
  }
  return [
    {
      name,
      manifestFile: path.resolve(manifest),
      rpcUrl,
      chainId: await chainIdOf("rpc-url", rpcUrl, "Is the chain's node running at that URL?"),
      databaseFile: path.join(dataDir, `${name.replace("/", "-")}.sqlite`),
    },
  ];
}

function parse(argv: string[]) {
  const { values } = parseArgs({
    args: argv,
    options: {
      deployment: { type: "string" },
      "build-dir": { type: "string" },
      manifest: { type: "string" },
      "rpc-url": { type: "string" },
      name: { type: "string" },
      "data-dir": { type: "string" },
      host: { type: "string" },
      port: { type: "string" },
      range: { type: "string" },
      "no-subscriptions": { type: "boolean" },
      "new-heads": { type: "boolean" },
      rewind: { type: "string", multiple: true },
      help: { type: "boolean", short: "h" },
    },
  });
  return { ...values, help: values.help ?? false };
}

async function run(values: ReturnType<typeof parse>): Promise<number> {
  const port = Number(values.port ?? 8000);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`--port must be a whole number from 0 to 65535, got "${values.port}"`);
    return 2;
  }
  const range = values.range === undefined ? undefined : Number(values.range);
  if (range !== undefined && (!Number.isInteger(range) || range < 1)) {
    console.error(`--range must be a whole number of blocks, 1 or more, got "${values.range}"`);
    return 2;
  }
  let rewindTo: Record<string, number>;
  try {
    rewindTo = rewindsOf(values.rewind ?? []);
  } catch (error) {
    console.error((error as Error).message);
    return 2;
  }
  let subgraphs: HostedSubgraph[];
  try {
    subgraphs = await subgraphsFrom(values);
  } catch (error) {
    // A usage error is reported with the help by runCommand; a deployment or manifest error alone.
    if (error instanceof UsageError) throw error;
    console.error((error as Error).message);
    return 2;
  }
  const problem = rewindProblem(subgraphs, rewindTo);
  if (problem !== null) {
    console.error(`--rewind: ${problem}`);
    return 2;
  }
  const lastReport = new Map<string, number>();
  const host = await startIndexerHost({
    subgraphs,
    host: values.host ?? "127.0.0.1",
    port,
    subscriptions: !values["no-subscriptions"],
    newHeads: values["new-heads"] ?? false,
    maxLogRange: range,
    rewindTo,
    onProgress: (name, progress) => {
      // One line per subgraph every 2 seconds at most, and always at the head.
      const now = Date.now();
      if (progress.block < progress.head && now - (lastReport.get(name) ?? 0) < 2000) return;
      lastReport.set(name, now);
      console.log(`${name}: indexed to block ${progress.block} of ${progress.head}`);
    },
    onLog: (name, level, message) => console.log(`${name} [${level}] ${message}`),
  });
  for (const subgraph of subgraphs) console.log(`${subgraph.name}: ${host.httpUrl(subgraph.name)}`);
  console.log("Press Ctrl-C to stop.");
  await stopRequested();
  await host.stop();
  console.log("Stopped.");
  return 0;
}

/** `--rewind <name>:<block>`, each subgraph named once (whether it is hosted is checked later). */
function rewindsOf(given: string[]): Record<string, number> {
  const rewinds: Record<string, number> = Object.create(null) as Record<string, number>;
  for (const value of given) {
    const match = /^(.+):(\d+)$/.exec(value);
    if (!match) throw new Error(`--rewind expects <name>:<block>, e.g. mosaic-origin:1200, got "${value}"`);
    const [, name, block] = match as unknown as [string, string, string];
    if (Object.hasOwn(rewinds, name)) throw new Error(`--rewind names ${name} twice: give one block`);
    rewinds[name] = Number(block);
  }
  return rewinds;
}

runCommand({ name: "indexer", help: HELP, parse, run });
