// A further gateway pair on the development network (`npm start -- --gateways 2`): its own value
// token, EIP20Gateway, utility token and EIP20CoGateway, sharing the first pair's base token,
// organizations, Anchors and libraries, and the deployment's OSTComposer and RedeemPool.
import type { Contract, ContractTransactionResponse } from "ethers";
import type { Gateway, UtilityToken } from "../chain/contract-types.ts";
import type { GatewayPair } from "../chain/deployment-file.ts";
import { tokenArtifact, type Artifact, type MosaicContractName } from "../chain/mosaic-artifacts.ts";

/** What a pair needs of a chain's staged deployer (deploy-mosaic.ts). */
export interface ChainDeployer {
  deploy(label: string, artifact: Artifact, args?: unknown[]): Promise<Contract>;
  mosaic<T extends Contract = Contract>(
    name: MosaicContractName,
    args?: unknown[],
    libraries?: Record<string, string>,
  ): Promise<T>;
  call(
    label: string,
    send: (overrides: { nonce: number }) => Promise<ContractTransactionResponse>,
  ): Promise<void>;
}

/** What every pair shares: addresses of contracts deployed with the first pair. */
export interface SharedContracts {
  baseToken: string;
  organization: { origin: string; auxiliary: string };
  anchor: { origin: string; auxiliary: string };
  libraries: { origin: Record<string, string>; auxiliary: Record<string, string> };
  gatewayBounty: bigint;
  coGatewayBounty: bigint;
  burner: string;
  maxStorageRootItems: number;
}

export interface SentPair {
  pair: GatewayPair;
  /** Sends the wiring (after the contracts are mined): activation, the utility token's cogateway. */
  wire(onOrigin: ChainDeployer, onAuxiliary: ChainDeployer): Promise<void>;
}

const address = (contract: Contract) => contract.getAddress();

/** Sends the contracts of pair number `number` (2 or more); they are there once both chains settle. */
export async function sendPair(
  number: number,
  shared: SharedContracts,
  onOrigin: ChainDeployer,
  onAuxiliary: ChainDeployer,
): Promise<SentPair> {
  const valueToken = await onOrigin.deploy(`value token ${number}`, tokenArtifact(), [
    `Mosaic Value Token ${number}`,
    `MVT${number}`,
  ]);
  const gateway = await onOrigin.mosaic<Gateway>(
    "EIP20Gateway",
    [
      await address(valueToken),
      shared.baseToken,
      shared.anchor.origin,
      shared.gatewayBounty,
      shared.organization.origin,
      shared.burner,
      shared.maxStorageRootItems,
    ],
    shared.libraries.origin,
  );
  const utilityToken = await onAuxiliary.mosaic<UtilityToken>("UtilityToken", [
    await address(valueToken),
    `MUT${number}`,
    `Mosaic Utility Token ${number}`,
    18,
    shared.organization.auxiliary,
  ]);
  const coGateway = await onAuxiliary.mosaic(
    "EIP20CoGateway",
    [
      await address(valueToken),
      await address(utilityToken),
      shared.anchor.auxiliary,
      shared.coGatewayBounty,
      shared.organization.auxiliary,
      await address(gateway),
      shared.burner,
      shared.maxStorageRootItems,
    ],
    shared.libraries.auxiliary,
  );
  const pair: GatewayPair = {
    gateway: await address(gateway),
    coGateway: await address(coGateway),
    valueToken: await address(valueToken),
    baseToken: shared.baseToken,
    utilityToken: await address(utilityToken),
  };
  return {
    pair,
    async wire(origin, auxiliary) {
      await origin.call(`gateway ${number}.activateGateway`, (overrides) =>
        gateway.activateGateway(pair.coGateway, overrides),
      );
      await auxiliary.call(`utilityToken ${number}.setCoGateway`, (overrides) =>
        utilityToken.setCoGateway(pair.coGateway, overrides),
      );
    },
  };
}
