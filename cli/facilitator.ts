// npm run facilitator -- <command>: set up, run and inspect the executor. Secrets (the key, the
// keystore password, the secrets passphrase) come from the environment or a no-echo prompt and are
// never printed; the configuration file holds none.
import { chmodSync, existsSync, mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { parseArgs, type ParseArgsConfig } from "node:util";
import { Wallet } from "ethers";
import { readDeploymentFile } from "../chain/deployment-file.ts";
import {
  IntentStatusConflictError,
  openBooks,
  type Books,
  type IntentRecord,
} from "../executor/bookkeeping/index.ts";
import { ConfigError, parseConfig, readConfig, type ExecutorConfig } from "../executor/config.ts";
import { subgraphReaders } from "../executor/feed/indexed-state.ts";
import { startObservabilityServer } from "../executor/observability/http.ts";
import {
  createLogger,
  defaultLogFormat,
  LOG_FORMATS,
  LOG_LEVELS,
  type LogFormat,
  type LogLevel,
} from "../executor/observability/logger.ts";
import { createMetrics } from "../executor/observability/metrics.ts";
import { scrubText } from "../executor/observability/redact.ts";
import type { ExecutorHealth, RunningExecutor, StartExecutor } from "../executor/service-api.ts";
import { quotedUrlValue } from "../chain/url-secrets.ts";
import {
  formatList,
  formatStatus,
  listFacilitations,
  statusOf,
  StatusError,
  type BooksView,
  type Readers,
} from "../executor/status.ts";
import { keystoreAddress, stopWriter } from "../executor/stop-writer.ts";
import { stopRequested, UsageError } from "./command.ts";

const PASSWORD_VARIABLE = "FACILITATOR_KEYSTORE_PASSWORD";
const PASSPHRASE_VARIABLE = "FACILITATOR_SECRETS_PASSPHRASE";
const EMBEDDED_HOST = "127.0.0.1:8000";
const SUBGRAPH_NAMES = { origin: "mosaic-origin", auxiliary: "mosaic-auxiliary" };

const HELP = `Usage: npm run facilitator -- <command> [options]

The Mosaic facilitator's executor: it accepts stake and redeem requests, proves, confirms and
progresses their messages on the origin and auxiliary chains.

Commands:
  init          write a configuration file and an encrypted keystore for a deployment
  start         run the executor, with a status page, /health and /metrics on loopback
  status <hash> where a request or message stands, on both chains and in the executor's books
  list          the executor's intents in flight, planned and recently finished
  retry <subject-or-hash>
                try failed or abandoned intents again at once (also while the executor runs)
  abandon <subject-or-hash>
                give failed intents up: the executor no longer plans them
  stop          stop the executor that holds the books' writer lease (its pid and host are there)

Run \`npm run facilitator -- <command> --help\` for a command's options. See docs/executor.md.

Environment:
  ${PASSWORD_VARIABLE}   decrypts (init: encrypts) the keystore; prompted for when unset
  ${PASSPHRASE_VARIABLE}  encrypts the unlock secrets in the books (default: the keystore password)
`;

const INIT_HELP = `Usage: npm run facilitator -- init [options]

Writes a configuration file for a deployment file and an encrypted JSON keystore (a new random key,
or the key held in an environment variable), then prints the facilitator's address. Other settings
get their defaults written out (docs/executor.md). Existing files are not overwritten without --force.

Options:
  --config <file>              the configuration file to write (default facilitator.json)
  --deployment <file>          the deployment file (default .devnet/deployment.json)
  --keystore <file>            the keystore to write (default facilitator.keystore.json beside the config)
  --database <url>             the books: file:<path> or postgresql://… (default file:facilitator.sqlite)
  --origin-subgraph <url>      default http://${EMBEDDED_HOST}/subgraphs/name/${SUBGRAPH_NAMES.origin}
  --auxiliary-subgraph <url>   default http://${EMBEDDED_HOST}/subgraphs/name/${SUBGRAPH_NAMES.auxiliary}
  --origin-subgraph-ws <url>   default ws://${EMBEDDED_HOST}/subgraphs/name/${SUBGRAPH_NAMES.origin}
  --auxiliary-subgraph-ws <url>
                               default ws://${EMBEDDED_HOST}/subgraphs/name/${SUBGRAPH_NAMES.auxiliary}
  --private-key-env <VAR>      encrypt the key in environment variable VAR instead of a new one
  --force                      overwrite the configuration file and the keystore
  -h, --help                   show this help

Environment:
  ${PASSWORD_VARIABLE}   the keystore password; without it, asked twice on the terminal
`;

const START_HELP = `Usage: npm run facilitator -- start [options]

Runs the executor for a configuration file until SIGINT or SIGTERM, then stops taking actions, lets
in-flight sends finish recording and exits 0. Logs go to stdout: JSON lines, or text on a terminal.
GET /health and GET /metrics, and a status page for people at /, are served on the configuration's
http.host and http.port (loopback only).
One process per key writes the books and sends: with PostgreSQL books a second start stands by
(/health says standby) and takes over when the first stops or dies; with SQLite it is refused.

Options:
  --config <file>              default facilitator.json
  --log-level <level>          debug, info, warn or error (default info)
  --log-format <format>        json or pretty (default pretty on a terminal, json otherwise)
  -h, --help                   show this help

Environment:
  ${PASSWORD_VARIABLE}   decrypts the keystore; prompted for when unset
  ${PASSPHRASE_VARIABLE}  encrypts the unlock secrets in the books (default: the keystore password)
`;

const STATUS_HELP = `Usage: npm run facilitator -- status <hash> [options]

Where a stake or redeem stands, by its request hash or its message hash: the request, the message
on both chains, the step it is at, what it waits for, and the executor's intents (a failed one
with its reason, failure count and next try), attempts and skips for it. Reads the subgraphs and the books of the configuration; needs no password.

Options:
  --config <file>              default facilitator.json
  --json                       machine-readable output
  -h, --help                   show this help
`;

const LIST_HELP = `Usage: npm run facilitator -- list [options]

The executor's intents in flight (sending, sent, mined and not confirmed), planned, and recently
finished (confirmed, failed with its reason and next try, abandoned), the latest skips, and how far
each subgraph has indexed.
Exits 1 when a subgraph does not answer (after printing what the books say).

Options:
  --config <file>              default facilitator.json
  --limit <n>                  recent intents and skips to show, 1 to 1000 (default 20)
  --json                       machine-readable output
  -h, --help                   show this help
`;

const STOP_HELP = `Usage: npm run facilitator -- stop [options]

Sends SIGTERM to the executor that holds the writer lease of the configuration's key in its books
(the lease names its pid and host) and waits until it has stopped; a standby then takes over. On
another host it says which host and pid to stop. Exits 1 when nothing was stopped.

Options:
  --config <file>              default facilitator.json
  -h, --help                   show this help
`;

const INTENT_SELECTION = `The subject is a request hash, a message hash or a height such as origin@120 (as \`status\` and
\`list\` show it); a transaction hash stands for the intent that sent it. Every intent of the subject
is concerned, or the one of --step. The books are shared with a running executor: it sees the change
at its next decision, within seconds.`;

const RETRY_HELP = `Usage: npm run facilitator -- retry <subject-or-hash> [options]

Tries failed and abandoned intents again at once: their backoff is cleared and their failure count
reset, so the executor plans them at its next decision, while the indexed state still needs them.
Intents in any other status are left alone and said so. Exits 1 when no intent was retried.
${INTENT_SELECTION}

Options:
  --config <file>              default facilitator.json
  --step <step>                only the intent of this step, e.g. acceptStake or progressMint
  -h, --help                   show this help
`;

const ABANDON_HELP = `Usage: npm run facilitator -- abandon <subject-or-hash> [options]

Gives failed intents up: the executor no longer plans them (\`status\` shows them abandoned, with
the reason; \`retry\` brings them back). An intent being sent or waiting for its receipt is refused:
its transaction may still land. Exits 1 when no intent was abandoned.
${INTENT_SELECTION}

Options:
  --config <file>              default facilitator.json
  --step <step>                only the intent of this step, e.g. acceptStake or progressMint
  --reason <text>              recorded with it (default "abandoned by the operator")
  -h, --help                   show this help
`;

/** Bad input: exit 2 with the message, which names the option. */
type Options = NonNullable<ParseArgsConfig["options"]>;
const COMMON: Options = { config: { type: "string" }, help: { type: "boolean", short: "h" } };

function parse(args: string[], options: Options, positionals = 0) {
  const parsed = parseArgs({ args, options: { ...COMMON, ...options }, allowPositionals: positionals > 0 });
  if (parsed.positionals.length > positionals) {
    throw new UsageError(`unexpected argument "${parsed.positionals[positionals]}"`);
  }
  return parsed;
}

const configPath = (value: unknown) => path.resolve((value as string | undefined) ?? "facilitator.json");

function urlOption(name: string, value: string, schemes: string[]): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UsageError(`--${name} must be a URL (${schemes.join(" or ")}), got ${quotedUrlValue(value)}`);
  }
  if (!schemes.includes(url.protocol.slice(0, -1))) {
    throw new UsageError(`--${name} must be a ${schemes.join(" or ")} URL, got ${quotedUrlValue(value)}`);
  }
  return value;
}

