// Organization (both chains): the workers of the OSTComposer's (origin) and the RedeemPool's
// (auxiliary) organization, so that every facilitator sees the same set of workers at the same
// block. OriginOrganization and AuxiliaryOrganization share this mapping, so it reads the plain
// ethereum.Event: WorkerSet(address indexed worker, uint256 expirationHeight), WorkerUnset(address worker).
import { Address, BigInt, ethereum } from "@graphprotocol/graph-ts";
import { Worker, WorkerChange } from "../generated/schema";
import { recordEvent } from "./audit";
import { eventId } from "./events";

function recordChange(event: ethereum.Event, worker: Address, expirationHeight: BigInt): void {
  const id = event.address.concat(worker);
  let entry = Worker.load(id);
  if (entry == null) {
    entry = new Worker(id);
    entry.organization = event.address;
    entry.worker = worker;
  }
  entry.expirationHeight = expirationHeight;
  entry.changedBlock = event.block.number;
  entry.save();

  const change = new WorkerChange(eventId(event));
  change.organization = event.address;
  change.worker = worker;
  change.workerEntry = id;
  change.expirationHeight = expirationHeight;
  change.block = event.block.number;
  change.logIndex = event.logIndex;
  change.timestamp = event.block.timestamp;
  change.transaction = event.transaction.hash;
  change.save();
}

export function handleWorkerSet(event: ethereum.Event): void {
  recordChange(event, event.parameters[0].value.toAddress(), event.parameters[1].value.toBigInt());
  recordEvent(event, "WorkerSet");
}

export function handleWorkerUnset(event: ethereum.Event): void {
  recordChange(event, event.parameters[0].value.toAddress(), BigInt.zero());
  recordEvent(event, "WorkerUnset");
}

// Changes of the organization's owner and admin: only on the audit trail.
export function handleOwnershipTransferInitiated(event: ethereum.Event): void {
  recordEvent(event, "OwnershipTransferInitiated");
}

export function handleOwnershipTransferCompleted(event: ethereum.Event): void {
  recordEvent(event, "OwnershipTransferCompleted");
}

export function handleAdminAddressChanged(event: ethereum.Event): void {
  recordEvent(event, "AdminAddressChanged");
}
