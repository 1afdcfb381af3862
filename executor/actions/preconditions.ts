// The contract facts a decision assumed, read again at the latest block just before sending: the
// indexed state may be behind, or a reorg may have taken it back. A fact that no longer holds
// drops the action (nothing is sent).
import { Contract, type JsonRpcProvider } from "ethers";
import { anchorContract, latestAnchoredHeight } from "../../chain/anchoring.ts";
import type { Gateway, OstComposer, RedeemPool } from "../../chain/contract-types.ts";
import type { Deployment } from "../../chain/deployment-file.ts";
import { mosaicAbi } from "../../chain/mosaic-artifacts.ts";
import { MESSAGE_STATUS, provenStorageRoot } from "../../chain/proofs.ts";
import type { Action, ChainName, Precondition } from "../decide/index.ts";

export interface ChainReaders {
  deployment: Deployment;
  providers: Record<ChainName, JsonRpcProvider>;
}

function gatewayOn(chain: ChainName, readers: ChainReaders): Gateway {
  const address =
    chain === "origin"
      ? readers.deployment.origin.contracts.gateway
      : readers.deployment.auxiliary.contracts.coGateway;
  return new Contract(address, mosaicAbi("EIP20Gateway"), readers.providers[chain]) as Gateway;
}

async function requestOpen(action: Action, readers: ChainReaders, requestHash: string): Promise<boolean> {
  if (action.step === "acceptRedeem") {
    const pool = new Contract(
      action.redeemPool,
      mosaicAbi("RedeemPool"),
      readers.providers.auxiliary,
    ) as RedeemPool;
    const open = await pool.redeemRequestHashes(action.redeemer, action.cogateway);
    return open.toLowerCase() === requestHash.toLowerCase();
  }
  const composer = new Contract(
    readers.deployment.origin.contracts.ostComposer,
    mosaicAbi("OSTComposer"),
    readers.providers.origin,
  ) as OstComposer;
  return composer.stakeRequests(requestHash);
}

/** The first precondition that no longer holds, described; undefined when all hold. */
export async function brokenPrecondition(action: Action, readers: ChainReaders): Promise<string | undefined> {
  for (const precondition of action.preconditions) {
    const holds = await check(action, precondition, readers);
    if (!holds) return describe(precondition);
  }
  return undefined;
}

async function check(action: Action, precondition: Precondition, readers: ChainReaders): Promise<boolean> {
  switch (precondition.check) {
    case "requestOpen":
      return requestOpen(action, readers, precondition.requestHash);
    case "messageStatus": {
      const gateway = gatewayOn(precondition.chain, readers);
      const status = Number(
        precondition.box === "outbox"
          ? await gateway.getOutboxMessageStatus(precondition.messageHash)
          : await gateway.getInboxMessageStatus(precondition.messageHash),
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
    case "storageRoot": {
      const gateway = await gatewayOn(precondition.chain, readers).getAddress();
      const root = await provenStorageRoot(
        readers.providers[precondition.chain],
        gateway,
        precondition.blockHeight,
      );
      return (BigInt(root) !== 0n) === precondition.proven;
    }
  }
}

function anchorAddress(chain: ChainName, readers: ChainReaders): string {
  return readers.deployment[chain].contracts.anchor;
}

function describe(precondition: Precondition): string {
  switch (precondition.check) {
    case "requestOpen":
      return `request ${precondition.requestHash} is no longer open on ${precondition.chain}`;
    case "messageStatus":
      return `message ${precondition.messageHash} is not ${precondition.oneOf.join(" or ")} in the ${precondition.box} on ${precondition.chain}`;
    case "stateRootAnchored":
      return `height ${precondition.blockHeight} is not anchored on ${precondition.chain}`;
    case "latestAnchoredBelow":
      return `${precondition.chain}'s Anchor already holds a height at or above ${precondition.blockHeight}`;
    case "storageRoot":
      return `the storage root at ${precondition.blockHeight} on ${precondition.chain} is ${precondition.proven ? "not yet" : "already"} proven`;
  }
}