/** Reads a line from the terminal without echoing it. */
function promptHidden(question: string): Promise<string> {
  const input = process.stdin;
  process.stderr.write(question);
  input.setRawMode(true);
  input.setEncoding("utf8");
  input.resume();
  return new Promise((resolve, reject) => {
    let value = "";
    const finish = (result: () => void) => {
      input.off("data", onData);
      input.setRawMode(false);
      input.pause();
      process.stderr.write("\n");
      result();
    };
    const onData = (chunk: string) => {
      for (const char of chunk) {
        if (char === "\r" || char === "\n") return finish(() => resolve(value));
        if (char === "\u0003" || char === "\u0004") return finish(() => reject(new UsageError("cancelled")));
        if (char === "\u007f" || char === "\b") value = value.slice(0, -1);
        else if (char >= " ") value += char;
      }
    };
    input.on("data", onData);
  });
}

/** The keystore password: the environment variable, else a prompt (twice when `confirm`). */
async function keystorePassword({ confirm }: { confirm: boolean }): Promise<string> {
  const fromEnvironment = process.env[PASSWORD_VARIABLE];
  if (fromEnvironment) return fromEnvironment;
  if (!process.stdin.isTTY) {
    throw new UsageError(
      `no keystore password: set ${PASSWORD_VARIABLE} (there is no terminal to ask for it on)`,
    );
  }
  const password = await promptHidden("Keystore password: ");
  if (password === "") throw new UsageError("the keystore password must not be empty");
  if (confirm && (await promptHidden("Repeat it: ")) !== password) {
    throw new UsageError("the two passwords differ");
  }
  return password;
}

