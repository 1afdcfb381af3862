// Deploys the real Mosaic contracts on two chains and wires them together: organizations with a
// facilitator worker, libraries linked into the gateways, anchors with initial state roots and
// co-anchors, the gateway pair (activated), the utility token with its cogateway, the composer and
// the redeem pool. Returns the deployment file's content.
//
// Transactions go out in two stages (contracts, then wiring), each sent at once and waited for as a
// whole, so that chains mining on an interval take a few blocks rather than one per transaction.
import {
  Contract,
  ContractFactory,
  type ContractTransactionResponse,
  type JsonRpcProvider,
  type Signer,
} from "ethers";
import { blockHeader, headBlockNumber } from "../chain/blocks.ts";
import type { Anchor, Gateway, UtilityToken } from "../chain/contract-types.ts";
import type {
  AuxiliaryContracts,
  Deployment,
  GatewayPair,
  OriginContracts,
} from "../chain/deployment-file.ts";
import { DEPLOYMENT_FILE_VERSION } from "../chain/deployment-file.ts";
import {
  linkBytecode,
  mosaicArtifact,
  tokenArtifact,
  type Artifact,
  type MosaicContractName,
} from "../chain/mosaic-artifacts.ts";
import { receiptOf, ReceiptTimeoutError } from "../chain/receipts.ts";
import { sendPair, type SentPair, type SharedContracts } from "./deploy-pair.ts";

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
  /** More facilitators, made workers of both organizations too (several facilitators). */
  extraWorkers?: string[];
  /** Base tokens (origin, smallest unit) a stake's facilitator deposits; returned on progress. */
  gatewayBounty?: bigint;
  /** Auxiliary base coin (wei) a redeem's facilitator deposits; returned on progress. */
  coGatewayBounty?: bigint;
  maxStateRoots?: number;
  maxStorageRootItems?: number;
  /** Gateway pairs to deploy (default 1); further ones share the first's organizations and Anchors. */
  gatewayPairs?: number;
  progress?: (message: string) => void;
}

/** Where penalties go; nobody holds its key. */
export const BURNER = "0x000000000000000000000000000000000000dEaD";
/** Workers of a development organization never expire. */
const WORKER_EXPIRATION_HEIGHT = 2n ** 64n;

export const DEFAULT_GATEWAY_BOUNTY = 10n ** 18n;
export const DEFAULT_COGATEWAY_BOUNTY = 10n ** 16n;

/** How long one stage's transactions may take to be mined before the deployment gives up. */
const STAGE_TIMEOUT_MS = 120_000;

interface Sent {
  label: string;
  response: ContractTransactionResponse;
  /** For a deployment, the contract's address. */
  address?: string;
}

/** Sends one chain's transactions in stages: everything in a stage is sent at once with consecutive
 * nonces, then `settle` waits for all of it. On a chain that makes a block every few seconds, a
 * stage costs one or two blocks rather than a block per transaction. Contract addresses are known
 * as soon as a deployment is sent, so later transactions of the same stage may name them; only a
 * transaction whose gas estimate runs code of another needs that code mined in an earlier stage. */
class ChainDeployer {
  firstBlock: number | undefined;
  private nonce: number | undefined;
  private pending: Sent[] = [];
  constructor(
    private readonly signer: Signer,
    private readonly chainName: string,
  ) {}

  private async nextNonce(): Promise<number> {
    this.nonce ??= await this.signer.getNonce("pending");
    return this.nonce++;
  }

