// Messages as this chain's gateway or cogateway sees them: declared in the outbox or confirmed in
// the inbox, then progressed, or taken through revocation. Shared by gateway.ts and cogateway.ts.
import { BigInt, Bytes, ethereum, log } from "@graphprotocol/graph-ts";
import { Message } from "../generated/schema";
import { stamp } from "./events";

export namespace MessageKind {
  export const Stake = "Stake";
  export const Redeem = "Redeem";
}

export namespace MessageBox {
  export const Outbox = "Outbox";
  export const Inbox = "Inbox";
}

export namespace MessageStatus {
  export const Declared = "Declared";
  export const Confirmed = "Confirmed";
  export const Progressed = "Progressed";
  export const RevocationDeclared = "RevocationDeclared";
  export const Revoked = "Revoked";
}

function newMessage(
  event: ethereum.Event,
  hash: Bytes,
  kind: string,
  box: string,
  sender: Bytes,
  nonce: BigInt,
  beneficiary: Bytes,
  amount: BigInt,
): Message {
  const message = new Message(hash);
  message.kind = kind;
  message.box = box;
  message.status = box == MessageBox.Outbox ? MessageStatus.Declared : MessageStatus.Confirmed;
  message.gateway = event.address;
  message.sender = sender;
  message.nonce = nonce;
  message.beneficiary = beneficiary;
  message.amount = amount;
  stamp(message, box == MessageBox.Outbox ? "declared" : "confirmed", event);
  return message;
}

/** A message declared in this chain's outbox; the caller adds its terms and links, then saves. */
export function declaredMessage(
  event: ethereum.Event,
  hash: Bytes,
  kind: string,
  sender: Bytes,
  nonce: BigInt,
  beneficiary: Bytes,
  amount: BigInt,
): Message {
  return newMessage(event, hash, kind, MessageBox.Outbox, sender, nonce, beneficiary, amount);
}

/** A message confirmed in this chain's inbox with a proof at `blockHeight` of the other chain. */
export function confirmedMessage(
  event: ethereum.Event,
  hash: Bytes,
  kind: string,
  sender: Bytes,
  nonce: BigInt,
  beneficiary: Bytes,
  amount: BigInt,
  blockHeight: BigInt,
  hashLock: Bytes,
): Message {
  const message = newMessage(event, hash, kind, MessageBox.Inbox, sender, nonce, beneficiary, amount);
  message.blockHeight = blockHeight;
  message.hashLock = hashLock;
  return message;
}

/** The terms that only the gateway's storage holds (read with messages(bytes32)). */
export function setTerms(message: Message, gasPrice: BigInt, gasLimit: BigInt, hashLock: Bytes): void {
  message.gasPrice = gasPrice;
  message.gasLimit = gasLimit;
  message.hashLock = hashLock;
}

function knownMessage(hash: Bytes, eventName: string): Message | null {
  const message = Message.load(hash);
  if (message == null) {
    log.warning("{}: message {} was never declared or confirmed on this chain", [
      eventName,
      hash.toHexString(),
    ]);
  }
  return message;
}

/** Progressed with the secret, or with a proof (then the event's secret is zero and not kept). */
export function progressMessage(
  event: ethereum.Event,
  eventName: string,
  hash: Bytes,
  withProof: boolean,
  unlockSecret: Bytes,
  rewardAmount: BigInt | null = null,
  mintedAmount: BigInt | null = null,
  unstakedAmount: BigInt | null = null,
): void {
  const message = knownMessage(hash, eventName);
  if (message == null) return;
  message.status = MessageStatus.Progressed;
  message.progressedWithProof = withProof;
  if (!withProof) message.unlockSecret = unlockSecret;
  message.rewardAmount = rewardAmount;
  message.mintedAmount = mintedAmount;
  message.unstakedAmount = unstakedAmount;
  stamp(message, "progressed", event);
  message.save();
}

/** A revocation step: RevocationDeclared (outbox) or Revoked (either box). */
export function revokeMessage(event: ethereum.Event, eventName: string, hash: Bytes, status: string): void {
  const message = knownMessage(hash, eventName);
  if (message == null) return;
  message.status = status;
  stamp(message, status == MessageStatus.Revoked ? "revoked" : "revocationDeclared", event);
  message.save();
}
