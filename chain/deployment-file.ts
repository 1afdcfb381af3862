// The deployment file ("mosaic config"): where each chain is and where the Mosaic contracts live on
// it. The development network writes it; a user with existing chains writes the same file by hand.
// Reading it validates every field and names the field and the fix when one is wrong.
import { readFileSync, writeFileSync, mkdirSync } from "node:fs";
import path from "node:path";
import { getAddress, isAddress } from "ethers";

export const DEPLOYMENT_FILE_VERSION = 1;

export interface OriginContracts {
  valueToken: string;
  baseToken: string;
  organization: string;
  anchor: string;
  gateway: string;
  ostComposer: string;
}

export interface AuxiliaryContracts {
  organization: string;
  anchor: string;
  utilityToken: string;
  coGateway: string;
  redeemPool: string;
}

export interface ChainDeployment<C> {
  chainId: number;
  rpcUrl: string;
  /** The first block holding a Mosaic contract of this deployment: where indexing starts. */
  deploymentBlock: number;
  contracts: C;
}

/**
 * An EIP20Gateway on origin with its EIP20CoGateway on auxiliary, and their tokens. The OSTComposer,
 * the RedeemPool, the Anchors and the organizations are the deployment's, shared by every pair.
 */
export interface GatewayPair {
  gateway: string;
  coGateway: string;
  valueToken: string;
  baseToken: string;
  utilityToken: string;
}

export interface Deployment {
  version: typeof DEPLOYMENT_FILE_VERSION;
  origin: ChainDeployment<OriginContracts>;
  auxiliary: ChainDeployment<AuxiliaryContracts>;
  /**
   * Every gateway pair, the contracts' own first; absent when there is only that one. Read it
   * through gatewayPairs().
   */
  pairs?: GatewayPair[];
}

const ORIGIN_CONTRACTS: (keyof OriginContracts)[] = [
  "valueToken",
  "baseToken",
  "organization",
  "anchor",
  "gateway",
  "ostComposer",
];
const AUXILIARY_CONTRACTS: (keyof AuxiliaryContracts)[] = [
  "organization",
  "anchor",
  "utilityToken",
  "coGateway",
  "redeemPool",
];

export class DeploymentFileError extends Error {
  override name = "DeploymentFileError";
}

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  return value === undefined ? "nothing" : JSON.stringify(value);
}

function field(source: string, where: string, message: string): DeploymentFileError {
  return new DeploymentFileError(`${source}: ${where}: ${message}`);
}

function readChain<C>(
  source: string,
  root: Json,
  name: "origin" | "auxiliary",
  contractNames: (keyof C & string)[],
): ChainDeployment<C> {
  const chain = root[name];
  if (!isObject(chain)) {
    throw field(
      source,
      name,
      `expected an object with chainId, rpcUrl, deploymentBlock and contracts, got ${describe(chain)}`,
    );
  }
  const { chainId, rpcUrl, deploymentBlock, contracts } = chain;
  if (typeof chainId !== "number" || !Number.isSafeInteger(chainId) || chainId <= 0) {
    throw field(
      source,
      `${name}.chainId`,
      `expected a positive whole number (the chain's eth_chainId), got ${describe(chainId)}`,
    );
  }
  // JSON-RPC is spoken over HTTP (http-transport.ts): a WebSocket URL would fail at the first request.
  if (typeof rpcUrl !== "string" || !/^https?:\/\/[^\s]+$/.test(rpcUrl)) {
    throw field(
      source,
      `${name}.rpcUrl`,
      `expected an http(s) URL of the chain's JSON-RPC endpoint, got ${describe(rpcUrl)}`,
    );
  }
  if (typeof deploymentBlock !== "number" || !Number.isSafeInteger(deploymentBlock) || deploymentBlock < 0) {
    throw field(
      source,
      `${name}.deploymentBlock`,
      `expected the block number (0 or more) of the first Mosaic contract deployed, got ${describe(deploymentBlock)}`,
    );
  }
  if (!isObject(contracts)) {
    throw field(
      source,
      `${name}.contracts`,
      `expected an object with ${contractNames.join(", ")}, got ${describe(contracts)}`,
    );
  }
  const addresses: Record<string, string> = {};
  for (const contract of contractNames) {
    const value = contracts[contract];
    if (typeof value !== "string" || !isAddress(value)) {
      throw field(
        source,
        `${name}.contracts.${contract}`,
        `expected the contract's 0x-prefixed 20-byte address, got ${describe(value)}`,
      );
    }
    addresses[contract] = getAddress(value.toLowerCase());
  }
  return { chainId, rpcUrl, deploymentBlock, contracts: addresses as C };
}

const PAIR_FIELDS: (keyof GatewayPair)[] = [
  "gateway",
  "coGateway",
  "valueToken",
  "baseToken",
  "utilityToken",
];

