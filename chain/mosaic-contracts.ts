// The contracts of a deployment, bound to a runner (a provider to read, a signer to send).
import { Contract, type ContractRunner, type LogDescription, type TransactionReceipt } from "ethers";
import type {
  Anchor,
  CoGateway,
  Gateway,
  MintableToken,
  OstComposer,
  RedeemPool,
  UtilityToken,
} from "./contract-types.ts";
import type { Deployment, GatewayPair } from "./deployment-file.ts";
import { mosaicAbi, tokenArtifact } from "./mosaic-artifacts.ts";

export interface OriginBinding {
  valueToken: MintableToken;
  baseToken: MintableToken;
  organization: Contract;
  anchor: Anchor;
  gateway: Gateway;
  ostComposer: OstComposer;
}

export interface AuxiliaryBinding {
  organization: Contract;
  anchor: Anchor;
  utilityToken: UtilityToken;
  coGateway: CoGateway;
  redeemPool: RedeemPool;
}

export function bindOrigin(deployment: Deployment, runner: ContractRunner): OriginBinding {
  const at = deployment.origin.contracts;
  const token = tokenArtifact().abi;
  return {
    valueToken: new Contract(at.valueToken, token, runner) as MintableToken,
    baseToken: new Contract(at.baseToken, token, runner) as MintableToken,
    organization: new Contract(at.organization, mosaicAbi("Organization"), runner),
    anchor: new Contract(at.anchor, mosaicAbi("Anchor"), runner) as Anchor,
    gateway: new Contract(at.gateway, mosaicAbi("EIP20Gateway"), runner) as Gateway,
    ostComposer: new Contract(at.ostComposer, mosaicAbi("OSTComposer"), runner) as OstComposer,
  };
}

export function bindAuxiliary(deployment: Deployment, runner: ContractRunner): AuxiliaryBinding {
  const at = deployment.auxiliary.contracts;
  return {
    organization: new Contract(at.organization, mosaicAbi("Organization"), runner),
    anchor: new Contract(at.anchor, mosaicAbi("Anchor"), runner) as Anchor,
    utilityToken: new Contract(at.utilityToken, mosaicAbi("UtilityToken"), runner) as UtilityToken,
    coGateway: new Contract(at.coGateway, mosaicAbi("EIP20CoGateway"), runner) as CoGateway,
    redeemPool: new Contract(at.redeemPool, mosaicAbi("RedeemPool"), runner) as RedeemPool,
  };
}

/** One gateway pair's contracts on origin: its gateway and tokens (see gatewayPairs). */
export function bindPairOnOrigin(
  pair: GatewayPair,
  runner: ContractRunner,
): Pick<OriginBinding, "valueToken" | "baseToken" | "gateway"> {
  const token = tokenArtifact().abi;
  return {
    valueToken: new Contract(pair.valueToken, token, runner) as MintableToken,
    baseToken: new Contract(pair.baseToken, token, runner) as MintableToken,
    gateway: new Contract(pair.gateway, mosaicAbi("EIP20Gateway"), runner) as Gateway,
  };
}

/** One gateway pair's contracts on auxiliary: its cogateway and utility token. */
export function bindPairOnAuxiliary(
  pair: GatewayPair,
  runner: ContractRunner,
): Pick<AuxiliaryBinding, "utilityToken" | "coGateway"> {
  return {
    utilityToken: new Contract(pair.utilityToken, mosaicAbi("UtilityToken"), runner) as UtilityToken,
    coGateway: new Contract(pair.coGateway, mosaicAbi("EIP20CoGateway"), runner) as CoGateway,
  };
}

/** The one `name` event that `contract` emitted in a transaction; fails naming what is missing. */
export async function emittedEvent(
  receipt: TransactionReceipt | null,
  contract: Contract,
  name: string,
): Promise<LogDescription> {
  if (!receipt) throw new Error(`no receipt to find ${name} in`);
  const address = (await contract.getAddress()).toLowerCase();
  const events = receipt.logs
    .filter((log) => log.address.toLowerCase() === address)
    .map((log) => contract.interface.parseLog(log))
    .filter((event): event is LogDescription => event?.name === name);
  if (events.length !== 1) {
    throw new Error(`expected one ${name} from ${address} in ${receipt.hash}, found ${events.length}`);
  }
  return events[0] as LogDescription;
}
