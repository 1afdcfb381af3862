// GatewayProven, from the gateway (origin) and the cogateway (auxiliary) alike.
import { BigInt, Bytes, ethereum } from "@graphprotocol/graph-ts";
import { GatewayProof } from "../generated/schema";
import { eventId } from "./events";

export function recordGatewayProof(
  event: ethereum.Event,
  remoteGateway: Bytes,
  blockHeight: BigInt,
  storageRoot: Bytes,
  wasAlreadyProved: boolean,
): void {
  const proof = new GatewayProof(eventId(event));
  proof.gateway = event.address;
  proof.remoteGateway = remoteGateway;
  proof.blockHeight = blockHeight;
  proof.storageRoot = storageRoot;
  proof.wasAlreadyProved = wasAlreadyProved;
  proof.block = event.block.number;
  proof.timestamp = event.block.timestamp;
  proof.transaction = event.transaction.hash;
  proof.save();
}
