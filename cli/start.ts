// npm start: the whole facilitator on this machine (stack/local-stack.ts), with a live view of the
// requests and, on demand, demo traffic; it runs until Ctrl-C, then stops everything.
import path from "node:path";
import { parseArgs } from "node:util";
import { DEFAULT_AUXILIARY_CHAIN_ID, DEFAULT_ORIGIN_CHAIN_ID } from "../devnet/network.ts";
import { startDemo, type DemoRequest } from "../stack/demo.ts";
import type { FacilitationSnapshot } from "../stack/facilitations.ts";
import { startLiveView } from "../stack/live-view.ts";
import { startLocalStack, type LocalStack } from "../stack/local-stack.ts";
import { runCommand, UsageError, stopRequested, wholeNumber } from "./command.ts";
import { deploymentLines } from "./deployment-summary.ts";
import { shownUrl } from "../chain/url-secrets.ts";

/** Each pair is a few more contracts and data sources; a handful shows the point. */
const MAX_GATEWAY_PAIRS = 5;

const HELP = `Usage: npm start -- [options]

Starts the whole Mosaic facilitator on this machine: an origin and an auxiliary chain (anvil, on
127.0.0.1) with the Mosaic contracts deployed and tokens for the development accounts; both
subgraphs in the embedded indexer host, with their GraphQL endpoints; an anchorer that keeps state
roots flowing both ways; and the executor, which accepts, proves, confirms and progresses every
stake and redeem request. A live view shows each request's step on each chain. Runs until Ctrl-C
(or SIGTERM, also one sent to npm alone), then stops it all. Every start is a new network: the
data folder's index and books are replaced.

Options:
  --demo <N>                    also send N stake requests and, once minted, N redeem requests, from
                                fresh accounts (default 0)
  --block-time <seconds>        seconds between blocks (default 1)
  --automine                    a block for each transaction instead of a block interval
  --gateways <N>                deploy N gateway pairs (1 to ${MAX_GATEWAY_PAIRS}, default 1): each its own gateway,
                                cogateway, value and utility token; the executor serves them all
                                and the demo spreads its round trips over them
  --indexer-port <port>         the GraphQL endpoints' port (default 8000; 0 for a free one)
  --origin-port <port>          origin chain's RPC port (default: a free port)
  --auxiliary-port <port>       auxiliary chain's RPC port (default: a free port)
  --origin-chain-id <id>        default ${DEFAULT_ORIGIN_CHAIN_ID}
  --auxiliary-chain-id <id>     default ${DEFAULT_AUXILIARY_CHAIN_ID}
  --data-dir <dir>              where the deployment file, the index, the executor's configuration,
                                books and log go (default .devnet)
  -h, --help                    show this help

Environment:
  ANVIL_BINARY                  an anvil executable to use instead of the one from npm
`;

