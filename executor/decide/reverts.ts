// The revert flows, completed for any message of the served pair whose sender declared a
// revocation (revertStake on origin, revertRedeem on auxiliary): the revocation in the source
// outbox is proven on the target chain (confirmRevertStakeIntent / confirmRevertRedeemIntent, the
// target inbox becomes Revoked), then that inbox is proven back on the source chain
// (progressRevertStake / progressRevertRedeem, the amount goes back to the sender and the bounty is
// burned). Neither needs a secret and neither pays the sender of the transaction anything; the
// executor completes them so that the sender's funds come back.
//
// Both steps prove one chain's box on the other with the same proveGateway heights as the forward
// flow, so they are planned inside decideMessages (as its `more` work) for one direction, with its
// proof heights: for the direction S -> T they are the confirmation of the revocation of a message
// declared on S, and the progress on T of a message of the other kind declared on T whose inbox
// copy on S is Revoked.
import type { Context } from "./context.ts";
import type { RevertStep } from "./decision.ts";
import { holdBack } from "./leader.ts";
import {
  messageStatus,
  provenHeightFor,
  type Direction,
  type ProofHeights,
  type ProofNeed,
} from "./messages.ts";
import { noteClosed } from "./records.ts";
import type { ChainName, IndexedMessage, MessageBox, MessageKind } from "./state.ts";
import { sameHex } from "./state.ts";

const CONFIRM_STEP: Record<MessageKind, RevertStep> = {
  Stake: "confirmRevertStakeIntent",
  Redeem: "confirmRevertRedeemIntent",
};
const PROGRESS_STEP: Record<MessageKind, RevertStep> = {
  Stake: "progressRevertStake",
  Redeem: "progressRevertRedeem",
};
const LOST_STEP: Record<MessageKind, RevertStep> = {
  Stake: "progressStakeWithProof",
  Redeem: "progressRedeemWithProof",
};

export function decideReverts(direction: Direction, context: Context, heights: ProofHeights): ProofNeed[] {
  if (context.policy.completeReverts === false) return [];
  return [
    ...confirmRevocations(direction, context, heights),
    ...progressRevocations(direction, context, heights),
  ];
}

/** Revocations declared in the source outbox: confirmed in the target inbox. */
function confirmRevocations(direction: Direction, context: Context, heights: ProofHeights): ProofNeed[] {
  const { state, decision } = context;
  const { kind, source, target, sourceGateway, targetGateway } = direction;
  const needs: ProofNeed[] = [];
  for (const outbox of state[source].messages) {
    if (!isOf(outbox, kind, "Outbox", sourceGateway) || outbox.status !== "RevocationDeclared") continue;
    const key = { subject: outbox.id, step: CONFIRM_STEP[kind] };
    const inbox = copyOf(context, target, outbox, "Inbox", targetGateway);
    if (inbox === undefined) {
      decision.skips.push({
        ...key,
        reason: "revertUnconfirmed",
        detail:
          `the intent is not confirmed on ${target}: its revocation can only be confirmed there once the intent is; ` +
          "its sender confirms it (this executor confirms only the messages it accepted)",
      });
      continue;
    }
    if (inbox.status === "Progressed") {
      decision.skips.push({
        ...key,
        reason: "revertLost",
        detail: `the message was progressed on ${target} (its secret revealed there) before its revocation was confirmed: the revert can no longer complete`,
      });
      continue;
    }
    // Revoked: confirmed already; the progress is planned with the other direction's proofs.
    if (inbox.status !== "Confirmed") continue;
    const need = planRevertStep(direction, context, heights, key, outbox.revocationDeclaredBlock, [
      messageStatus(source, "outbox", outbox, ["DeclaredRevocation"]),
      messageStatus(target, "inbox", outbox, ["Declared"]),
    ]);
    needs.push(need);
  }
  return needs;
}

/**
 * Messages of the other kind, declared on the target chain, whose revocation is confirmed in the
 * source chain's inbox (Revoked there), or lost to a progress there (Progressed): progressed on the
 * target chain with a proof of that inbox.
 */
