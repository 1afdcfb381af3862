// The lines both `npm start` and `npm run devnet:deploy` print about a deployment: each chain with
// its contracts, and the development accounts' roles. An RPC URL given to devnet:deploy may hold a
// key or password: shown without them.
import { gatewayPairs, type Deployment } from "../chain/deployment-file.ts";
import { shownUrl } from "../chain/url-secrets.ts";
import { devWallet, FIRST_USER_INDEX, ROLE_INDEX } from "../devnet/accounts.ts";

export function deploymentLines(deployment: Deployment, accounts: number): string[] {
  const { origin, auxiliary } = deployment;
  const rows = (contracts: object) =>
    Object.entries(contracts).map(([name, address]) => `    ${name.padEnd(14)} ${address as string}`);
  return [
    `  origin     chain ${origin.chainId}  ${shownUrl(origin.rpcUrl)}  (contracts from block ${origin.deploymentBlock})`,
    ...rows(origin.contracts),
    `  auxiliary  chain ${auxiliary.chainId}  ${shownUrl(auxiliary.rpcUrl)}  (contracts from block ${auxiliary.deploymentBlock})`,
    ...rows(auxiliary.contracts),
    ...gatewayPairs(deployment)
      .slice(1)
      .map(
        (pair, index) =>
          `  pair ${index + 2}     gateway ${pair.gateway}, coGateway ${pair.coGateway}, valueToken ${pair.valueToken}, utilityToken ${pair.utilityToken}`,
      ),
    `  accounts   anvil's test mnemonic: owner ${devWallet(ROLE_INDEX.owner).address} (#${ROLE_INDEX.owner}),` +
      ` facilitator ${devWallet(ROLE_INDEX.facilitator).address} (#${ROLE_INDEX.facilitator}),` +
      ` users #${FIRST_USER_INDEX}-#${accounts - 1}`,
  ];
}
