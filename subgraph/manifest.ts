// The two subgraph manifests (origin and auxiliary), generated from a deployment so that nobody
// edits addresses by hand. The data source names are fixed: the project's own subgraph host finds
// data sources by these names.
import { gatewayPairs, type Deployment } from "../chain/deployment-file.ts";
import type { MosaicContractName } from "../chain/mosaic-artifacts.ts";

export type ChainName = "origin" | "auxiliary";
export const CHAINS: readonly ChainName[] = ["origin", "auxiliary"];

export type OriginDataSourceName = "OSTComposer" | "EIP20Gateway" | "OriginAnchor" | "OriginOrganization";
export type AuxiliaryDataSourceName =
  "RedeemPool" | "EIP20CoGateway" | "AuxiliaryAnchor" | "AuxiliaryOrganization";
export type DataSourceName = OriginDataSourceName | AuxiliaryDataSourceName;
/** The gateway data sources of the pairs after the first, numbered from 2 (same mappings). */
export type PairDataSourceName = `EIP20Gateway_${number}` | `EIP20CoGateway_${number}`;

/** The `network` of each chain's data sources; any name works for graph-cli and graph-node, as long
 * as graph-node's configuration names its chains the same. */
export const NETWORK_NAMES: Record<ChainName, string> = {
  origin: "mosaic-origin",
  auxiliary: "mosaic-auxiliary",
};

export const SPEC_VERSION = "1.3.0";
export const API_VERSION = "0.0.9";

export interface DataSourceLocation {
  /** Checksummed contract address, as the deployment file holds it. */
  address: string;
  startBlock: number;
}

export interface DataSourceLocations {
  origin: Record<OriginDataSourceName, DataSourceLocation>;
  auxiliary: Record<AuxiliaryDataSourceName, DataSourceLocation>;
}

/**
 * The gateway data source of pair `index` (from 0) on `chain`: the first pair's keeps its name, so
 * existing builds and graph-node deployments are unaffected; further pairs are numbered from 2.
 */
export function pairDataSourceName(chain: ChainName, index: number): string {
  const name = chain === "origin" ? "EIP20Gateway" : "EIP20CoGateway";
  return index === 0 ? name : `${name}_${index + 1}`;
}

/** Where the gateways of the pairs after the first live, by data source name. */
function furtherPairLocations(deployment: Deployment, chain: ChainName): Record<string, DataSourceLocation> {
  return Object.fromEntries(
    gatewayPairs(deployment)
      .slice(1)
      .map((pair, index) => [
        pairDataSourceName(chain, index + 1),
        {
          address: chain === "origin" ? pair.gateway : pair.coGateway,
          startBlock: deployment[chain].deploymentBlock,
        },
      ]),
  );
}

/** Where each data source's contract lives and from which block it is indexed, per chain. */
export function dataSourceLocations(deployment: Deployment): DataSourceLocations {
  const origin = deployment.origin;
  const auxiliary = deployment.auxiliary;
  const at = (address: string, startBlock: number) => ({ address, startBlock });
  return {
    origin: {
      OSTComposer: at(origin.contracts.ostComposer, origin.deploymentBlock),
      EIP20Gateway: at(origin.contracts.gateway, origin.deploymentBlock),
      OriginAnchor: at(origin.contracts.anchor, origin.deploymentBlock),
      // The OSTComposer's organization: its workers may accept stake requests.
      OriginOrganization: at(origin.contracts.organization, origin.deploymentBlock),
      ...furtherPairLocations(deployment, "origin"),
    },
    auxiliary: {
      RedeemPool: at(auxiliary.contracts.redeemPool, auxiliary.deploymentBlock),
      EIP20CoGateway: at(auxiliary.contracts.coGateway, auxiliary.deploymentBlock),
      AuxiliaryAnchor: at(auxiliary.contracts.anchor, auxiliary.deploymentBlock),
      // The RedeemPool's organization: its workers may accept redeem requests.
      AuxiliaryOrganization: at(auxiliary.contracts.organization, auxiliary.deploymentBlock),
      ...furtherPairLocations(deployment, "auxiliary"),
    },
  };
}

interface DataSourceSpec {
  name: DataSourceName | PairDataSourceName;
  /** The contract whose ABI decodes the events (and serves the mapping's contract calls). */
  contract: MosaicContractName;
  /** The mapping, relative to subgraph/src. */
  mapping: string;
  /** The events handled, each by `handle<Event>`. */
  events: string[];
  /** The entity types the mapping writes. */
  entities: string[];
  /**
   * Declared eth_calls by event (specVersion 1.2.0 on): the host makes them before the block's
   * handlers run, so the handler's own call of the same function does not wait on the node.
   */
  calls?: Record<string, Record<string, string>>;
}

/** The gateway's `messages(hash)`, where the handlers of declarations and confirmations read a message's terms. */
const messageTermsCall = (contract: string) => ({
  messages: `${contract}[event.address].messages(event.params._messageHash)`,
});

const BOUNTY_EVENTS = ["BountyChangeInitiated", "BountyChangeConfirmed"];
const MESSAGE_ENTITIES = ["Message", "GatewayProof", "MosaicEvent"];

const GATEWAY: Omit<DataSourceSpec, "name"> = {
  contract: "EIP20Gateway",
  mapping: "gateway.ts",
  events: [
    "StakeIntentDeclared",
    "StakeProgressed",
    "RevertStakeIntentDeclared",
    "StakeReverted",
    "RedeemIntentConfirmed",
    "UnstakeProgressed",
    "RevertRedeemIntentConfirmed",
    "RevertRedeemComplete",
    "GatewayProven",
    ...BOUNTY_EVENTS,
  ],
  entities: [...MESSAGE_ENTITIES, "StakeRequest", "OpenRequest"],
  calls: {
    StakeIntentDeclared: messageTermsCall("EIP20Gateway"),
    RedeemIntentConfirmed: messageTermsCall("EIP20Gateway"),
  },
};