function keyFromEnvironment(variable: string): Wallet {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(variable)) {
    throw new UsageError(`--private-key-env must name an environment variable, got "${variable}"`);
  }
  const key = process.env[variable];
  if (!key) throw new UsageError(`--private-key-env: the environment variable ${variable} is not set`);
  try {
    return new Wallet(key.startsWith("0x") ? key : `0x${key}`);
  } catch {
    // Never echo the value: it is (nearly) a private key.
    throw new UsageError(`--private-key-env: ${variable} does not hold a private key (32 bytes as hex)`);
  }
}

function writeNew(file: string, text: string, force: boolean, mode?: number): void {
  // The configuration's (or keystore's) folder is made when missing, as an operator expects.
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, text, { flag: force ? "w" : "wx", mode });
  if (mode !== undefined) chmodSync(file, mode);
}

async function init(args: string[]): Promise<number> {
  const { values } = parse(args, {
    deployment: { type: "string" },
    keystore: { type: "string" },
    database: { type: "string" },
    "origin-subgraph": { type: "string" },
    "auxiliary-subgraph": { type: "string" },
    "origin-subgraph-ws": { type: "string" },
    "auxiliary-subgraph-ws": { type: "string" },
    "private-key-env": { type: "string" },
    force: { type: "boolean" },
  });
  if (values.help) return help(INIT_HELP);
  const configFile = configPath(values.config);
  const dir = path.dirname(configFile);
  const keystoreFile = path.resolve(
    (values.keystore as string | undefined) ?? path.join(dir, "facilitator.keystore.json"),
  );
  const deploymentFile = path.resolve((values.deployment as string | undefined) ?? ".devnet/deployment.json");
  if (keystoreFile === configFile) throw new UsageError("--keystore and --config name the same file");
  const force = values.force === true;
  for (const file of [configFile, keystoreFile]) {
    if (existsSync(file) && !force) {
      console.error(`${file} exists: not overwritten (pass --force to replace it)`);
      return 1;
    }
  }
  try {
    readDeploymentFile(deploymentFile);
  } catch (error) {
    throw new UsageError(`--deployment: ${(error as Error).message}`);
  }
  const subgraph = (chain: "origin" | "auxiliary") => ({
    httpUrl: urlOption(
      `${chain}-subgraph`,
      (values[`${chain}-subgraph`] as string | undefined) ??
        `http://${EMBEDDED_HOST}/subgraphs/name/${SUBGRAPH_NAMES[chain]}`,
      ["http", "https"],
    ),
    wsUrl: urlOption(
      `${chain}-subgraph-ws`,
      (values[`${chain}-subgraph-ws`] as string | undefined) ??
        `ws://${EMBEDDED_HOST}/subgraphs/name/${SUBGRAPH_NAMES[chain]}`,
      ["ws", "wss"],
    ),
  });
  // Every default written out, so the operator sees what can be set. The RPC URLs are left to the
  // deployment file (a development network's ports change on every `npm start`).
  const config = {
    deploymentFile: path.relative(dir, deploymentFile),
    keystore: path.relative(dir, keystoreFile),
    database: (values.database as string | undefined) ?? "file:facilitator.sqlite",
    chains: {
      origin: { confirmations: 0, subgraph: subgraph("origin") },
      auxiliary: { confirmations: 0, subgraph: subgraph("auxiliary") },
    },
    gas: {
      minRequestGasPrice: "0",
      minRequestGasLimit: "0",
      maxFeePerGas: "500 gwei",
      priorityFeePerGas: "1 gwei",
      bumpPercent: 15,
      resubmitAfterSeconds: 30,
    },
    feed: { mode: "auto", pollIntervalMs: 1000 },
    retry: { initialMs: 2000, maxMs: 300000, limit: 12 },
    anchoring: null,
    http: { host: "127.0.0.1", port: 9464 },
  };
  // What start would refuse is refused now (e.g. --database's scheme), naming the field.
  parseConfig(config, configFile);
  const privateKeyEnv = values["private-key-env"] as string | undefined;
  const wallet = privateKeyEnv === undefined ? Wallet.createRandom() : keyFromEnvironment(privateKeyEnv);
  const password = await keystorePassword({ confirm: true });
  console.log("Encrypting the keystore (scrypt takes a few seconds)…");
  const keystore = await wallet.encrypt(password);
  writeNew(keystoreFile, `${keystore}\n`, force, 0o600);
  writeNew(configFile, `${JSON.stringify(config, null, 2)}\n`, force);
  console.log(
    [
      `Wrote ${configFile}`,
      `  and ${keystoreFile} (encrypted with the keystore password; keep both the file and the password)`,
      `Facilitator address: ${wallet.address}`,
      "Before `start`: fund it with the base coin on both chains and the base token on origin, and make it",
      "a worker of both organizations.",
    ].join("\n"),
  );
  return 0;
}

