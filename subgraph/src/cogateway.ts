// EIP20CoGateway (auxiliary): stake messages in its inbox, redeem messages in its outbox, proofs of
// the origin gateway, bounty changes.
import { Address } from "@graphprotocol/graph-ts";
import {
  BountyChangeConfirmed,
  BountyChangeInitiated,
  EIP20CoGateway,
  EIP20CoGateway__messagesResult,
  GatewayProven,
  MintProgressed,
  RedeemIntentDeclared,
  RedeemProgressed,
  RedeemReverted,
  RevertRedeemDeclared,
  RevertStakeIntentConfirmed,
  RevertStakeProgressed,
  StakeIntentConfirmed,
} from "../generated/EIP20CoGateway/EIP20CoGateway";
import { Message } from "../generated/schema";
import { recordEvent } from "./audit";
import {
  confirmedMessage,
  declaredMessage,
  MessageKind,
  MessageStatus,
  progressMessage,
  revokeMessage,
} from "./messages";
import { applyTerms } from "./message-terms";
import { recordGatewayProof } from "./proofs";
import { acceptRedeemRequest } from "./requests";

/** gasPrice, gasLimit and hashLock are in the cogateway's storage, not in the events. */
function readTerms(message: Message): void {
  const cogateway = EIP20CoGateway.bind(Address.fromBytes(message.gateway));
  applyTerms<EIP20CoGateway__messagesResult>(message, cogateway.try_messages(message.id), "cogateway");
}

export function handleStakeIntentConfirmed(event: StakeIntentConfirmed): void {
  const params = event.params;
  const message = confirmedMessage(
    event,
    params._messageHash,
    MessageKind.Stake,
    params._staker,
    params._stakerNonce,
    params._beneficiary,
    params._amount,
    params._blockHeight,
    params._hashLock,
  );
  readTerms(message);
  message.save();
  recordEvent(event, "StakeIntentConfirmed", message.id);
}

export function handleMintProgressed(event: MintProgressed): void {
  const params = event.params;
  progressMessage(
    event,
    "MintProgressed",
    params._messageHash,
    params._proofProgress,
    params._unlockSecret,
    params._rewardAmount,
    params._mintedAmount,
  );
  recordEvent(event, "MintProgressed", params._messageHash);
}

export function handleRevertStakeIntentConfirmed(event: RevertStakeIntentConfirmed): void {
  revokeMessage(event, "RevertStakeIntentConfirmed", event.params._messageHash, MessageStatus.Revoked);
  recordEvent(event, "RevertStakeIntentConfirmed", event.params._messageHash);
}

/** Declared in the ABI of 0.12.0 but never emitted by its source: kept in the audit trail only. */
export function handleRevertStakeProgressed(event: RevertStakeProgressed): void {
  recordEvent(event, "RevertStakeProgressed", event.params._messageHash);
}

export function handleRedeemIntentDeclared(event: RedeemIntentDeclared): void {
  const params = event.params;
  const message = declaredMessage(
    event,
    params._messageHash,
    MessageKind.Redeem,
    params._redeemer,
    params._redeemerNonce,
    params._beneficiary,
    params._amount,
  );
  readTerms(message);
  acceptRedeemRequest(message, event);
  message.save();
  recordEvent(event, "RedeemIntentDeclared", message.id, null, message.redeemRequest);
}

export function handleRedeemProgressed(event: RedeemProgressed): void {
  const params = event.params;
  progressMessage(
    event,
    "RedeemProgressed",
    params._messageHash,
    params._proofProgress,
    params._unlockSecret,
  );
  recordEvent(event, "RedeemProgressed", params._messageHash);
}

export function handleRevertRedeemDeclared(event: RevertRedeemDeclared): void {
  revokeMessage(event, "RevertRedeemDeclared", event.params._messageHash, MessageStatus.RevocationDeclared);
  recordEvent(event, "RevertRedeemDeclared", event.params._messageHash);
}

export function handleRedeemReverted(event: RedeemReverted): void {
  revokeMessage(event, "RedeemReverted", event.params._messageHash, MessageStatus.Revoked);
  recordEvent(event, "RedeemReverted", event.params._messageHash);
}

export function handleGatewayProven(event: GatewayProven): void {
  const params = event.params;
  recordGatewayProof(
    event,
    params._gateway,
    params._blockHeight,
    params._storageRoot,
    params._wasAlreadyProved,
  );
  recordEvent(event, "GatewayProven");
}

export function handleBountyChangeInitiated(event: BountyChangeInitiated): void {
  recordEvent(event, "BountyChangeInitiated");
}

export function handleBountyChangeConfirmed(event: BountyChangeConfirmed): void {
  recordEvent(event, "BountyChangeConfirmed");
}
