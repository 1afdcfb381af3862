// Start-up checks of the gateway pairs: every further pair of the deployment file has code on its
// chains, and each served pair with code is a pair indeed (the gateway's remote gateway is its cogateway, and
// the other way round), so that no proof is ever built against the wrong counterpart.
import { Contract, type JsonRpcProvider } from "ethers";
import { gatewayPairs, type Deployment, type GatewayPair } from "../chain/deployment-file.ts";
import { mosaicInterface } from "../chain/mosaic-artifacts.ts";
import type { ChainName } from "./config.ts";
import type { ServedPair } from "./supported-gateways.ts";

const ON_CHAIN: Record<ChainName, (keyof GatewayPair)[]> = {
  origin: ["gateway", "valueToken", "baseToken"],
  auxiliary: ["coGateway", "utilityToken"],
};

/** The first failure as one line naming the field and the fix, or undefined when all hold. */
export async function pairProblem(
  deployment: Deployment,
  served: ServedPair[],
  chain: ChainName,
  provider: JsonRpcProvider,
): Promise<string | undefined> {
  const pairs = gatewayPairs(deployment);
  // The first pair is the contracts' own, checked with them.
  for (const [index, pair] of pairs.entries()) {
    if (index === 0) continue;
    for (const name of ON_CHAIN[chain]) {
      if ((await provider.getCode(pair[name])) === "0x") {
        return `deployment file: pairs[${index}].${name}: ${pair[name]} has no code on chain ${deployment[chain].chainId}: fix the address, or deploy the pair`;
      }
    }
  }
  for (const [index, pair] of served.entries()) {
    const [own, remote] =
      chain === "origin" ? [pair.gateway, pair.coGateway] : [pair.coGateway, pair.gateway];
    const field = `supportedGateways[${index}].${chain === "origin" ? "gateway" : "coGateway"}`;
    // A listed pair is one of the deployment file's, whose code is checked above; only the older
    // single-object form may name a gateway with no code, at which nothing can be requested.
    if ((await provider.getCode(own)) === "0x") continue;
    const abi = mosaicInterface(chain === "origin" ? "EIP20Gateway" : "EIP20CoGateway");
    const named = (await new Contract(own, abi, provider).getFunction("remoteGateway")()) as string;
    if (named.toLowerCase() !== remote.toLowerCase()) {
      return `${field}: ${own} is paired with ${named} on chain ${deployment[chain].chainId}, not with ${remote}: name the gateway and the cogateway of one pair`;
    }
  }
  return undefined;
}