/** /health before the executor is up: nothing read yet. */
function startingHealth(config: ExecutorConfig, status: ExecutorHealth["status"]): ExecutorHealth {
  const feed = (chain: "origin" | "auxiliary") => ({
    mode:
      config.feed.mode !== "polling" && config.chains[chain].subgraph.wsUrl
        ? ("subscriptions" as const)
        : ("polling" as const),
    lastBlock: null,
  });
  return {
    status,
    feeds: { origin: feed("origin"), auxiliary: feed("auxiliary") },
    lastDecisionAt: null,
    lastError: null,
  };
}

async function start(args: string[]): Promise<number> {
  const { values } = parse(args, { "log-level": { type: "string" }, "log-format": { type: "string" } });
  if (values.help) return help(START_HELP);
  const level = (values["log-level"] as string | undefined) ?? "info";
  if (!(LOG_LEVELS as readonly string[]).includes(level)) {
    throw new UsageError(`--log-level must be one of ${LOG_LEVELS.join(", ")}, got "${level}"`);
  }
  const format = (values["log-format"] as string | undefined) ?? defaultLogFormat(process.stdout);
  if (!(LOG_FORMATS as readonly string[]).includes(format)) {
    throw new UsageError(`--log-format must be ${LOG_FORMATS.join(" or ")}, got "${format}"`);
  }
  const config = readConfig(configPath(values.config));
  const keystore = await keystorePassword({ confirm: false });
  const secrets = {
    keystorePassword: keystore,
    secretsPassphrase: process.env[PASSPHRASE_VARIABLE] || keystore,
  };
  const logger = createLogger({ level: level as LogLevel, format: format as LogFormat });
  const metrics = createMetrics();
  const signal = stopRequested();
  // A signal also ends a standby's wait for the writer lease; a lost lease stops the service.
  const abort = new AbortController();
  void signal.then(() => abort.abort());
  let leaseLost: (error: Error) => void = () => undefined;
  const lost = new Promise<Error>((resolve) => (leaseLost = resolve));
  let running: RunningExecutor | undefined;
  let stopping = false;
  let standby = false;
  const waiting = () => (stopping ? "stopping" : standby ? "standby" : "starting");
  const health = () => (running && !stopping ? running.health() : startingHealth(config, waiting()));
  const statusPage = { executor: () => (running && !stopping ? running : null) };
  const server = await startObservabilityServer({ ...config.http, health, metrics, statusPage }).catch(
    (error: Error) => {
      throw new Error(
        `http: cannot serve /health and /metrics on ${config.http.host}:${config.http.port}: ${error.message}`,
      );
    },
  );
  logger.info("serving /health and /metrics", { url: server.url, statusPage: `${server.url}/` });
  try {
    // Loaded here so that init, status and list run without the service's dependencies.
    const startExecutor: StartExecutor = (await import("../executor/service.ts")).startExecutor;
    running = await startExecutor(config, secrets, {
      logger,
      metrics,
      signal: abort.signal,
      onStandby: () => (standby = true),
      onLeaseLost: leaseLost,
    });
  } catch (error) {
    await server.close();
    if (abort.signal.aborted) {
      logger.info("stopped while standing by");
      return 0;
    }
    logger.error("the executor did not start", { error });
    return 1;
  }
  logger.info("executor running", { facilitator: running.facilitator, config: config.file });
  const received = await Promise.race([signal, lost]);
  stopping = true;
  if (received instanceof Error) {
    logger.error("stopping: the writer lease was lost", { error: received.message });
  } else logger.info("stopping", { signal: received });
  await running.stop();
  await server.close();
  logger.info("stopped");
  return received instanceof Error ? 1 : 0;
}

