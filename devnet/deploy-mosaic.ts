// Deploys the real Mosaic contracts on two chains and wires them together: organizations with a
// facilitator worker, libraries linked into the gateways, anchors with initial state roots and
// co-anchors, the gateway pair (activated), the utility token with its cogateway, the composer and
// the redeem pool. Returns the deployment file's content.
import { Contract, ContractFactory, type JsonRpcProvider, type Signer } from "ethers";
import { blockHeader, headBlockNumber } from "../chain/blocks.ts";
import type { Anchor, Gateway, UtilityToken } from "../chain/contract-types.ts";
import type { AuxiliaryContracts, Deployment, OriginContracts } from "../chain/deployment-file.ts";
import { DEPLOYMENT_FILE_VERSION } from "../chain/deployment-file.ts";
import {
  linkBytecode,
  mosaicArtifact,
  tokenArtifact,
  type Artifact,
  type MosaicContractName,
} from "../chain/mosaic-artifacts.ts";

export interface ChainEndpoint {
  chainId: number;
  rpcUrl: string;
  provider: JsonRpcProvider;
  /** Owner and admin of the organizations; deploys everything. */
  owner: Signer;
}

export interface DeployOptions {
  origin: ChainEndpoint;
  auxiliary: ChainEndpoint;
  /** The facilitator's address, made a worker of both organizations. */
  facilitator: string;
  /** Base tokens (origin, smallest unit) a stake's facilitator deposits; returned on progress. */
  gatewayBounty?: bigint;
  /** Auxiliary base coin (wei) a redeem's facilitator deposits; returned on progress. */
  coGatewayBounty?: bigint;
  maxStateRoots?: number;
  maxStorageRootItems?: number;
  progress?: (message: string) => void;
}

/** Where penalties go; nobody holds its key. */
export const BURNER = "0x000000000000000000000000000000000000dEaD";
/** Workers of a development organization never expire. */
const WORKER_EXPIRATION_HEIGHT = 2n ** 64n;

export const DEFAULT_GATEWAY_BOUNTY = 10n ** 18n;
export const DEFAULT_COGATEWAY_BOUNTY = 10n ** 16n;

class ChainDeployer {
  firstBlock: number | undefined;
  constructor(
    private readonly signer: Signer,
    private readonly progress: (message: string) => void,
    private readonly chainName: string,
  ) {}

  async deploy<T extends Contract = Contract>(
    label: string,
    artifact: Artifact,
    args: unknown[] = [],
  ): Promise<T> {
    const factory = new ContractFactory(artifact.abi, artifact.bytecode, this.signer);
    const contract = await factory.deploy(...args);
    const receipt = await contract.deploymentTransaction()?.wait();
    if (!receipt || receipt.status !== 1) throw new Error(`${this.chainName}: deploying ${label} failed`);
    this.firstBlock ??= receipt.blockNumber;
    this.progress(`${this.chainName}: ${label} at ${await contract.getAddress()}`);
    return contract as T;
  }

  async mosaic<T extends Contract = Contract>(
    name: MosaicContractName,
    args: unknown[] = [],
    libraries: Record<string, string> = {},
  ): Promise<T> {
    const artifact = mosaicArtifact(name);
    return this.deploy<T>(
      name,
      { abi: artifact.abi, bytecode: linkBytecode(artifact.bytecode, libraries) },
      args,
    );
  }

  /** MerklePatriciaProof, then MessageBus and GatewayLib linked against it. */
  async libraries(): Promise<Record<string, string>> {
    const merklePatriciaProof = await (await this.mosaic("MerklePatriciaProof")).getAddress();
    const linked = { MerklePatriciaProof: merklePatriciaProof };
    const messageBus = await (await this.mosaic("MessageBus", [], linked)).getAddress();
    const gatewayLib = await (await this.mosaic("GatewayLib", [], linked)).getAddress();
    return { MessageBus: messageBus, GatewayLib: gatewayLib };
  }
}

async function send(label: string, call: Promise<{ wait(): Promise<{ status: number | null } | null> }>) {
  const receipt = await (await call).wait();
  if (!receipt || receipt.status !== 1) throw new Error(`${label} failed`);
}

/** The state root of the chain's head, for an Anchor's initial root. A genesis root proves
 * nothing (see docs/architecture.md), so a chain still at block 0 mines one block first. */
async function initialRoot(provider: JsonRpcProvider): Promise<{ height: number; root: string }> {
  if ((await headBlockNumber(provider)) === 0) await provider.send("evm_mine", []);
  const height = await headBlockNumber(provider);
  return { height, root: (await blockHeader(provider, height)).stateRoot };
}

