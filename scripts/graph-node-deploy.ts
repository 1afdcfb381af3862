// npm run subgraph:deploy [-- options]: deploys both Mosaic subgraphs to a real graph-node (the
// docker-compose stack of docs/graph-node.md). It builds them for a deployment file (buildSubgraphs:
// manifests, codegen, graph build), then for each chain runs graph-cli's
//   graph create --node <admin url> <name>
//   graph deploy --node <admin url> --ipfs <ipfs url> --version-label <label> … <name> <manifest>
// with the manifest that the build generated from the deployment file. `--dry-run` prints those
// commands and does nothing else.
import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { readDeploymentFile } from "../chain/deployment-file.ts";
import {
  buildSubgraphs,
  DEFAULT_BUILD_DIR,
  DEFAULT_DEPLOYMENT_FILE,
  GENERATED_DIR,
} from "../subgraph/build.ts";
import { CHAINS, type ChainName } from "../subgraph/manifest.ts";

const ROOT = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const GRAPH = path.join(ROOT, "node_modules", ".bin", "graph");

/** The published ports of docker-compose.yml: graph-node's admin JSON-RPC and IPFS's RPC API. */
export const DEFAULT_NODE_URL = "http://127.0.0.1:8020";
export const DEFAULT_IPFS_URL = "http://127.0.0.1:5001";

/** The names the executor's configuration queries: http://<graph-node>:8000/subgraphs/name/<name>. */
export const SUBGRAPH_NAMES: Record<ChainName, string> = {
  origin: "mosaic-origin",
  auxiliary: "mosaic-auxiliary",
};

const PACKAGE_VERSION = (
  JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8")) as { version: string }
).version;
export const DEFAULT_VERSION_LABEL = `v${PACKAGE_VERSION}`;

const HELP = `Usage: npm run subgraph:deploy -- [options]

Builds the Mosaic subgraphs for a deployment file and deploys both to a graph-node (the
docker-compose stack, docs/graph-node.md) as ${SUBGRAPH_NAMES.origin} and ${SUBGRAPH_NAMES.auxiliary}:
for each, \`graph create\` (graph-node keeps an existing name) and \`graph deploy\`, which uploads
the build to IPFS and makes it the subgraph's new version.

Options:
  --deployment <path>      the deployment file (default .devnet/deployment.json; it must exist)
  --node <url>             graph-node's admin JSON-RPC endpoint (default ${DEFAULT_NODE_URL})
  --ipfs <url>             the IPFS RPC API graph-node reads (default ${DEFAULT_IPFS_URL})
  --version-label <label>  the deployed version's label (default ${DEFAULT_VERSION_LABEL}, the package version)
  --dry-run                print the graph-cli commands that would run, and nothing else
  -h, --help               show this help
`;

/** Bad input: exit 2 with a message that names the option. */
export class UsageError extends Error {
  override name = "UsageError";
}

/** A step that failed: exit 1. */
export class DeployError extends Error {
  override name = "DeployError";
}

export interface DeployOptions {
  deploymentFile: string;
  nodeUrl: string;
  ipfsUrl: string;
  versionLabel: string;
  dryRun: boolean;
}

export interface GraphCommand {
  chain: ChainName;
  step: "create" | "deploy";
  /** The arguments after `graph`. */
  args: string[];
}

function httpUrl(option: string, value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UsageError(`--${option} must be an http or https URL, got "${value}"`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new UsageError(`--${option} must be an http or https URL, got "${value}"`);
  }
  return value.replace(/\/+$/, "");
}

export function parseOptions(argv: string[]): DeployOptions | "help" {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        deployment: { type: "string" },
        node: { type: "string" },
        ipfs: { type: "string" },
        "version-label": { type: "string" },
        "dry-run": { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
    }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (values.help) return "help";
  const versionLabel = values["version-label"] ?? DEFAULT_VERSION_LABEL;
  if (!/^[A-Za-z0-9][A-Za-z0-9._+-]{0,63}$/.test(versionLabel)) {
    throw new UsageError(
      `--version-label must be 1 to 64 letters, digits, ".", "_", "+" or "-" (starting with a letter or digit), got "${versionLabel}"`,
    );
  }
  return {
    deploymentFile: path.resolve(values.deployment ?? DEFAULT_DEPLOYMENT_FILE),
    nodeUrl: httpUrl("node", values.node ?? DEFAULT_NODE_URL),
    ipfsUrl: httpUrl("ipfs", values.ipfs ?? DEFAULT_IPFS_URL),
    versionLabel,
    dryRun: values["dry-run"] ?? false,
  };
}

/** The manifest that buildSubgraphs generates for a chain from the deployment file. */
export function generatedManifest(chain: ChainName): string {
  return path.join(GENERATED_DIR, `${chain}.subgraph.yaml`);
}

const fromRoot = (file: string) => path.relative(ROOT, file) || ".";

