// The executor's configuration file, validated when read: every error names the field and says
// what to write there. Secrets are not in it: the keystore password and the secrets passphrase
// come from the environment (or a prompt), never from the file.
import { readFileSync } from "node:fs";
import path from "node:path";
import { parseUnits } from "ethers";
import { readDeploymentFile, type Deployment } from "../chain/deployment-file.ts";
import { DEFAULT_RPC_TIMEOUT_MS } from "../chain/provider.ts";
import { readAnchorers } from "./anchorers-config.ts";
import { DEFAULT_RETRY, type RetryPolicy } from "./bookkeeping/backoff.ts";
import { DEFAULT_SUBGRAPH_TIMEOUT_MS } from "./feed/bounded-fetch.ts";
import type { FeedMode } from "./feed/change-feed.ts";
import { DEFAULT_MAX_LAG_BLOCKS } from "./feed/subgraph-lag.ts";
import { quotedUrlValue, shownUrl } from "../chain/url-secrets.ts";
import { readSupportedGateways, type ServedPair } from "./supported-gateways.ts";

export type ChainName = "origin" | "auxiliary";

export interface ChainConfig {
  /** The first of rpcUrls. */
  rpcUrl: string;
  /** JSON-RPC endpoints of the chain, used in order: the next one when a request to one fails. */
  rpcUrls: string[];
  /** A JSON-RPC request without an answer after this long counts as failed (ms). */
  rpcTimeoutMs: number;
  /** Blocks a receipt must be under before its intent counts as confirmed. */
  confirmations: number;
  /** maxLagBlocks: a subgraph further behind its chain degrades the health (subgraph-lag.ts). */
  subgraph: { httpUrl: string; wsUrl?: string; timeoutMs: number; maxLagBlocks: number };
}

export interface GasPolicy {
  /** A request offering less (reward per gas, in value-token units) is left alone. */
  minRequestGasPrice: bigint;
  minRequestGasLimit: bigint;
  /** Never pay more than this per gas (wei). */
  maxFeePerGas: bigint;
  /** The tip offered first (wei). */
  priorityFeePerGas: bigint;
  /** A fee bump raises both fees by at least this many percent. */
  bumpPercent: number;
  /** An attempt not mined after this long is replaced with bumped fees. */
  resubmitAfterMs: number;
}

export interface ExecutorConfig {
  file: string;
  deployment: Deployment;
  chains: Record<ChainName, ChainConfig>;
  /** The facilitator's encrypted JSON keystore. */
  keystoreFile: string;
  /** `file:<path>` (SQLite) or `postgresql://…`. */
  databaseUrl: string;
  gas: GasPolicy;
  feed: { mode: FeedMode; pollIntervalMs: number };
  /** A failed intent waits from initialMs, doubling up to maxMs, and is abandoned at its limit-th failure. */
  retry: RetryPolicy;
  /** The optional anchoring role (the facilitator must own or administer the Anchors' organization). */
  anchoring: { confirmations: number; minInterval: number; anchorers: string[] } | null;
  /** Blocks of a request's chain between one worker's turn to accept it and the next's (leader.ts). */
  takeoverBlocks: number;
  /** Complete the revert flows of the served pairs (they earn nothing, they cost gas). Default true. */
  completeReverts: boolean;
  http: { host: string; port: number };
  /** The gateway pairs served; requests to any other are left alone. Default: every pair of the deployment. */
  supported: ServedPair[];
}

/** Blocks each worker of a request's turn order waits after the one before it (several facilitators). */
export const DEFAULT_TAKEOVER_BLOCKS = 10;

export class ConfigError extends Error {
  override name = "ConfigError";
}

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json =>
  typeof value === "object" && value !== null && !Array.isArray(value);

class Fields {
  constructor(
    private readonly file: string,
    private readonly root: Json,
  ) {}

  fail(field: string, message: string): never {
    throw new ConfigError(`${this.file}: ${field}: ${message}`);
  }

  get(field: string): unknown {
    let value: unknown = this.root;
    for (const part of field.split(".")) value = isObject(value) ? value[part] : undefined;
    return value;
  }

  string(field: string, fallback?: string): string {
    const value = this.get(field) ?? fallback;
    if (typeof value !== "string" || value === "")
      this.fail(field, `expected text, got ${JSON.stringify(value)}`);
    return value;
  }

  url(field: string, schemes: string[], fallback?: string): string {
    return this.urlValue(field, this.string(field, fallback), schemes);
  }