function readOptions(argv: string[]) {
  const { values } = parseArgs({
    args: argv,
    options: {
      demo: { type: "string" },
      "block-time": { type: "string" },
      automine: { type: "boolean" },
      gateways: { type: "string" },
      "indexer-port": { type: "string" },
      "origin-port": { type: "string" },
      "auxiliary-port": { type: "string" },
      "origin-chain-id": { type: "string" },
      "auxiliary-chain-id": { type: "string" },
      "data-dir": { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.automine && values["block-time"] !== undefined) {
    throw new UsageError("--automine and --block-time exclude each other: choose one");
  }
  return {
    help: values.help ?? false,
    demo: wholeNumber("demo", values.demo, 0, 200) ?? 0,
    indexerPort: wholeNumber("indexer-port", values["indexer-port"], 0, 65535) ?? 8000,
    dataDir: path.resolve(values["data-dir"] ?? ".devnet"),
    network: {
      blockTime: values.automine
        ? undefined
        : (wholeNumber("block-time", values["block-time"], 1, 3600) ?? 1),
      originPort: wholeNumber("origin-port", values["origin-port"], 1, 65535),
      auxiliaryPort: wholeNumber("auxiliary-port", values["auxiliary-port"], 1, 65535),
      originChainId: wholeNumber("origin-chain-id", values["origin-chain-id"], 1, 2 ** 32),
      auxiliaryChainId: wholeNumber("auxiliary-chain-id", values["auxiliary-chain-id"], 1, 2 ** 32),
      gatewayPairs: wholeNumber("gateways", values.gateways, 1, MAX_GATEWAY_PAIRS) ?? 1,
    },
  };
}

function summary(stack: LocalStack, blockTime: number | undefined): string[] {
  const { net, urls, files } = stack;
  return [
    "Mosaic facilitator: the local stack is running.",
    ...deploymentLines(net.deployment, net.accounts),
    `  blocks     ${blockTime === undefined ? "one per transaction (automine)" : `every ${blockTime} s`}`,
    `  GraphQL    origin     ${urls.origin.httpUrl}  (subscriptions: ${urls.origin.wsUrl})`,
    `             auxiliary  ${urls.auxiliary.httpUrl}  (subscriptions: ${urls.auxiliary.wsUrl})`,
    `  executor   config ${files.config}, log ${files.log}`,
    `  status     ${stack.statusUrl}  (requests, messages and balances in a browser)`,
    `  deployment file  ${files.deployment}`,
    "",
    "Press Ctrl-C to stop.",
  ];
}

/** The few lines above the live table on a terminal; the full summary is printed before it. */
function screenHeader(stack: LocalStack): string[] {
  const { net, urls, files } = stack;
  return [
    "Mosaic facilitator: the local stack (Ctrl-C stops it)",
    `  origin     chain ${net.origin.chainId}  ${shownUrl(net.origin.rpcUrl)}  GraphQL ${urls.origin.httpUrl}`,
    `  auxiliary  chain ${net.auxiliary.chainId}  ${shownUrl(net.auxiliary.rpcUrl)}  GraphQL ${urls.auxiliary.httpUrl}`,
    `  executor   log ${files.log}, config ${files.config}`,
    `  status     ${stack.statusUrl}`,
  ];
}

/** The demo's line under the table: its requests, how many completed, and how long that took. */
function demoProgress(count: number) {
  const requests = new Set<string>();
  let started = 0;
  let finishedIn: number | undefined;
  return {
    started() {
      started = performance.now();
    },
    add(request: DemoRequest) {
      requests.add(request.requestHash);
    },
    line(snapshot: FacilitationSnapshot): string {
      const complete = snapshot.facilitations.filter(
        (item) => requests.has(item.requestHash) && item.step === "complete",
      ).length;
      if (complete === 2 * count) finishedIn ??= (performance.now() - started) / 1000;
      return finishedIn === undefined
        ? `demo: ${complete} of ${2 * count} flows complete, ${requests.size} requested`
        : `demo: all ${2 * count} flows complete in ${finishedIn.toFixed(1)} s`;
    },
  };
}

async function run(options: ReturnType<typeof readOptions>): Promise<number> {
  console.log("Starting the Mosaic facilitator's local stack…");
  const signal = stopRequested();
  const stack = await startLocalStack({
    network: options.network,
    dataDir: options.dataDir,
    indexerPort: options.indexerPort,
    progress: (message) => console.log(`  ${message}`),
  });
  const header = summary(stack, options.network.blockTime);
  console.log(`\n${header.join("\n")}\n`);

  let stopping = false;
  const demo = options.demo > 0 ? demoProgress(options.demo) : undefined;
  const tty = process.stdout.isTTY === true;
  const view = startLiveView({
    urls: { origin: stack.urls.origin.httpUrl, auxiliary: stack.urls.auxiliary.httpUrl },
    header: tty ? screenHeader(stack) : header,
    footer: demo && ((snapshot) => demo.line(snapshot)),
    tty,
    rows: () => process.stdout.rows,
    write: (text) => process.stdout.write(text),
  });
  const sender = demo && startDemo(stack.net, options.demo, (request) => demo.add(request));
  demo?.started();
  sender?.sent.catch((error: Error) => {
    if (!stopping) console.error(`demo: sending the requests failed: ${error.message}`);
  });

  const received = await signal;
  stopping = true;
  sender?.stop();
  await view.stop();
  console.log(`\n${received}: stopping the executor, the indexer, the anchorer and the chains…`);
  await stack.stop();
  console.log("Stopped.");
  return 0;
}

runCommand({ name: "npm start", help: HELP, parse: readOptions, run });