/** The graph-cli commands, in the order they run (paths relative to the project root, the cwd). */
export function graphCommands(options: DeployOptions): GraphCommand[] {
  return CHAINS.flatMap((chain): GraphCommand[] => [
    { chain, step: "create", args: ["create", "--node", options.nodeUrl, SUBGRAPH_NAMES[chain]] },
    {
      chain,
      step: "deploy",
      args: [
        "deploy",
        "--node",
        options.nodeUrl,
        "--ipfs",
        options.ipfsUrl,
        "--version-label",
        options.versionLabel,
        // graph deploy compiles the manifest again before uploading: into the build's own folder.
        "--output-dir",
        fromRoot(path.join(DEFAULT_BUILD_DIR, chain)),
        "--skip-migrations",
        SUBGRAPH_NAMES[chain],
        fromRoot(generatedManifest(chain)),
      ],
    },
  ]);
}

function shellQuote(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

export function formatCommand(command: GraphCommand): string {
  return [fromRoot(GRAPH), ...command.args].map(shellQuote).join(" ");
}

/** Asks an endpoint anything: any HTTP answer means it is there. */
async function reachable(what: string, url: string, init: RequestInit, hint: string): Promise<void> {
  try {
    await fetch(url, { ...init, signal: AbortSignal.timeout(10_000) });
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    const reason = cause?.code ?? cause?.message ?? (error as Error).message;
    throw new DeployError(`${what} at ${url} did not answer (${reason}); ${hint}`);
  }
}

function runGraph(command: GraphCommand): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(GRAPH, command.args, {
      cwd: ROOT,
      // No terminal input: graph-cli must never wait on a prompt.
      stdio: ["ignore", "inherit", "inherit"],
      env: { ...process.env, FORCE_COLOR: "0", NO_COLOR: "1" },
    });
    child.once("error", (error) =>
      reject(new DeployError(`cannot run ${fromRoot(GRAPH)} (${error.message}); run \`npm ci\``)),
    );
    child.once("close", (code, signal) => {
      if (code === 0) resolve();
      else
        reject(
          new DeployError(
            `graph ${command.step} ${SUBGRAPH_NAMES[command.chain]} failed (${signal ?? `exit code ${code}`}); its output is above`,
          ),
        );
    });
  });
}

export async function deploySubgraphs(
  options: DeployOptions,
  print: (line: string) => void = console.log,
): Promise<void> {
  if (!existsSync(options.deploymentFile)) {
    throw new UsageError(
      `--deployment: no deployment file at ${options.deploymentFile}; ` +
        "run `npm start` (it writes .devnet/deployment.json) or pass --deployment <path>",
    );
  }
  let deployment;
  try {
    deployment = readDeploymentFile(options.deploymentFile);
  } catch (error) {
    throw new UsageError(`--deployment: ${(error as Error).message}`);
  }
  const commands = graphCommands(options);
  if (options.dryRun) {
    print("# dry run: nothing is built, created or deployed");
    print(
      `# would build both subgraphs for ${options.deploymentFile} (buildSubgraphs) into ${fromRoot(DEFAULT_BUILD_DIR)}, then run from ${ROOT}:`,
    );
    for (const command of commands) print(formatCommand(command));
    return;
  }
  // Fail before a 20-second build when graph-node or IPFS is not there.
  await reachable(
    "graph-node's admin endpoint",
    options.nodeUrl,
    {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "subgraph_list", params: {} }),
    },
    "is the stack up (`docker compose up -d graph-node`, docs/graph-node.md), or pass --node <url>",
  );
  await reachable(
    "the IPFS RPC API",
    `${options.ipfsUrl}/api/v0/version`,
    { method: "POST" },
    "is the stack up (`docker compose up -d ipfs`), or pass --ipfs <url>",
  );
  await buildSubgraphs({ deployment, buildDir: DEFAULT_BUILD_DIR, progress: print });
  for (const chain of CHAINS) {
    if (!existsSync(generatedManifest(chain))) {
      throw new DeployError(`the build wrote no manifest at ${fromRoot(generatedManifest(chain))}`);
    }
  }
  for (const command of commands) {
    print(`$ ${formatCommand(command)}`);
    await runGraph(command);
  }
  print(
    CHAINS.map(
      (chain) => `${SUBGRAPH_NAMES[chain]}: deployed as ${options.versionLabel} to ${options.nodeUrl}`,
    ).join("\n"),
  );
}

async function main(argv: string[]): Promise<number> {
  try {
    const options = parseOptions(argv);
    if (options === "help") {
      process.stdout.write(HELP);
      return 0;
    }
    await deploySubgraphs(options);
    return 0;
  } catch (error) {
    if (error instanceof UsageError) {
      console.error(`${error.message}\n\nSee: npm run subgraph:deploy -- --help`);
      return 2;
    }
    console.error(error instanceof Error ? error.message : String(error));
    return 1;
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