function progressRevocations(direction: Direction, context: Context, heights: ProofHeights): ProofNeed[] {
  const { state } = context;
  const { source, target, sourceGateway, targetGateway } = direction;
  const kind: MessageKind = direction.kind === "Stake" ? "Redeem" : "Stake";
  const needs: ProofNeed[] = [];
  for (const outbox of state[target].messages) {
    if (!isOf(outbox, kind, "Outbox", targetGateway) || outbox.status !== "RevocationDeclared") continue;
    const inbox = copyOf(context, source, outbox, "Inbox", sourceGateway);
    if (inbox?.status === "Revoked") {
      const key = { subject: outbox.id, step: PROGRESS_STEP[kind] };
      const need = planRevertStep(direction, context, heights, key, inbox.revokedBlock, [
        messageStatus(source, "inbox", outbox, ["Revoked"]),
        messageStatus(target, "outbox", outbox, ["DeclaredRevocation"]),
      ]);
      needs.push(need);
    }
    // The revert lost its race (the message was progressed on the other chain first): the outbox
    // stays DeclaredRevocation, with the amount and the bounty held, until it is progressed with a
    // proof of that inbox, which the contract allows from DeclaredRevocation and pays the bounty for.
    if (inbox?.status === "Progressed") {
      const key = { subject: outbox.id, step: LOST_STEP[kind] };
      const need = planRevertStep(direction, context, heights, key, inbox.progressedBlock, [
        messageStatus(source, "inbox", outbox, ["Progressed"]),
        messageStatus(target, "outbox", outbox, ["DeclaredRevocation"]),
      ]);
      needs.push(need);
    }
  }
  return needs;
}

/**
 * Offers the step on the target chain with the proof at the highest proven source height at or
 * above `fromBlock` (the block since which the proven status holds), or says what it waits for.
 */
function planRevertStep(
  direction: Direction,
  context: Context,
  heights: ProofHeights,
  key: { subject: string; step: RevertStep },
  fromBlock: bigint | null | undefined,
  statuses: ReturnType<typeof messageStatus>[],
): ProofNeed {
  const { records, decision, policy } = context;
  const gate = records.gate(key);
  if (!gate.open) {
    noteClosed(decision, key, gate.status);
    return undefined;
  }
  if (fromBlock === null || fromBlock === undefined) {
    decision.skips.push({
      ...key,
      reason: "incompleteIndex",
      detail:
        "the block the proof must reach (revocationDeclaredBlock, revokedBlock or progressedBlock) is not indexed",
    });
    return undefined;
  }
  // Anyone may complete a revert, so several facilitators take turns as they do for requests: the
  // order is by message hash among the source organization's workers at the revocation's block.
  if (holdBack(context, key, { id: key.subject, requestedBlock: fromBlock }, direction.source))
    return undefined;
  const chosen = provenHeightFor(direction, context, key, fromBlock, heights);
  if (typeof chosen !== "object") return chosen;
  const { blockHeight } = chosen;
  decision.actions.push({
    ...key,
    chain: direction.target,
    from: policy.facilitator,
    retry: gate.retry,
    gateway: direction.targetGateway,
    remoteGateway: direction.sourceGateway,
    messageHash: key.subject,
    blockHeight,
    preconditions: [
      { check: "storageRoot", chain: direction.target, blockHeight, proven: true },
      ...statuses,
    ],
  });
  return undefined;
}

function isOf(message: IndexedMessage, kind: MessageKind, box: MessageBox, gateway: string): boolean {
  return message.kind === kind && message.box === box && sameHex(message.gateway, gateway);
}

function copyOf(
  { state }: Context,
  chain: ChainName,
  message: IndexedMessage,
  box: MessageBox,
  gateway: string,
): IndexedMessage | undefined {
  return state[chain].messages.find(
    (copy) => sameHex(copy.id, message.id) && isOf(copy, message.kind, box, gateway),
  );
}