  /** A non-empty list of URLs; each error names the entry, e.g. `chains.origin.rpcUrls[1]`. */
  urls(field: string, schemes: string[]): string[] {
    const value = this.get(field);
    if (!Array.isArray(value) || value.length === 0) {
      this.fail(
        field,
        `expected a list of one or more URLs (${schemes.join(" or ")}), got ${JSON.stringify(value)}`,
      );
    }
    return value.map((item: unknown, index) => {
      const entry = `${field}[${index}]`;
      if (typeof item !== "string" || item === "")
        this.fail(entry, `expected text, got ${JSON.stringify(item)}`);
      return this.urlValue(entry, item, schemes);
    });
  }

  private urlValue(field: string, value: string, schemes: string[]): string {
    let parsed: URL;
    try {
      parsed = new URL(value);
    } catch {
      this.fail(field, `expected a URL (${schemes.join(" or ")}), got ${quotedUrlValue(value)}`);
    }
    if (!schemes.includes(parsed.protocol.replace(":", ""))) {
      this.fail(
        field,
        `expected ${schemes[0]!.startsWith("h") ? "an" : "a"} ${schemes.join(" or ")} URL, got ${quotedUrlValue(value)}`,
      );
    }
    return value;
  }

  whole(field: string, fallback: number, min = 0, max = Number.MAX_SAFE_INTEGER): number {
    const value = this.get(field) ?? fallback;
    if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
      this.fail(field, `expected a whole number from ${min} to ${max}, got ${JSON.stringify(value)}`);
    }
    return value;
  }

  /** An amount: a whole number of the unit, or text with a unit ("30 gwei", "0.1 ether"). */
  amount(field: string, fallback: string): bigint {
    const value = this.get(field) ?? fallback;
    const text = typeof value === "number" ? String(value) : value;
    const match = typeof text === "string" ? /^\s*(\d+(?:\.\d+)?)\s*(wei|gwei|ether)?\s*$/.exec(text) : null;
    if (!match?.[1]) {
      this.fail(
        field,
        `expected an amount such as "30 gwei", "1000000" (wei) or "0.5 ether", got ${JSON.stringify(value)}`,
      );
    }
    try {
      return parseUnits(match[1], match[2] ?? "wei");
    } catch {
      return this.fail(field, `"${text}" has more decimals than its unit allows`);
    }
  }
}

function chain(fields: Fields, name: ChainName, deployment: Deployment): ChainConfig {
  const wsUrl = fields.get(`chains.${name}.subgraph.wsUrl`);
  // JSON-RPC is spoken over HTTP (chain/http-transport.ts); a WebSocket URL would fail at the first request.
  const rpcSchemes = ["http", "https"];
  if (
    fields.get(`chains.${name}.rpcUrls`) !== undefined &&
    fields.get(`chains.${name}.rpcUrl`) !== undefined
  ) {
    fields.fail(`chains.${name}.rpcUrls`, `give either rpcUrl or rpcUrls (a list), not both`);
  }
  const rpcUrls =
    fields.get(`chains.${name}.rpcUrls`) === undefined
      ? [fields.url(`chains.${name}.rpcUrl`, rpcSchemes, deployment[name].rpcUrl)]
      : fields.urls(`chains.${name}.rpcUrls`, rpcSchemes);
  return {
    rpcUrl: rpcUrls[0]!,
    rpcUrls,
    rpcTimeoutMs: fields.whole(`chains.${name}.rpcTimeoutMs`, DEFAULT_RPC_TIMEOUT_MS, 100, 600_000),
    confirmations: fields.whole(`chains.${name}.confirmations`, 0, 0, 1000),
    subgraph: {
      httpUrl: fields.url(`chains.${name}.subgraph.httpUrl`, ["http", "https"]),
      wsUrl: wsUrl === undefined ? undefined : fields.url(`chains.${name}.subgraph.wsUrl`, ["ws", "wss"]),
      timeoutMs: fields.whole(`chains.${name}.subgraph.timeoutMs`, DEFAULT_SUBGRAPH_TIMEOUT_MS, 100, 600_000),
      maxLagBlocks: fields.whole(
        `chains.${name}.subgraph.maxLagBlocks`,
        DEFAULT_MAX_LAG_BLOCKS,
        1,
        1_000_000,
      ),
    },
  };
}

