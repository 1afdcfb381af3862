// Helpers shared by every mapping: entity ids from events, and the block, timestamp and transaction
// of a transition ("requested", "declared", …) written as <transition>Block/Timestamp/Transaction.
import { BigInt, Bytes, Entity, Value, ethereum } from "@graphprotocol/graph-ts";

/** transaction hash ++ log index: unique per log, for entities recorded once per event. */
export function eventId(event: ethereum.Event): Bytes {
  return event.transaction.hash.concatI32(event.logIndex.toI32());
}

/** A uint256 as its 32-byte big-endian word (graph-ts BigInt bytes are little-endian). */
export function uint256Bytes(value: BigInt): Bytes {
  const word = new Bytes(32);
  const length = value.length < 32 ? value.length : 32;
  for (let i = 0; i < length; i++) word[31 - i] = value[i];
  return word;
}

export function stamp(entity: Entity, transition: string, event: ethereum.Event): void {
  entity.set(transition + "Block", Value.fromBigInt(event.block.number));
  entity.set(transition + "Timestamp", Value.fromBigInt(event.block.timestamp));
  entity.set(transition + "Transaction", Value.fromBytes(event.transaction.hash));
}

/** Sets a transition's fields to null, so that a request made again does not keep old outcomes. */
export function unstamp(entity: Entity, transition: string): void {
  entity.unset(transition + "Block");
  entity.unset(transition + "Timestamp");
  entity.unset(transition + "Transaction");
}
