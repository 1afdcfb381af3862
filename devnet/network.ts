// The development network: two anvil chains (origin and auxiliary) with the Mosaic contracts
// deployed, tokens handed out to the development accounts, and the deployment file written.
import type { JsonRpcProvider } from "ethers";
import { writeDeploymentFile, type Deployment } from "../chain/deployment-file.ts";
import { connectChain } from "../chain/provider.ts";
import { startAnvil, type AnvilChain } from "./anvil.ts";
import { deployOntoChains } from "./deploy-onto-chains.ts";
import { shownUrl } from "../chain/url-secrets.ts";

export { DEV_TOKEN_GRANT } from "./deploy-onto-chains.ts";

export interface DevNetworkOptions {
  originChainId?: number;
  auxiliaryChainId?: number;
  originPort?: number;
  auxiliaryPort?: number;
  /** Seconds between blocks once deployed; automine (a block per transaction) when left out. */
  blockTime?: number;
  /** Development accounts per chain; users are those from index 2 on. */
  accounts?: number;
  /** Facilitators made workers of the composer's and the pool's organizations (default 1; see accounts.ts). */
  facilitators?: number;
  /** Gateway pairs deployed (default 1; `npm start -- --gateways 2`). */
  gatewayPairs?: number;
  anvilBinary?: string;
  /** The auxiliary chain's EVM hardfork (e.g. "berlin": no base fee); anvil's latest when left out. */
  auxiliaryHardfork?: string;
  /** Where to write the deployment file; not written when left out. */
  deploymentFile?: string;
  progress?: (message: string) => void;
}

export interface DevChain extends AnvilChain {
  provider: JsonRpcProvider;
}

export interface DevNetwork {
  origin: DevChain;
  auxiliary: DevChain;
  deployment: Deployment;
  /** How many development accounts each chain has. */
  accounts: number;
  stop(): Promise<void>;
}

export const DEFAULT_ORIGIN_CHAIN_ID = 1515;
export const DEFAULT_AUXILIARY_CHAIN_ID = 1516;

export async function startDevNetwork(options: DevNetworkOptions = {}): Promise<DevNetwork> {
  const progress = options.progress ?? (() => undefined);
  const accounts = options.accounts ?? 20;
  const started = await Promise.allSettled([
    startAnvil({
      name: "origin",
      chainId: options.originChainId ?? DEFAULT_ORIGIN_CHAIN_ID,
      port: options.originPort,
      binary: options.anvilBinary,
      accounts,
    }),
    startAnvil({
      name: "auxiliary",
      chainId: options.auxiliaryChainId ?? DEFAULT_AUXILIARY_CHAIN_ID,
      port: options.auxiliaryPort,
      binary: options.anvilBinary,
      accounts,
      hardfork: options.auxiliaryHardfork,
    }),
  ]);
  const chains = started.flatMap((result) => (result.status === "fulfilled" ? [result.value] : []));
  const failure = started.find((result) => result.status === "rejected");
  if (failure) {
    await Promise.all(chains.map((chain) => chain.stop()));
    throw failure.reason;
  }
  const [originAnvil, auxiliaryAnvil] = chains as [AnvilChain, AnvilChain];
  const origin: DevChain = {
    ...originAnvil,
    provider: connectChain(originAnvil.rpcUrl, originAnvil.chainId),
  };
  const auxiliary: DevChain = {
    ...auxiliaryAnvil,
    provider: connectChain(auxiliaryAnvil.rpcUrl, auxiliaryAnvil.chainId),
  };
  const stop = async () => {
    origin.provider.destroy();
    auxiliary.provider.destroy();
    await Promise.all([originAnvil.stop(), auxiliaryAnvil.stop()]);
  };
  progress(
    `origin chain ${origin.chainId} at ${shownUrl(origin.rpcUrl)}, auxiliary chain ${auxiliary.chainId} at ${shownUrl(auxiliary.rpcUrl)}`,
  );

  try {
    const deployment = await deployOntoChains({
      origin,
      auxiliary,
      accounts,
      facilitators: options.facilitators,
      gatewayPairs: options.gatewayPairs,
      progress,
    });
    if (options.blockTime !== undefined) {
      // Deployed under automine for speed; from here on blocks come at the chosen interval.
      await Promise.all(
        [origin, auxiliary].map((chain) => chain.provider.send("evm_setIntervalMining", [options.blockTime])),
      );
    }
    if (options.deploymentFile) {
      writeDeploymentFile(options.deploymentFile, deployment);
      progress(`wrote ${options.deploymentFile}`);
    }
    return { origin, auxiliary, deployment, accounts, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