/** Validates a parsed configuration; relative paths are resolved against the file's folder. */
export function parseConfig(value: unknown, file: string): ExecutorConfig {
  if (!isObject(value)) throw new ConfigError(`${file}: expected a JSON object`);
  const fields = new Fields(file, value);
  const dir = path.dirname(path.resolve(file));
  const deploymentFile = path.resolve(dir, fields.string("deploymentFile"));
  let deployment: Deployment;
  try {
    deployment = readDeploymentFile(deploymentFile);
  } catch (error) {
    return fields.fail("deploymentFile", (error as Error).message);
  }
  const database = fields.string("database", "file:facilitator.sqlite");
  if (!/^(file:|postgres(ql)?:\/\/)/.test(database)) {
    fields.fail(
      "database",
      `expected "file:<path>" (SQLite) or "postgresql://…", got "${URL.canParse(database) ? shownUrl(database) : database}"`,
    );
  }
  const mode = fields.string("feed.mode", "auto");
  if (!["auto", "subscriptions", "polling"].includes(mode)) {
    fields.fail("feed.mode", `expected "auto", "subscriptions" or "polling", got "${mode}"`);
  }
  const anchoring = fields.get("anchoring");
  const gas: GasPolicy = {
    minRequestGasPrice: fields.amount("gas.minRequestGasPrice", "0"),
    minRequestGasLimit: fields.amount("gas.minRequestGasLimit", "0"),
    maxFeePerGas: fields.amount("gas.maxFeePerGas", "500 gwei"),
    priorityFeePerGas: fields.amount("gas.priorityFeePerGas", "1 gwei"),
    bumpPercent: fields.whole("gas.bumpPercent", 15, 10, 500),
    resubmitAfterMs: fields.whole("gas.resubmitAfterSeconds", 30, 1, 3600) * 1000,
  };
  if (gas.priorityFeePerGas > gas.maxFeePerGas) {
    fields.fail("gas.priorityFeePerGas", "must not exceed gas.maxFeePerGas");
  }
  const retry: RetryPolicy = {
    initialMs: fields.whole("retry.initialMs", DEFAULT_RETRY.initialMs, 100, 3_600_000),
    maxMs: fields.whole("retry.maxMs", DEFAULT_RETRY.maxMs, 100, 86_400_000),
    limit: fields.whole("retry.limit", DEFAULT_RETRY.limit, 1, 1000),
  };
  if (retry.maxMs < retry.initialMs) {
    fields.fail("retry.maxMs", `must be at least retry.initialMs (${retry.initialMs}), got ${retry.maxMs}`);
  }
  const reverts = fields.get("completeReverts") ?? true;
  const completeReverts =
    typeof reverts === "boolean"
      ? reverts
      : fields.fail("completeReverts", `expected true or false, got ${JSON.stringify(reverts)}`);
  const config: ExecutorConfig = {
    file,
    deployment,
    chains: {
      origin: chain(fields, "origin", deployment),
      auxiliary: chain(fields, "auxiliary", deployment),
    },
    keystoreFile: path.resolve(dir, fields.string("keystore")),
    databaseUrl: database.startsWith("file:") ? `file:${path.resolve(dir, database.slice(5))}` : database,
    gas,
    feed: { mode: mode as FeedMode, pollIntervalMs: fields.whole("feed.pollIntervalMs", 1000, 50, 600_000) },
    retry,
    anchoring:
      anchoring === undefined || anchoring === null || anchoring === false
        ? null
        : {
            confirmations: fields.whole("anchoring.confirmations", 0, 0, 1000),
            minInterval: fields.whole("anchoring.minInterval", 0, 0, 1_000_000),
            anchorers: readAnchorers(fields.get("anchoring.anchorers"), (field, message) =>
              fields.fail(field, message),
            ),
          },
    takeoverBlocks: fields.whole("takeoverBlocks", DEFAULT_TAKEOVER_BLOCKS, 0, 1_000_000),
    completeReverts,
    http: { host: fields.string("http.host", "127.0.0.1"), port: fields.whole("http.port", 9464, 0, 65535) },
    supported: readSupportedGateways(fields.get("supportedGateways"), deployment, (field, message) =>
      fields.fail(field, message),
    ),
  };
  if (!["127.0.0.1", "::1", "localhost"].includes(config.http.host)) {
    fields.fail(
      "http.host",
      `the health and metrics endpoint listens on loopback only (127.0.0.1 or ::1), got "${config.http.host}"`,
    );
  }
  return config;
}

export function readConfig(file: string): ExecutorConfig {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    throw new ConfigError(
      `${file}: cannot read the configuration (${(error as Error).message}); \`facilitator init\` writes one`,
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`${file}: not valid JSON (${(error as Error).message})`);
  }
  return parseConfig(parsed, file);
}

/** The gateway pairs this facilitator serves. */
export function servedGateways(config: ExecutorConfig): ServedPair[] {
  return config.supported;
}
