// EIP20Gateway (origin): stake messages in its outbox, redeem messages in its inbox, proofs of the
// auxiliary cogateway, bounty changes.
import { Address } from "@graphprotocol/graph-ts";
import {
  BountyChangeConfirmed,
  BountyChangeInitiated,
  EIP20Gateway,
  EIP20Gateway__messagesResult,
  GatewayProven,
  RedeemIntentConfirmed,
  RevertRedeemComplete,
  RevertRedeemIntentConfirmed,
  RevertStakeIntentDeclared,
  StakeIntentDeclared,
  StakeProgressed,
  StakeReverted,
  UnstakeProgressed,
} from "../generated/EIP20Gateway/EIP20Gateway";
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
import { acceptStakeRequest } from "./requests";

/** gasPrice, gasLimit and hashLock are in the gateway's storage, not in the events. */
function readTerms(message: Message): void {
  const gateway = EIP20Gateway.bind(Address.fromBytes(message.gateway));
  applyTerms<EIP20Gateway__messagesResult>(message, gateway.try_messages(message.id), "gateway");
}

export function handleStakeIntentDeclared(event: StakeIntentDeclared): void {
  const params = event.params;
  const message = declaredMessage(
    event,
    params._messageHash,
    MessageKind.Stake,
    params._staker,
    params._stakerNonce,
    params._beneficiary,
    params._amount,
  );
  readTerms(message);
  acceptStakeRequest(message, event);
  message.save();
  recordEvent(event, "StakeIntentDeclared", message.id, message.stakeRequest);
}

export function handleStakeProgressed(event: StakeProgressed): void {
  const params = event.params;
  progressMessage(event, "StakeProgressed", params._messageHash, params._proofProgress, params._unlockSecret);
  recordEvent(event, "StakeProgressed", params._messageHash);
}

export function handleRevertStakeIntentDeclared(event: RevertStakeIntentDeclared): void {
  revokeMessage(
    event,
    "RevertStakeIntentDeclared",
    event.params._messageHash,
    MessageStatus.RevocationDeclared,
  );
  recordEvent(event, "RevertStakeIntentDeclared", event.params._messageHash);
}

export function handleStakeReverted(event: StakeReverted): void {
  revokeMessage(event, "StakeReverted", event.params._messageHash, MessageStatus.Revoked);
  recordEvent(event, "StakeReverted", event.params._messageHash);
}

export function handleRedeemIntentConfirmed(event: RedeemIntentConfirmed): void {
  const params = event.params;
  const message = confirmedMessage(
    event,
    params._messageHash,
    MessageKind.Redeem,
    params._redeemer,
    params._redeemerNonce,
    params._beneficiary,
    params._amount,
    params._blockHeight,
    params._hashLock,
  );
  readTerms(message);
  message.save();
  recordEvent(event, "RedeemIntentConfirmed", message.id);
}

export function handleUnstakeProgressed(event: UnstakeProgressed): void {
  const params = event.params;
  progressMessage(
    event,
    "UnstakeProgressed",
    params._messageHash,
    params._proofProgress,
    params._unlockSecret,
    params._rewardAmount,
    null,
    params._unstakeAmount,
  );
  recordEvent(event, "UnstakeProgressed", params._messageHash);
}

export function handleRevertRedeemIntentConfirmed(event: RevertRedeemIntentConfirmed): void {
  revokeMessage(event, "RevertRedeemIntentConfirmed", event.params._messageHash, MessageStatus.Revoked);
  recordEvent(event, "RevertRedeemIntentConfirmed", event.params._messageHash);
}

/** Declared in the ABI of 0.12.0 but never emitted by its source: kept in the audit trail only. */
export function handleRevertRedeemComplete(event: RevertRedeemComplete): void {
  recordEvent(event, "RevertRedeemComplete", event.params._messageHash);
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
