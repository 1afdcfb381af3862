// npm start: the local stack. For now: two anvil chains with the Mosaic contracts deployed and the
// deployment file written; it runs until Ctrl-C, then stops everything.
import path from "node:path";
import { parseArgs } from "node:util";
import { devWallet, FIRST_USER_INDEX, ROLE_INDEX } from "../devnet/accounts.ts";
import {
  DEFAULT_AUXILIARY_CHAIN_ID,
  DEFAULT_ORIGIN_CHAIN_ID,
  startDevNetwork,
  type DevNetwork,
} from "../devnet/network.ts";

const HELP = `Usage: npm start -- [options]

Starts the local Mosaic stack on this machine: an origin and an auxiliary chain (anvil, on
127.0.0.1), the Mosaic contracts deployed and wired on both, tokens for the development accounts,
and the deployment file that the rest of the system reads. Runs until Ctrl-C, then stops it all.

Options:
  --block-time <seconds>        seconds between blocks (default 1)
  --automine                    a block for each transaction instead of a block interval
  --origin-port <port>          origin chain's RPC port (default: a free port)
  --auxiliary-port <port>       auxiliary chain's RPC port (default: a free port)
  --origin-chain-id <id>        default ${DEFAULT_ORIGIN_CHAIN_ID}
  --auxiliary-chain-id <id>     default ${DEFAULT_AUXILIARY_CHAIN_ID}
  --deployment-file <path>      where to write the deployment file (default .devnet/deployment.json)
  -h, --help                    show this help

Environment:
  ANVIL_BINARY                  an anvil executable to use instead of the one from npm
`;

class UsageError extends Error {}

function wholeNumber(name: string, value: string | undefined, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (!Number.isInteger(number) || number < min || number > max) {
    throw new UsageError(`--${name} must be a whole number from ${min} to ${max}, got "${value}"`);
  }
  return number;
}

function readOptions(argv: string[]) {
  const { values } = parseArgs({
    args: argv,
    options: {
      "block-time": { type: "string" },
      automine: { type: "boolean" },
      "origin-port": { type: "string" },
      "auxiliary-port": { type: "string" },
      "origin-chain-id": { type: "string" },
      "auxiliary-chain-id": { type: "string" },
      "deployment-file": { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.automine && values["block-time"] !== undefined) {
    throw new UsageError("--automine and --block-time exclude each other: choose one");
  }
  return {
    help: values.help ?? false,
    blockTime: values.automine ? undefined : (wholeNumber("block-time", values["block-time"], 1, 3600) ?? 1),
    originPort: wholeNumber("origin-port", values["origin-port"], 1, 65535),
    auxiliaryPort: wholeNumber("auxiliary-port", values["auxiliary-port"], 1, 65535),
    originChainId: wholeNumber("origin-chain-id", values["origin-chain-id"], 1, 2 ** 32),
    auxiliaryChainId: wholeNumber("auxiliary-chain-id", values["auxiliary-chain-id"], 1, 2 ** 32),
    deploymentFile: path.resolve(values["deployment-file"] ?? ".devnet/deployment.json"),
  };
}

function summary(net: DevNetwork, deploymentFile: string, blockTime: number | undefined): string {
  const { origin, auxiliary } = net.deployment;
  const rows = (contracts: object) =>
    Object.entries(contracts)
      .map(([name, address]) => `    ${name.padEnd(14)} ${address as string}`)
      .join("\n");
  return [
    "",
    "Mosaic development network is running.",
    `  origin     chain ${origin.chainId}  ${origin.rpcUrl}  (contracts from block ${origin.deploymentBlock})`,
    rows(origin.contracts),
    `  auxiliary  chain ${auxiliary.chainId}  ${auxiliary.rpcUrl}  (contracts from block ${auxiliary.deploymentBlock})`,
    rows(auxiliary.contracts),
    `  blocks     ${blockTime === undefined ? "one per transaction (automine)" : `every ${blockTime} s`}`,
    `  accounts   anvil's test mnemonic: owner ${devWallet(ROLE_INDEX.owner).address} (#${ROLE_INDEX.owner}),` +
      ` facilitator ${devWallet(ROLE_INDEX.facilitator).address} (#${ROLE_INDEX.facilitator}),` +
      ` users #${FIRST_USER_INDEX}-#${net.accounts - 1}`,
    `  deployment file  ${deploymentFile}`,
    "",
    "Press Ctrl-C to stop.",
  ].join("\n");
}

async function main(): Promise<number> {
  let options: ReturnType<typeof readOptions>;
  try {
    options = readOptions(process.argv.slice(2));
  } catch (error) {
    console.error(`${(error as Error).message}\n\n${HELP}`);
    return 2;
  }
  if (options.help) {
    console.log(HELP);
    return 0;
  }
  console.log("Starting the Mosaic development network…");
  const net = await startDevNetwork({ ...options, progress: (message) => console.log(`  ${message}`) });
  console.log(summary(net, options.deploymentFile, options.blockTime));
  await new Promise<void>((resolve) => {
    // Signal handlers do not keep a program alive, and the chains' handles are unref'd by design.
    const keepAlive = setInterval(() => undefined, 60_000);
    const stop = (signal: NodeJS.Signals) => {
      clearInterval(keepAlive);
      console.log(`\n${signal}: stopping the chains…`);
      resolve();
    };
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
  });
  await net.stop();
  console.log("Stopped.");
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: Error) => {
    console.error(`npm start failed: ${error.message}`);
    process.exit(1);
  },
);