/** Where each field of the first pair is named in the contracts. */
const FIRST_PAIR_SOURCE: Record<keyof GatewayPair, string> = {
  gateway: "origin.contracts.gateway",
  coGateway: "auxiliary.contracts.coGateway",
  valueToken: "origin.contracts.valueToken",
  baseToken: "origin.contracts.baseToken",
  utilityToken: "auxiliary.contracts.utilityToken",
};

function contractsPair(origin: OriginContracts, auxiliary: AuxiliaryContracts): GatewayPair {
  const { gateway, valueToken, baseToken } = origin;
  return {
    gateway,
    coGateway: auxiliary.coGateway,
    valueToken,
    baseToken,
    utilityToken: auxiliary.utilityToken,
  };
}

function readPair(source: string, where: string, value: unknown): GatewayPair {
  if (!isObject(value)) {
    throw field(source, where, `expected an object with ${PAIR_FIELDS.join(", ")}, got ${describe(value)}`);
  }
  const pair: Record<string, string> = {};
  for (const name of PAIR_FIELDS) {
    const address = value[name];
    if (typeof address !== "string" || !isAddress(address.toLowerCase())) {
      throw field(
        source,
        `${where}.${name}`,
        `expected the contract's 0x-prefixed 20-byte address, got ${describe(address)}`,
      );
    }
    pair[name] = getAddress(address.toLowerCase());
  }
  return pair as unknown as GatewayPair;
}

/** The optional list of every pair: the contracts' pair first, no gateway or cogateway twice. */
function readPairs(source: string, value: unknown, first: GatewayPair): GatewayPair[] {
  if (!Array.isArray(value) || value.length === 0) {
    throw field(
      source,
      "pairs",
      `expected a list of gateway pairs (the contracts' own pair first), or no "pairs" for that one pair alone, got ${describe(value)}`,
    );
  }
  const pairs = value.map((entry, index) => readPair(source, `pairs[${index}]`, entry));
  for (const name of PAIR_FIELDS) {
    if (pairs[0]![name] !== first[name]) {
      throw field(
        source,
        `pairs[0].${name}`,
        `must be ${FIRST_PAIR_SOURCE[name]} (${first[name]}): the first pair is the contracts' own; list further pairs after it`,
      );
    }
  }
  pairs.forEach((pair, index) => {
    for (const name of ["gateway", "coGateway"] as const) {
      const earlier = pairs.findIndex((other) => other[name] === pair[name]);
      if (earlier < index) {
        throw field(
          source,
          `pairs[${index}].${name}`,
          `${pair[name]} is already in pairs[${earlier}]: each ${name} belongs to one pair`,
        );
      }
    }
  });
  return pairs;
}

/** Every gateway pair of the deployment, the contracts' own first. */
export function gatewayPairs(deployment: Deployment): GatewayPair[] {
  return deployment.pairs ?? [contractsPair(deployment.origin.contracts, deployment.auxiliary.contracts)];
}

/** Validates a parsed deployment; `source` names where it came from in error messages. */
export function parseDeployment(value: unknown, source = "deployment"): Deployment {
  if (!isObject(value)) throw field(source, "(top level)", `expected a JSON object, got ${describe(value)}`);
  if (value.version !== DEPLOYMENT_FILE_VERSION) {
    throw field(source, "version", `expected ${DEPLOYMENT_FILE_VERSION}, got ${describe(value.version)}`);
  }
  const origin = readChain<OriginContracts>(source, value, "origin", ORIGIN_CONTRACTS);
  const auxiliary = readChain<AuxiliaryContracts>(source, value, "auxiliary", AUXILIARY_CONTRACTS);
  if (origin.chainId === auxiliary.chainId) {
    throw field(
      source,
      "auxiliary.chainId",
      `must differ from origin.chainId (both are ${origin.chainId}): the Anchors tell the chains apart by id`,
    );
  }
  const deployment: Deployment = { version: DEPLOYMENT_FILE_VERSION, origin, auxiliary };
  if (value.pairs !== undefined) {
    deployment.pairs = readPairs(source, value.pairs, contractsPair(origin.contracts, auxiliary.contracts));
  }
  return deployment;
}

export function readDeploymentFile(file: string): Deployment {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    throw new DeploymentFileError(
      `${file}: cannot read the deployment file (${(error as Error).message}); run \`npm start\` to make one for a development network, or write one as docs/deployment-file.md shows`,
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new DeploymentFileError(`${file}: not valid JSON (${(error as Error).message})`);
  }
  return parseDeployment(parsed, file);
}

export function writeDeploymentFile(file: string, deployment: Deployment): void {
  parseDeployment(deployment, "the deployment to write");
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(deployment, null, 2)}\n`);
}