/** Readers for the configured subgraphs, and the books without the secrets passphrase. */
async function openViews(
  config: ExecutorConfig,
): Promise<{ readers: Readers; books: BooksView; close(): Promise<void> }> {
  const readers = subgraphReaders(config.chains);
  // A read command does not create the books: before the executor's first start there are none.
  if (config.databaseUrl.startsWith("file:") && !existsSync(config.databaseUrl.slice("file:".length))) {
    const none = async () => [];
    return {
      readers,
      books: { intentsFor: none, inFlight: none, recent: none, skips: none },
      close: async () => undefined,
    };
  }
  const books = await openBooks({ url: config.databaseUrl });
  return { readers, books, close: () => books.close() };
}

const asJson = (value: unknown) =>
  JSON.stringify(value, (_key, item: unknown) => (typeof item === "bigint" ? item.toString() : item), 2);

async function status(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, { json: { type: "boolean" } }, 1);
  if (values.help) return help(STATUS_HELP);
  const hash = positionals[0];
  if (hash === undefined) throw new UsageError("status needs a request or message hash");
  if (!/^0x[0-9a-fA-F]{64}$/.test(hash)) {
    throw new UsageError(`status: expected a request or message hash (0x and 64 hex digits), got "${hash}"`);
  }
  const views = await openViews(readConfig(configPath(values.config)));
  try {
    const report = await statusOf(hash, views);
    console.log(values.json ? asJson(report) : formatStatus(report));
    return 0;
  } finally {
    await views.close();
  }
}

