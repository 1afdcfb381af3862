// The Mosaic contracts deployed onto two running development chains with the development roles of
// accounts.ts, and tokens handed out to the development accounts. `npm start` does this on the anvil
// chains it starts itself (network.ts); `npm run devnet:deploy` on chains started elsewhere, such as
// the anvil containers of docker-compose.yml's local-chains profile.
import { parseEther, toQuantity, type JsonRpcProvider } from "ethers";
import { gatewayPairs, type Deployment } from "../chain/deployment-file.ts";
import { bindOrigin, bindPairOnOrigin } from "../chain/mosaic-contracts.ts";
import { mined } from "../chain/receipts.ts";
import { devWallet, facilitatorIndex, FIRST_USER_INDEX, ROLE_INDEX } from "./accounts.ts";
import { DEV_MNEMONIC } from "./anvil.ts";
import { deployMosaic } from "./deploy-mosaic.ts";
import { shownUrl } from "../chain/url-secrets.ts";

/** Value tokens each user account starts with, and base tokens the facilitator starts with. */
export const DEV_TOKEN_GRANT = parseEther("1000000");

export interface RunningChain {
  /** The chain's eth_chainId. */
  chainId: number;
  /** Written into the deployment file as it is. */
  rpcUrl: string;
  provider: JsonRpcProvider;
}

export interface DeployOntoChainsOptions {
  origin: RunningChain;
  auxiliary: RunningChain;
  /** Development accounts per chain; users are those from index 2 on. */
  accounts: number;
  /**
   * Facilitators made workers of the composer's and the pool's organizations (default 1): #1, then
   * accounts.ts's extra facilitator keys, given ether (anvil_setBalance) and base tokens.
   */
  facilitators?: number;
  /** Gateway pairs to deploy (default 1): users get each pair's value token. */
  gatewayPairs?: number;
  progress?: (message: string) => void;
}

/** Ether each extra facilitator gets on both chains: gas and the cogateway's bounties. */
const EXTRA_FACILITATOR_ETHER = parseEther("10000");

/** Deploys and wires the Mosaic contracts on both chains (owner #0, facilitator #1 as worker), then
 * mints value tokens to every user account and base tokens to the facilitator on origin. Refuses,
 * before sending anything, one chain given twice and an owner without ether. */
export async function deployOntoChains(options: DeployOntoChainsOptions): Promise<Deployment> {
  const progress = options.progress ?? (() => undefined);
  const { origin, auxiliary, accounts } = options;
  if (origin.chainId === auxiliary.chainId) {
    throw new Error(
      `the origin chain (${shownUrl(origin.rpcUrl)}) and the auxiliary chain (${shownUrl(auxiliary.rpcUrl)}) both have chain id ${origin.chainId}: they must be two different chains, with different chain ids`,
    );
  }
  const notes = await Promise.all([
    checkDevAccounts("origin", origin, accounts),
    checkDevAccounts("auxiliary", auxiliary, accounts),
  ]);
  for (const note of notes.flat()) progress(note);

  const facilitators = Array.from(
    { length: options.facilitators ?? 1 },
    (_, n) => devWallet(facilitatorIndex(n)).address,
  );
  const extraWorkers = facilitators.slice(1);
  for (const chain of [origin, auxiliary]) {
    for (const worker of extraWorkers) {
      await chain.provider.send("anvil_setBalance", [worker, toQuantity(EXTRA_FACILITATOR_ETHER)]);
    }
  }
  const deployment = await deployMosaic({
    origin: { ...origin, owner: devWallet(ROLE_INDEX.owner, origin.provider) },
    auxiliary: { ...auxiliary, owner: devWallet(ROLE_INDEX.owner, auxiliary.provider) },
    facilitator: devWallet(ROLE_INDEX.facilitator).address,
    extraWorkers,
    gatewayPairs: options.gatewayPairs,
    progress,
  });
  await grantTokens(origin.provider, deployment, accounts, facilitators);
  progress(
    `minted value tokens to ${Math.max(0, accounts - FIRST_USER_INDEX)} user accounts and base tokens to the facilitator`,
  );
  return deployment;
}

/** The owner must have ether (it pays for the deployment); the last development account should
 * have some too (anvil funds only as many accounts as its --accounts says). */
async function checkDevAccounts(name: string, chain: RunningChain, accounts: number): Promise<string[]> {
  const owner = devWallet(ROLE_INDEX.owner).address;
  const lastIndex = accounts - 1;
  const [ownerBalance, lastBalance] = await Promise.all([
    chain.provider.getBalance(owner),
    chain.provider.getBalance(devWallet(lastIndex).address),
  ]);
  if (ownerBalance === 0n) {
    throw new Error(
      `${name} chain ${chain.chainId} at ${shownUrl(chain.rpcUrl)}: the owner ${owner} (account #${ROLE_INDEX.owner} of anvil's test mnemonic) has no ether, so nothing can be deployed. The chain must hold anvil's test accounts with ether: start anvil with its default mnemonic ("${DEV_MNEMONIC}"), as docker-compose.yml's local-chains profile does`,
    );
  }
  return lastBalance === 0n
    ? [
        `note: ${name} chain: account #${lastIndex} has no ether; accounts that far get tokens but cannot pay for gas (start anvil with --accounts ${accounts}, or pass fewer accounts)`,
      ]
    : [];
}

async function grantTokens(
  provider: JsonRpcProvider,
  deployment: Deployment,
  accounts: number,
  facilitators: string[],
): Promise<void> {
  const owner = devWallet(ROLE_INDEX.owner, provider);
  const { valueToken, baseToken } = bindOrigin(deployment, owner);
  let nonce = await provider.getTransactionCount(owner.address, "pending");
  const sent = [];
  for (const facilitator of facilitators) {
    sent.push(await baseToken.mint(facilitator, DEV_TOKEN_GRANT, { nonce: nonce++ }));
  }
  for (let index = FIRST_USER_INDEX; index < accounts; index++) {
    sent.push(await valueToken.mint(devWallet(index).address, DEV_TOKEN_GRANT, { nonce: nonce++ }));
    for (const pair of gatewayPairs(deployment).slice(1)) {
      const pairToken = bindPairOnOrigin(pair, owner).valueToken;
      sent.push(await pairToken.mint(devWallet(index).address, DEV_TOKEN_GRANT, { nonce: nonce++ }));
    }
  }
  await Promise.all(sent.map(async (response) => mined(response)));
}
