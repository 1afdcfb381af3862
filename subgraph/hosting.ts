// The two Mosaic subgraphs as the embedded indexer host runs them: built once, pointed at a
// deployment's chains and contracts (the WASM does not depend on addresses, so one build serves
// every deployment), each with its own database.
import path from "node:path";
import { gatewayPairs, type Deployment } from "../chain/deployment-file.ts";
import type { HostedSubgraph } from "../indexer/host.ts";
import type { BuiltManifests } from "./build.ts";
import { CHAINS, dataSourceLocations, NETWORK_NAMES } from "./manifest.ts";
import { manifestForPairs } from "./pair-manifest.ts";

/** Served at /subgraphs/name/<name>. */
export const SUBGRAPH_NAMES = NETWORK_NAMES;

export function mosaicSubgraphs(
  deployment: Deployment,
  manifests: BuiltManifests,
  dataDir: string,
): HostedSubgraph[] {
  const locations = dataSourceLocations(deployment);
  return CHAINS.map((chain) => ({
    name: SUBGRAPH_NAMES[chain],
    manifestFile: manifestForPairs(manifests[chain], chain, gatewayPairs(deployment).length),
    rpcUrl: deployment[chain].rpcUrl,
    chainId: deployment[chain].chainId,
    sources: locations[chain],
    databaseFile: dataDir === ":memory:" ? ":memory:" : path.join(dataDir, `${SUBGRAPH_NAMES[chain]}.sqlite`),
  }));
}