async function list(args: string[]): Promise<number> {
  const { values } = parse(args, { json: { type: "boolean" }, limit: { type: "string" } });
  if (values.help) return help(LIST_HELP);
  const limit = Number((values.limit as string | undefined) ?? 20);
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) {
    throw new UsageError(`--limit must be a whole number from 1 to 1000, got "${values.limit}"`);
  }
  const views = await openViews(readConfig(configPath(values.config)));
  try {
    const facilitations = await listFacilitations(views.books, { limit });
    const subgraphs = Object.fromEntries(
      await Promise.all(
        (["origin", "auxiliary"] as const).map(async (chain) => {
          const reader = views.readers[chain];
          try {
            return [chain, { url: reader.shown, block: (await reader.head())?.number ?? null, error: null }];
          } catch (error) {
            return [
              chain,
              {
                url: reader.shown,
                block: null,
                error: scrubText(String((error as Error).message).split("\n")[0] ?? ""),
              },
            ];
          }
        }),
      ),
    ) as Record<"origin" | "auxiliary", { url: string; block: number | null; error: string | null }>;
    if (values.json) console.log(asJson({ ...facilitations, subgraphs }));
    else {
      console.log(formatList(facilitations));
      console.log("Subgraphs:");
      for (const [chain, state] of Object.entries(subgraphs)) {
        const where = state.error
          ? "did not answer"
          : state.block === null
            ? "has not indexed its first block"
            : `indexed to block ${state.block}`;
        console.log(`  ${chain.padEnd(10)}${state.url} ${where}`);
      }
    }
    const down = Object.entries(subgraphs).filter(([, state]) => state.error !== null);
    for (const [chain, state] of down)
      console.error(`the ${chain} subgraph at ${state.url} did not answer: ${state.error}`);
    return down.length > 0 ? 1 : 0;
  } finally {
    await views.close();
  }
}

/**
 * Retry or abandon: the intents the subject or hash names, each changed or left alone with the
 * reason. The books are opened without the secrets passphrase (nothing secret is read).
 */
