// npm run devnet:deploy: the Mosaic contracts deployed onto two development chains that are already
// running (the anvil containers of docker-compose.yml's local-chains profile, or any two chains
// holding anvil's test accounts), tokens for the development accounts, and the deployment file.
import { existsSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import type { Deployment } from "../chain/deployment-file.ts";
import { writeDeploymentFile } from "../chain/deployment-file.ts";
import { connectChain } from "../chain/provider.ts";
import { FIRST_USER_INDEX, ROLE_INDEX } from "../devnet/accounts.ts";
import { deployOntoChains, type RunningChain } from "../devnet/deploy-onto-chains.ts";
import { quotedUrlValue, shownUrl } from "../chain/url-secrets.ts";
import { runCommand, UsageError, wholeNumber } from "./command.ts";
import { chainIdOf } from "./rpc-chain-id.ts";
import { deploymentLines } from "./deployment-summary.ts";

const DEFAULT_ORIGIN_RPC_URL = "http://127.0.0.1:8545";
const DEFAULT_AUXILIARY_RPC_URL = "http://127.0.0.1:9545";
const DEFAULT_DEPLOYMENT_FILE = ".devnet/deployment.json";
const DEFAULT_ACCOUNTS = 20;
const LOCAL_CHAINS_HINT =
  "Is the chain running? (the local chains: docker compose --profile local-chains up -d anvil-origin anvil-auxiliary)";

const HELP = `Usage: npm run devnet:deploy -- [options]

Deploys the Mosaic contracts onto two development chains that are already running, such as the
anvil chains of docker-compose.yml's local-chains profile: it wires them together, mints tokens for
the development accounts and writes the deployment file. (npm start does the same on two anvil
chains that it starts itself.) Each run deploys a new set of contracts.

The chains must be two different chains (different chain ids) that hold anvil's public test
accounts with ether (mnemonic "test test ... junk", anvil's default): #0 deploys and owns
everything, #1 is the facilitator (a worker of both organizations), #2 onward are users. Chains
that mine on an interval work: the deployment takes a few blocks.

Options:
  --origin-rpc-url <url>       the origin chain's JSON-RPC URL (default ${DEFAULT_ORIGIN_RPC_URL})
  --auxiliary-rpc-url <url>    the auxiliary chain's JSON-RPC URL (default ${DEFAULT_AUXILIARY_RPC_URL})
                               Both are written into the deployment file as given.
  --deployment-file <path>     where to write the deployment file (default ${DEFAULT_DEPLOYMENT_FILE});
                               a file already there is overwritten
  --accounts <n>               development accounts on each chain, as anvil's --accounts (default
                               ${DEFAULT_ACCOUNTS}): value tokens go to users #${FIRST_USER_INDEX} to #n-1, base tokens to #${ROLE_INDEX.facilitator}
  -h, --help                   show this help
`;

function rpcUrl(option: string, value: string): string {
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== "http:" && url.protocol !== "https:")) {
    throw new UsageError(`--${option} must be an http:// or https:// URL, got ${quotedUrlValue(value)}`);
  }
  return value;
}

function readOptions(argv: string[]) {
  const { values } = parseArgs({
    args: argv,
    options: {
      "origin-rpc-url": { type: "string" },
      "auxiliary-rpc-url": { type: "string" },
      "deployment-file": { type: "string" },
      accounts: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
  return {
    help: values.help ?? false,
    originRpcUrl: rpcUrl("origin-rpc-url", values["origin-rpc-url"] ?? DEFAULT_ORIGIN_RPC_URL),
    auxiliaryRpcUrl: rpcUrl("auxiliary-rpc-url", values["auxiliary-rpc-url"] ?? DEFAULT_AUXILIARY_RPC_URL),
    deploymentFile: path.resolve(values["deployment-file"] ?? DEFAULT_DEPLOYMENT_FILE),
    accounts: wholeNumber("accounts", values.accounts, 2, 1000) ?? DEFAULT_ACCOUNTS,
  };
}

async function connect(option: string, url: string): Promise<RunningChain> {
  const chainId = await chainIdOf(option, url, LOCAL_CHAINS_HINT);
  return { chainId, rpcUrl: url, provider: connectChain(url, chainId) };
}

function summary(deployment: Deployment, deploymentFile: string, accounts: number, seconds: number): string {
  return [
    "",
    `Mosaic contracts deployed in ${seconds.toFixed(1)} s.`,
    ...deploymentLines(deployment, accounts),
    `  deployment file  ${deploymentFile}`,
  ].join("\n");
}

async function run(options: ReturnType<typeof readOptions>): Promise<number> {
  const started = Date.now();
  const connected = await Promise.allSettled([
    connect("origin-rpc-url", options.originRpcUrl),
    connect("auxiliary-rpc-url", options.auxiliaryRpcUrl),
  ]);
  const chains = connected.flatMap((result) => (result.status === "fulfilled" ? [result.value] : []));
  try {
    const failures = connected.flatMap((result) =>
      result.status === "rejected" ? [(result.reason as Error).message] : [],
    );
    if (failures.length > 0) throw new Error(failures.join("\n"));
    const [origin, auxiliary] = chains as [RunningChain, RunningChain];
    console.log("Deploying the Mosaic contracts…");
    console.log(
      `  origin chain ${origin.chainId} at ${shownUrl(origin.rpcUrl)}, auxiliary chain ${auxiliary.chainId} at ${shownUrl(auxiliary.rpcUrl)}`,
    );
    const deployment = await deployOntoChains({
      origin,
      auxiliary,
      accounts: options.accounts,
      progress: (message) => console.log(`  ${message}`),
    });
    const replacing = existsSync(options.deploymentFile);
    writeDeploymentFile(options.deploymentFile, deployment);
    console.log(
      `  wrote ${options.deploymentFile}${replacing ? " (overwriting the file that was there)" : ""}`,
    );
    console.log(summary(deployment, options.deploymentFile, options.accounts, (Date.now() - started) / 1000));
    return 0;
  } finally {
    for (const chain of chains) chain.provider.destroy();
  }
}

runCommand({ name: "devnet:deploy", help: HELP, parse: readOptions, run });