const COGATEWAY: Omit<DataSourceSpec, "name"> = {
  contract: "EIP20CoGateway",
  mapping: "cogateway.ts",
  events: [
    "StakeIntentConfirmed",
    "MintProgressed",
    "RevertStakeIntentConfirmed",
    "RevertStakeProgressed",
    "RedeemIntentDeclared",
    "RedeemProgressed",
    "RevertRedeemDeclared",
    "RedeemReverted",
    "GatewayProven",
    ...BOUNTY_EVENTS,
  ],
  entities: [...MESSAGE_ENTITIES, "RedeemRequest", "OpenRequest"],
  calls: {
    StakeIntentConfirmed: messageTermsCall("EIP20CoGateway"),
    RedeemIntentDeclared: messageTermsCall("EIP20CoGateway"),
  },
};

const ANCHOR: Omit<DataSourceSpec, "name"> = {
  contract: "Anchor",
  mapping: "anchor.ts",
  events: ["StateRootAvailable"],
  entities: ["AnchoredStateRoot", "MosaicEvent"],
};

const ORGANIZATION: Omit<DataSourceSpec, "name"> = {
  contract: "Organization",
  mapping: "organization.ts",
  events: [
    "WorkerSet",
    "WorkerUnset",
    "OwnershipTransferInitiated",
    "OwnershipTransferCompleted",
    "AdminAddressChanged",
  ],
  entities: ["Worker", "WorkerChange", "MosaicEvent"],
};

export const DATA_SOURCES: { origin: DataSourceSpec[]; auxiliary: DataSourceSpec[] } = {
  origin: [
    {
      name: "OSTComposer",
      contract: "OSTComposer",
      mapping: "composer.ts",
      events: ["StakeRequested", "StakeRevoked", "StakeRejected"],
      entities: ["StakeRequest", "OpenRequest", "MosaicEvent"],
    },
    { name: "EIP20Gateway", ...GATEWAY },
    { name: "OriginAnchor", ...ANCHOR },
    { name: "OriginOrganization", ...ORGANIZATION },
  ],
  auxiliary: [
    {
      name: "RedeemPool",
      contract: "RedeemPool",
      mapping: "redeem-pool.ts",
      events: ["RedeemRequested", "RedeemRevoked", "RedeemRejected"],
      entities: ["RedeemRequest", "OpenRequest", "MosaicEvent"],
    },
    { name: "EIP20CoGateway", ...COGATEWAY },
    { name: "AuxiliaryAnchor", ...ANCHOR },
    { name: "AuxiliaryOrganization", ...ORGANIZATION },
  ],
};

/** The gateway data sources of the pairs after the first: copies of the first pair's. */
function furtherPairSources(deployment: Deployment, chain: ChainName): DataSourceSpec[] {
  return gatewayPairs(deployment)
    .slice(1)
    .map((_, index) => ({
      ...(chain === "origin" ? GATEWAY : COGATEWAY),
      name: pairDataSourceName(chain, index + 1) as PairDataSourceName,
    }));
}

function handlerName(event: string): string {
  return `handle${event}`;
}

interface AbiEventInput {
  type: string;
  indexed?: boolean;
}
interface AbiEntry {
  type: string;
  name?: string;
  inputs?: AbiEventInput[];
}

/** The event signature as graph-cli and graph-node expect it: `Name(type,indexed type,…)`. */
function eventSignature(abi: readonly AbiEntry[], contract: string, event: string): string {
  const entry = abi.find((item) => item.type === "event" && item.name === event);
  if (!entry) throw new Error(`the ${contract} ABI has no event named ${event}`);
  const inputs = (entry.inputs ?? []).map((input) => `${input.indexed ? "indexed " : ""}${input.type}`);
  return `${event}(${inputs.join(",")})`;
}

export interface ManifestPaths {
  /** Each path relative to the directory of the manifest being written. */
  schema: string;
  mappingsDir: string;
  abi(contract: MosaicContractName): string;
}

/** The manifest of one chain's subgraph, as a plain object ready for YAML. */
export function subgraphManifest(
  chain: ChainName,
  deployment: Deployment,
  abiOf: (contract: MosaicContractName) => readonly AbiEntry[],
  paths: ManifestPaths,
): object {
  const locations: Record<string, DataSourceLocation> = dataSourceLocations(deployment)[chain];
  return {
    specVersion: SPEC_VERSION,
    description: `OpenST Mosaic contracts on the ${chain} chain (${NETWORK_NAMES[chain]})`,
    schema: { file: paths.schema },
    dataSources: [...DATA_SOURCES[chain], ...furtherPairSources(deployment, chain)].map((spec) => {
      const location = locations[spec.name];
      if (!location) throw new Error(`no location for the data source ${spec.name}`);
      return {
        kind: "ethereum/contract",
        name: spec.name,
        network: NETWORK_NAMES[chain],
        source: { address: location.address, abi: spec.contract, startBlock: location.startBlock },
        mapping: {
          kind: "ethereum/events",
          apiVersion: API_VERSION,
          language: "wasm/assemblyscript",
          file: `${paths.mappingsDir}/${spec.mapping}`,
          entities: spec.entities,
          abis: [{ name: spec.contract, file: paths.abi(spec.contract) }],
          eventHandlers: spec.events.map((event) => ({
            event: eventSignature(abiOf(spec.contract), spec.contract, event),
            handler: handlerName(event),
            ...(spec.calls?.[event] ? { calls: spec.calls[event] } : {}),
          })),
        },
      };
    }),
  };
}
