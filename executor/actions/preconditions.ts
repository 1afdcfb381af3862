// The contract facts a decision assumed, read again at the latest block just before sending: the
// indexed state may be behind, or a reorg may have taken it back. A fact that no longer holds
// drops the action (nothing is sent).
import { Contract, type JsonRpcProvider } from "ethers";
import { anchorContract, latestAnchoredHeight } from "../../chain/anchoring.ts";
import type { Gateway, OstComposer, RedeemPool } from "../../chain/contract-types.ts";
import type { Deployment } from "../../chain/deployment-file.ts";
import { MESSAGE_STATUS, provenStorageRoot } from "../../chain/proofs.ts";
import { stakeRequestHash } from "../../chain/request-hashes.ts";
import { mosaicInterface } from "../../chain/mosaic-artifacts.ts";
import type { Action, ChainName, GatewayPairPolicy, Precondition } from "../decide/index.ts";
import { gatewayOfPair, pairOfAction } from "./action-pair.ts";

export interface ChainReaders {
  deployment: Deployment;
  providers: Record<ChainName, JsonRpcProvider>;
  /** The gateway pairs served: an action's gateway on either chain is its pair's. */
  pairs: GatewayPairPolicy[];
}

/** The gateway (origin) or cogateway (auxiliary) of the action's pair. */
function gatewayOn(chain: ChainName, action: Action, readers: ChainReaders): Gateway {
  const address = gatewayOfPair(pairOfAction(action, readers.pairs), chain);
  return new Contract(address, mosaicInterface("EIP20Gateway"), readers.providers[chain]) as Gateway;
}

export function composerOf(readers: ChainReaders): OstComposer {
  return new Contract(
    readers.deployment.origin.contracts.ostComposer,
    mosaicInterface("OSTComposer"),
    readers.providers.origin,
  ) as OstComposer;
}

export function redeemPoolOf(readers: ChainReaders): RedeemPool {
  return new Contract(
    readers.deployment.auxiliary.contracts.redeemPool,
    mosaicInterface("RedeemPool"),
    readers.providers.auxiliary,
  ) as RedeemPool;
}

/** The request's id, as the deployment's composer or pool hashes the action's terms. */
async function hashOfTerms(action: Action, readers: ChainReaders): Promise<string | undefined> {
  if (action.step === "acceptStake") {
    const typeHash = await composerOf(readers).STAKEREQUEST_INTENT_TYPEHASH();
    return stakeRequestHash(readers.deployment.origin.contracts.ostComposer, typeHash, action);
  }
  if (action.step === "acceptRedeem") {
    const { amount, beneficiary, gasPrice, gasLimit, nonce, redeemer, cogateway } = action;
    return redeemPoolOf(readers).hashRedeemRequest(
      amount,
      beneficiary,
      gasPrice,
      gasLimit,
      nonce,
      redeemer,
      cogateway,
    );
  }
  return undefined;
}

async function requestOpen(action: Action, readers: ChainReaders, requestHash: string): Promise<boolean> {
  if (action.step === "acceptRedeem") {
    const open = await redeemPoolOf(readers).redeemRequestHashes(action.redeemer, action.cogateway);
    return open.toLowerCase() === requestHash.toLowerCase();
  }
  return composerOf(readers).stakeRequests(requestHash);
}

/** A precondition that no longer holds: which check, and why. */
export interface Broken {
  check: Precondition["check"];
  reason: string;
}

/** The first precondition that no longer holds, described; undefined when all hold. */
export async function brokenPrecondition(action: Action, readers: ChainReaders): Promise<Broken | undefined> {
  // Read at once (one round trip, not one per fact); the first broken in the action's order is said.
  const holds = await Promise.all(
    action.preconditions.map((precondition) => check(action, precondition, readers)),
  );
  const broken = action.preconditions.find((_, index) => !holds[index]);
  return broken && { check: broken.check, reason: describe(broken) };
}

async function check(action: Action, precondition: Precondition, readers: ChainReaders): Promise<boolean> {
  switch (precondition.check) {
    case "requestTerms": {
      const hash = await hashOfTerms(action, readers);
      return hash !== undefined && hash.toLowerCase() === precondition.requestHash.toLowerCase();
    }
    case "requestOpen":
      return requestOpen(action, readers, precondition.requestHash);
    case "messageStatus": {
      const gateway = gatewayOn(precondition.chain, action, readers);
      const blockTag = await atDepth(readers.providers[precondition.chain], precondition.depth);
      const status = Number(
        precondition.box === "outbox"
          ? await gateway.getOutboxMessageStatus(precondition.messageHash, { blockTag })
          : await gateway.getInboxMessageStatus(precondition.messageHash, { blockTag }),
      );
      return precondition.oneOf.includes(MESSAGE_STATUS[status] ?? "Undeclared");
    }
    case "stateRootAnchored": {
      const anchor = anchorContract(
        anchorAddress(precondition.chain, readers),
        readers.providers[precondition.chain],
      );
      return !/^0x0*$/.test(await anchor.getStateRoot(precondition.blockHeight));
    }
    case "latestAnchoredBelow": {
      const anchor = anchorContract(
        anchorAddress(precondition.chain, readers),
        readers.providers[precondition.chain],
      );
      return BigInt(await latestAnchoredHeight(anchor)) < precondition.blockHeight;
    }
    case "blockDepth": {
      const head = BigInt(await readers.providers[precondition.chain].getBlockNumber());
      return head >= precondition.blockHeight + precondition.confirmations;
    }
    case "storageRoot": {
      const gateway = await gatewayOn(precondition.chain, action, readers).getAddress();
      const root = await provenStorageRoot(
        readers.providers[precondition.chain],
        gateway,
        precondition.blockHeight,
      );
      return (BigInt(root) !== 0n) === precondition.proven;
    }
  }
}

/** The block `depth` below the latest, or "latest" without a depth. */
async function atDepth(provider: JsonRpcProvider, depth: number | undefined): Promise<number | "latest"> {
  if (!depth) return "latest";
  return Math.max(0, (await provider.getBlockNumber()) - depth);
}

function anchorAddress(chain: ChainName, readers: ChainReaders): string {
  return readers.deployment[chain].contracts.anchor;
}

function describe(precondition: Precondition): string {
  switch (precondition.check) {
    case "requestTerms":
      return `the indexed terms of request ${precondition.requestHash} do not hash to its id at the deployment's contract on ${precondition.chain}`;
    case "requestOpen":
      return `request ${precondition.requestHash} is no longer open on ${precondition.chain}`;
    case "messageStatus":
      return (
        `message ${precondition.messageHash} is not ${precondition.oneOf.join(" or ")} in the ${precondition.box} on ${precondition.chain}` +
        (precondition.depth ? ` ${precondition.depth} blocks below the latest` : "")
      );
    case "stateRootAnchored":
      return `height ${precondition.blockHeight} is not anchored on ${precondition.chain}`;
    case "latestAnchoredBelow":
      return `${precondition.chain}'s Anchor already holds a height at or above ${precondition.blockHeight}`;
    case "blockDepth":
      return `${precondition.chain}'s node does not have ${precondition.confirmations} blocks on top of height ${precondition.blockHeight} yet (the subgraph is ahead of it)`;
    case "storageRoot":
      return `the storage root at ${precondition.blockHeight} on ${precondition.chain} is ${precondition.proven ? "not yet" : "already"} proven`;
  }
}
