// The development network: two anvil chains (origin and auxiliary) with the Mosaic contracts
// deployed, tokens handed out to the development accounts, and the deployment file written.
import { parseEther, type JsonRpcProvider } from "ethers";
import { writeDeploymentFile, type Deployment } from "../chain/deployment-file.ts";
import { bindOrigin } from "../chain/mosaic-contracts.ts";
import { connectChain } from "../chain/provider.ts";
import { devWallet, FIRST_USER_INDEX, ROLE_INDEX } from "./accounts.ts";
import { startAnvil, type AnvilChain } from "./anvil.ts";
import { deployMosaic } from "./deploy-mosaic.ts";

export interface DevNetworkOptions {
  originChainId?: number;
  auxiliaryChainId?: number;
  originPort?: number;
  auxiliaryPort?: number;
  /** Seconds between blocks once deployed; automine (a block per transaction) when left out. */
  blockTime?: number;
  /** Development accounts per chain; users are those from index 2 on. */
  accounts?: number;
  anvilBinary?: string;
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
/** Value tokens each user account starts with, and base tokens the facilitator starts with. */
export const DEV_TOKEN_GRANT = parseEther("1000000");

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
    `origin chain ${origin.chainId} at ${origin.rpcUrl}, auxiliary chain ${auxiliary.chainId} at ${auxiliary.rpcUrl}`,
  );

  try {
    const deployment = await deployMosaic({
      origin: { ...origin, owner: devWallet(ROLE_INDEX.owner, origin.provider) },
      auxiliary: { ...auxiliary, owner: devWallet(ROLE_INDEX.owner, auxiliary.provider) },
      facilitator: devWallet(ROLE_INDEX.facilitator).address,
      progress,
    });
    await grantTokens(origin.provider, deployment, accounts);
    progress(
      `minted value tokens to ${accounts - FIRST_USER_INDEX} user accounts and base tokens to the facilitator`,
    );
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

async function grantTokens(
  provider: JsonRpcProvider,
  deployment: Deployment,
  accounts: number,
): Promise<void> {
  const owner = devWallet(ROLE_INDEX.owner, provider);
  const { valueToken, baseToken } = bindOrigin(deployment, owner);
  let nonce = await provider.getTransactionCount(owner.address, "pending");
  const sent = [
    await baseToken.mint(devWallet(ROLE_INDEX.facilitator).address, DEV_TOKEN_GRANT, { nonce: nonce++ }),
  ];
  for (let index = FIRST_USER_INDEX; index < accounts; index++) {
    sent.push(await valueToken.mint(devWallet(index).address, DEV_TOKEN_GRANT, { nonce: nonce++ }));
  }
  await Promise.all(sent.map((response) => response.wait()));
}