  /** Sends the deployment; the contract is there once `settle` returns. */
  async deploy<T extends Contract = Contract>(
    label: string,
    artifact: Artifact,
    args: unknown[] = [],
  ): Promise<T> {
    const factory = new ContractFactory(artifact.abi, artifact.bytecode, this.signer);
    const contract = await this.sending(label, async () =>
      factory.deploy(...args, { nonce: await this.nextNonce() }),
    );
    const response = contract.deploymentTransaction();
    if (!response) throw new Error(`${this.chainName}: deploying ${label} sent no transaction`);
    this.pending.push({ label, response, address: await contract.getAddress() });
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

  /** MerklePatriciaProof, then MessageBus and GatewayLib linked against it (libraries run no code
   * when deployed, so all three go in one stage). */
  async libraries(): Promise<Record<string, string>> {
    const merklePatriciaProof = await (await this.mosaic("MerklePatriciaProof")).getAddress();
    const linked = { MerklePatriciaProof: merklePatriciaProof };
    const messageBus = await (await this.mosaic("MessageBus", [], linked)).getAddress();
    const gatewayLib = await (await this.mosaic("GatewayLib", [], linked)).getAddress();
    return { MessageBus: messageBus, GatewayLib: gatewayLib };
  }

  /** Sends a contract call; it is done once `settle` returns. */
  async call(
    label: string,
    send: (overrides: { nonce: number }) => Promise<ContractTransactionResponse>,
  ): Promise<void> {
    const response = await this.sending(label, async () => send({ nonce: await this.nextNonce() }));
    this.pending.push({ label, response });
  }

  /** Waits until every transaction sent since the last stage is mined; fails naming the first that
   * failed (in the order they were sent). Returns a line for each contract deployed. */
  async settle(): Promise<string[]> {
    const stage = this.pending;
    this.pending = [];
    const deployed: string[] = [];
    const results = await Promise.allSettled(
      stage.map(async ({ response }) => receiptOf(response.provider, response.hash, STAGE_TIMEOUT_MS)),
    );
    for (const [index, result] of results.entries()) {
      const { label, address } = stage[index]!;
      const what = address ? `deploying ${label}` : label;
      if (result.status === "rejected") {
        const error = result.reason as Error & { shortMessage?: string };
        throw new Error(
          error instanceof ReceiptTimeoutError
            ? `${this.chainName}: ${what} was not mined within ${STAGE_TIMEOUT_MS / 1000} s: is the chain making blocks?`
            : `${this.chainName}: ${what} failed: ${error.shortMessage ?? error.message}`,
        );
      }
      const receipt = result.value;
      if (receipt.status !== 1) throw new Error(`${this.chainName}: ${what} failed`);
      this.firstBlock = Math.min(this.firstBlock ?? receipt.blockNumber, receipt.blockNumber);
      if (address) deployed.push(`${this.chainName}: ${label} at ${address}`);
    }
    return deployed;
  }

  private async sending<R>(label: string, send: () => Promise<R>): Promise<R> {
    try {
      return await send();
    } catch (error) {
      const { shortMessage, message } = error as Error & { shortMessage?: string };
      throw new Error(`${this.chainName}: sending ${label} failed: ${shortMessage ?? message}`);
    }
  }
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
  const onOrigin = new ChainDeployer(origin.owner, "origin");
  const onAuxiliary = new ChainDeployer(auxiliary.owner, "auxiliary");
  const settleBoth = async () => {
    const deployed = await Promise.all([onOrigin.settle(), onAuxiliary.settle()]);
    for (const line of deployed.flat()) progress(line);
  };
  const originOwner = await origin.owner.getAddress();
  const auxiliaryOwner = await auxiliary.owner.getAddress();
  const [originRoot, auxiliaryRoot] = await Promise.all([
    initialRoot(origin.provider),
    initialRoot(auxiliary.provider),
  ]);

  // First stage, both chains at once: every contract. None of their constructors calls another
  // contract, so they need not wait for each other's code; the addresses are known when sent.
  // Origin: tokens, organization, libraries, anchor (auxiliary roots), gateway, composer.
  const token = tokenArtifact();
  const valueToken = await onOrigin.deploy("value token", token, ["Mosaic Value Token", "MVT"]);
  const baseToken = await onOrigin.deploy("base token", token, ["Mosaic Base Token", "MBT"]);
  const workers = [facilitator, ...(options.extraWorkers ?? [])];
  const originOrganization = await onOrigin.mosaic("Organization", [
    originOwner,
    originOwner,
    workers,
    WORKER_EXPIRATION_HEIGHT,
  ]);
  const originLibraries = await onOrigin.libraries();
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
    workers,
    WORKER_EXPIRATION_HEIGHT,
  ]);
  const auxiliaryLibraries = await onAuxiliary.libraries();
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
  const morePairs = await sendMorePairs(options, onOrigin, onAuxiliary, {
    baseToken: await baseToken.getAddress(),
    organization: {
      origin: await originOrganization.getAddress(),
      auxiliary: await auxiliaryOrganization.getAddress(),
    },
    anchor: { origin: await originAnchor.getAddress(), auxiliary: await auxiliaryAnchor.getAddress() },
    libraries: { origin: originLibraries, auxiliary: auxiliaryLibraries },
    gatewayBounty: options.gatewayBounty ?? DEFAULT_GATEWAY_BOUNTY,
    coGatewayBounty: options.coGatewayBounty ?? DEFAULT_COGATEWAY_BOUNTY,
    burner: BURNER,
    maxStorageRootItems,
  });

  await settleBoth();

  // Second stage: the wiring, whose calls ask the organizations (deployed above) who may call.
  await onOrigin.call("gateway.activateGateway", async (overrides) =>
    gateway.activateGateway(await coGateway.getAddress(), overrides),
  );
  await onOrigin.call("anchor.setCoAnchorAddress", async (overrides) =>
    originAnchor.setCoAnchorAddress(await auxiliaryAnchor.getAddress(), overrides),
  );
  await onAuxiliary.call("utilityToken.setCoGateway", async (overrides) =>
    utilityToken.setCoGateway(await coGateway.getAddress(), overrides),
  );
  await onAuxiliary.call("anchor.setCoAnchorAddress", async (overrides) =>
    auxiliaryAnchor.setCoAnchorAddress(await originAnchor.getAddress(), overrides),
  );
  for (const pair of morePairs) await pair.wire(onOrigin, onAuxiliary);
  await settleBoth();
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
  const firstPair: GatewayPair = {
    gateway: originContracts.gateway,
    coGateway: auxiliaryContracts.coGateway,
    valueToken: originContracts.valueToken,
    baseToken: originContracts.baseToken,
    utilityToken: auxiliaryContracts.utilityToken,
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
    ...(morePairs.length > 0 && { pairs: [firstPair, ...morePairs.map((sent) => sent.pair)] }),
  };
}

/** Pairs 2 and on (options.gatewayPairs), sent in the first stage beside the first pair. */
async function sendMorePairs(
  options: DeployOptions,
  onOrigin: ChainDeployer,
  onAuxiliary: ChainDeployer,
  shared: SharedContracts,
): Promise<SentPair[]> {
  const sent: SentPair[] = [];
  for (let number = 2; number <= (options.gatewayPairs ?? 1); number++) {
    sent.push(await sendPair(number, shared, onOrigin, onAuxiliary));
  }
  return sent;
}