export async function deployMosaic(options: DeployOptions): Promise<Deployment> {
  const progress = options.progress ?? (() => undefined);
  const { origin, auxiliary, facilitator } = options;
  const maxStateRoots = options.maxStateRoots ?? 100;
  const maxStorageRootItems = options.maxStorageRootItems ?? 100;
  const onOrigin = new ChainDeployer(origin.owner, progress, "origin");
  const onAuxiliary = new ChainDeployer(auxiliary.owner, progress, "auxiliary");
  const originOwner = await origin.owner.getAddress();
  const auxiliaryOwner = await auxiliary.owner.getAddress();

  // Origin: tokens, organization, libraries, anchor (auxiliary roots), gateway, composer.
  const token = tokenArtifact();
  const valueToken = await onOrigin.deploy("value token", token, ["Mosaic Value Token", "MVT"]);
  const baseToken = await onOrigin.deploy("base token", token, ["Mosaic Base Token", "MBT"]);
  const originOrganization = await onOrigin.mosaic("Organization", [
    originOwner,
    originOwner,
    [facilitator],
    WORKER_EXPIRATION_HEIGHT,
  ]);
  const originLibraries = await onOrigin.libraries();
  const auxiliaryRoot = await initialRoot(auxiliary.provider);
  const originAnchor = await onOrigin.mosaic<Anchor>("Anchor", [
    auxiliary.chainId,
    auxiliaryRoot.height,
    auxiliaryRoot.root,
    maxStateRoots,
    await originOrganization.getAddress(),
  ]);
  const gateway = await onOrigin.mosaic<Gateway>(
    "EIP20Gateway",
    [
      await valueToken.getAddress(),
      await baseToken.getAddress(),
      await originAnchor.getAddress(),
      options.gatewayBounty ?? DEFAULT_GATEWAY_BOUNTY,
      await originOrganization.getAddress(),
      BURNER,
      maxStorageRootItems,
    ],
    originLibraries,
  );
  const ostComposer = await onOrigin.mosaic("OSTComposer", [await originOrganization.getAddress()]);

  // Auxiliary: organization, libraries, anchor (origin roots), utility token, cogateway, redeem pool.
  const auxiliaryOrganization = await onAuxiliary.mosaic("Organization", [
    auxiliaryOwner,
    auxiliaryOwner,
    [facilitator],
    WORKER_EXPIRATION_HEIGHT,
  ]);
  const auxiliaryLibraries = await onAuxiliary.libraries();
  const originRoot = await initialRoot(origin.provider);
  const auxiliaryAnchor = await onAuxiliary.mosaic<Anchor>("Anchor", [
    origin.chainId,
    originRoot.height,
    originRoot.root,
    maxStateRoots,
    await auxiliaryOrganization.getAddress(),
  ]);
  const utilityToken = await onAuxiliary.mosaic<UtilityToken>("UtilityToken", [
    await valueToken.getAddress(),
    "MUT",
    "Mosaic Utility Token",
    18,
    await auxiliaryOrganization.getAddress(),
  ]);
  const coGateway = await onAuxiliary.mosaic(
    "EIP20CoGateway",
    [
      await valueToken.getAddress(),
      await utilityToken.getAddress(),
      await auxiliaryAnchor.getAddress(),
      options.coGatewayBounty ?? DEFAULT_COGATEWAY_BOUNTY,
      await auxiliaryOrganization.getAddress(),
      await gateway.getAddress(),
      BURNER,
      maxStorageRootItems,
    ],
    auxiliaryLibraries,
  );
  const redeemPool = await onAuxiliary.mosaic("RedeemPool", [await auxiliaryOrganization.getAddress()]);

  // Wiring.
  await send("utilityToken.setCoGateway", utilityToken.setCoGateway(await coGateway.getAddress()));
  await send("gateway.activateGateway", gateway.activateGateway(await coGateway.getAddress()));
  await send(
    "origin anchor.setCoAnchorAddress",
    originAnchor.setCoAnchorAddress(await auxiliaryAnchor.getAddress()),
  );
  await send(
    "auxiliary anchor.setCoAnchorAddress",
    auxiliaryAnchor.setCoAnchorAddress(await originAnchor.getAddress()),
  );
  progress("gateway activated, utility token and anchors wired");

  const originContracts: OriginContracts = {
    valueToken: await valueToken.getAddress(),
    baseToken: await baseToken.getAddress(),
    organization: await originOrganization.getAddress(),
    anchor: await originAnchor.getAddress(),
    gateway: await gateway.getAddress(),
    ostComposer: await ostComposer.getAddress(),
  };
  const auxiliaryContracts: AuxiliaryContracts = {
    organization: await auxiliaryOrganization.getAddress(),
    anchor: await auxiliaryAnchor.getAddress(),
    utilityToken: await utilityToken.getAddress(),
    coGateway: await coGateway.getAddress(),
    redeemPool: await redeemPool.getAddress(),
  };
  return {
    version: DEPLOYMENT_FILE_VERSION,
    origin: {
      chainId: origin.chainId,
      rpcUrl: origin.rpcUrl,
      deploymentBlock: onOrigin.firstBlock ?? 0,
      contracts: originContracts,
    },
    auxiliary: {
      chainId: auxiliary.chainId,
      rpcUrl: auxiliary.rpcUrl,
      deploymentBlock: onAuxiliary.firstBlock ?? 0,
      contracts: auxiliaryContracts,
    },
  };
}