async function changeIntents(
  args: string[],
  command: "retry" | "abandon",
  change: (books: Books, key: { subject: string; step: string }, reason: string) => Promise<IntentRecord>,
): Promise<number> {
  const options: Options = { step: { type: "string" } };
  if (command === "abandon") options.reason = { type: "string" };
  const { values, positionals } = parse(args, options, 1);
  if (values.help) return help(command === "retry" ? RETRY_HELP : ABANDON_HELP);
  const subjectOrHash = positionals[0];
  if (subjectOrHash === undefined) throw new UsageError(`${command} needs a subject or transaction hash`);
  const config = readConfig(configPath(values.config));
  if (config.databaseUrl.startsWith("file:") && !existsSync(config.databaseUrl.slice("file:".length))) {
    console.error(
      `there are no books at ${config.databaseUrl} yet: the executor has not run with ${config.file}`,
    );
    return 1;
  }
  const step = values.step as string | undefined;
  const reason = (values.reason as string | undefined) ?? "abandoned by the operator";
  const books = await openBooks({ url: config.databaseUrl });
  try {
    const intents = await books.selectIntents({ subjectOrHash, step });
    if (intents.length === 0) {
      console.error(`no intent of ${subjectOrHash}${step ? ` with step ${step}` : ""} is in the books`);
      return 1;
    }
    let changed = 0;
    for (const intent of intents) {
      const name = `${intent.step} of ${intent.subject}`;
      try {
        const updated = await change(books, intent, reason);
        changed++;
        console.log(
          command === "retry"
            ? `${name}: was ${intent.status} (failures: ${intent.failures}); due now`
            : `${name}: abandoned (${updated.errorMessage})`,
        );
      } catch (error) {
        // The status that refused the change: the executor may have changed it since it was read.
        if (!(error instanceof IntentStatusConflictError)) throw error;
        console.log(`${name}: left alone, it is ${error.status}`);
      }
    }
    return changed > 0 ? 0 : 1;
  } finally {
    await books.close();
  }
}

async function stop(args: string[]): Promise<number> {
  const { values } = parse(args, {});
  if (values.help) return help(STOP_HELP);
  const config = readConfig(configPath(values.config));
  if (config.databaseUrl.startsWith("file:") && !existsSync(config.databaseUrl.slice("file:".length))) {
    console.error(`there are no books at ${config.databaseUrl}: no executor runs with ${config.file}`);
    return 1;
  }
  const books = await openBooks({ url: config.databaseUrl });
  try {
    const outcome = await stopWriter(books, keystoreAddress(config.keystoreFile));
    (outcome.code === 0 ? console.log : console.error)(outcome.message);
    return outcome.code;
  } finally {
    await books.close();
  }
}

function help(text: string): number {
  console.log(text);
  return 0;
}

const COMMANDS: Record<string, { run: (args: string[]) => Promise<number>; help: string }> = {
  init: { run: init, help: INIT_HELP },
  start: { run: start, help: START_HELP },
  status: { run: status, help: STATUS_HELP },
  list: { run: list, help: LIST_HELP },
  retry: {
    run: (args) => changeIntents(args, "retry", (books, key) => books.retryIntent(key)),
    help: RETRY_HELP,
  },
  abandon: {
    run: (args) => changeIntents(args, "abandon", (books, key, reason) => books.abandonIntent(key, reason)),
    help: ABANDON_HELP,
  },
  stop: { run: stop, help: STOP_HELP },
};

async function main(argv: string[]): Promise<number> {
  const [name, ...args] = argv;
  if (name === "-h" || name === "--help") return help(HELP);
  if (name === "help") return help(COMMANDS[args[0] ?? ""]?.help ?? HELP);
  if (name === undefined) {
    console.error(`a command is needed\n\n${HELP}`);
    return 2;
  }
  const command = COMMANDS[name];
  if (command === undefined) {
    console.error(
      `unknown command "${name}": expected one of ${Object.keys(COMMANDS).join(", ")}\n\n${HELP}`,
    );
    return 2;
  }
  try {
    return await command.run(args);
  } catch (error) {
    if (error instanceof UsageError || (error as { code?: string }).code?.startsWith("ERR_PARSE_ARGS")) {
      console.error(`${(error as Error).message}\n\nSee: npm run facilitator -- ${name} --help`);
      return 2;
    }
    if (error instanceof ConfigError) {
      console.error(error.message);
      return 2;
    }
    if (error instanceof StatusError) {
      // It may quote what a subgraph answered.
      console.error(scrubText(error.message));
      return 1;
    }
    console.error(`facilitator ${name} failed: ${scrubText(String((error as Error).message))}`);
    return 1;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: Error) => {
    console.error(`facilitator failed: ${scrubText(error.message)}`);
    process.exit(1);
  },
);
