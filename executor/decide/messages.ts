// The part both flows share once a request is accepted: a message declared in the source chain's
// outbox is confirmed in the target chain's inbox (after an anchor and a gateway proof there), then
// progressed on both chains. Stakes go origin -> auxiliary, redeems auxiliary -> origin.
import { planAnchor } from "./anchors.ts";
import { highest, type Context } from "./context.ts";
import type { Action, IntentKey, Precondition, ProgressAction } from "./decision.ts";
import { heightSubject } from "./decision.ts";
import { noteClosed, offer } from "./records.ts";
import type { ChainName, IndexedMessage, MessageBox, MessageKind } from "./state.ts";
import { sameHex } from "./state.ts";

export interface ConfirmInput {
  message: IndexedMessage;
  hashLock: string;
  gasPrice: bigint;
  gasLimit: bigint;
  blockHeight: bigint;
  retry: boolean;
  preconditions: Precondition[];
}

export interface Direction {
  kind: MessageKind;
  source: ChainName;
  target: ChainName;
  sourceGateway: string;
  targetGateway: string;
  /** Names the pair in proveGateway subjects (heightSubject); undefined for the first pair served. */
  proofTag?: string;
  acceptStep: "acceptStake" | "acceptRedeem";
  confirmStep: "confirmStakeIntent" | "confirmRedeemIntent";
  progressSourceStep: "progressStake" | "progressRedeem";
  progressTargetStep: "progressMint" | "progressUnstake";
  confirmAction(input: ConfirmInput): Action;
}

/** Heights of the source chain as the target chain's gateway sees them. */
export interface ProofHeights {
  proven: bigint[];
  /** proveGateway intents of ours not yet indexed: they will cover their heights. */
  underway: bigint[];
  /** The height a new proveGateway would use, if any: the highest anchored one not proven. */
  next: bigint | undefined;
}

/**
 * What a message still needs before it can be confirmed: "proof" when a new proveGateway should
 * cover it, a block when an anchor at or above it must come first, undefined when nothing.
 */
export type ProofNeed = "proof" | bigint | undefined;

/** Other work over the same proofs (the revert flows), planned together so one proof serves all. */
export type MoreWork = (direction: Direction, context: Context, heights: ProofHeights) => ProofNeed[];

export function decideMessages(direction: Direction, context: Context, more?: MoreWork): void {
  const { state } = context;
  const inbox = new Map(
    state[direction.target].messages
      .filter((message) => isOf(direction, message, "Inbox", direction.targetGateway))
      .map((message) => [message.id.toLowerCase(), message]),
  );
  const heights = proofHeights(direction, context);
  const waitingForAnchor: bigint[] = [];
  let proofNeeded = false;

  for (const message of state[direction.source].messages) {
    if (!isOf(direction, message, "Outbox", direction.sourceGateway)) continue;
    const confirmation = inbox.get(message.id.toLowerCase());
    if (!hasWorkLeft(message, confirmation)) continue;
    const hashLock = ownHashLock(direction, context, message, confirmation);
    if (hashLock === undefined) continue;
    if (confirmation === undefined && acceptUnsettled(direction, context, message)) continue;
    if (confirmation === undefined) {
      const need = planConfirmation(direction, context, message, hashLock, heights);
      if (need === "proof") proofNeeded = true;
      if (typeof need === "bigint") waitingForAnchor.push(need);
    } else {
      planProgress(direction, context, message, confirmation, hashLock);
    }
  }

  for (const need of more?.(direction, context, heights) ?? []) {
    if (need === "proof") proofNeeded = true;
    if (typeof need === "bigint") waitingForAnchor.push(need);
  }

  if (proofNeeded && heights.next !== undefined) planProof(direction, context, heights.next);
  planAnchor(direction, context, waitingForAnchor);
}

function isOf(direction: Direction, message: IndexedMessage, box: MessageBox, gateway: string): boolean {
  return message.kind === direction.kind && message.box === box && sameHex(message.gateway, gateway);
}

function proofHeights(direction: Direction, { state, records }: Context): ProofHeights {
  const target = state[direction.target];
  const proven = target.gatewayProofs
    .filter(
      (proof) =>
        sameHex(proof.gateway, direction.targetGateway) &&
        sameHex(proof.remoteGateway, direction.sourceGateway),
    )
    .map((proof) => proof.blockHeight)
    // A proof of ours not yet confirmed is still underway: no confirmation builds on it.
    .filter(
      (height) =>
        !records.unsettled({
          subject: heightSubject(direction.source, height, direction.proofTag),
          step: "proveGateway",
        }),
    );
  const underway = records.heightsUnderway("proveGateway", direction.source, direction.proofTag);
  const candidates = target.anchoredStateRoots
    .map((root) => root.blockHeight)
    .filter(
      (height) =>
        !proven.includes(height) &&
        !underway.includes(height) &&
        !records.abandoned("proveGateway", heightSubject(direction.source, height, direction.proofTag)),
    );
  return { proven, underway, next: highest(candidates) };
}

/**
 * Whether our accept of the message's request is out but not yet confirmed: the declaration it
 * made may still be taken back, so nothing is anchored, proven or confirmed for it yet.
 */
function acceptUnsettled(
  direction: Direction,
  { records, decision }: Context,
  message: IndexedMessage,
): boolean {
  const acceptance = records.acceptanceOf(message);
  if (acceptance === undefined) return false;
  if (!records.unsettled({ subject: acceptance.requestHash, step: direction.acceptStep })) return false;
  decision.waiting.push({
    subject: message.id,
    step: direction.confirmStep,
    for: "finality",
    detail: `our ${direction.acceptStep} is not confirmed yet: nothing builds on the declaration before`,
  });
  return true;
}

/** Reverts (RevocationDeclared, Revoked) are left to their own flow (reverts.ts). */
function hasWorkLeft(message: IndexedMessage, confirmation: IndexedMessage | undefined): boolean {
  if (message.status === "Declared") {
    return (
      confirmation === undefined ||
      confirmation.status === "Confirmed" ||
      confirmation.status === "Progressed"
    );
  }
  return message.status === "Progressed" && confirmation?.status === "Confirmed";
}

/**
 * The hash lock of a message this executor accepted and can open, or undefined (with a skip). Only
 * our own messages are confirmed: confirming earns nothing, and only the secret's holder can finish
 * a message, so confirming another facilitator's message cannot make it finish any sooner.
 */
function ownHashLock(
  direction: Direction,
  { records, decision }: Context,
  message: IndexedMessage,
  confirmation: IndexedMessage | undefined,
): string | undefined {
  const key = { subject: message.id, step: nextStep(direction, message, confirmation) };
  const acceptance = records.acceptanceOf(message);
  if (message.hashLock === null) {
    decision.skips.push({
      ...key,
      reason: "incompleteIndex",
      detail: "the message's hash lock is not indexed",
    });
  } else if (acceptance === undefined) {
    const holder = records.holderOf(message);
    decision.skips.push({
      ...key,
      reason: "notAcceptedByUs",
      detail:
        holder === undefined
          ? "accepted by another facilitator: we do not hold its secret"
          : `declared by someone else under the hash lock of our accept of ${holder.requestHash}, which declared ${holder.messageHash}: progressing it would reveal our secret`,
    });
  } else if (!acceptance.holdsSecret) {
    decision.skips.push({
      ...key,
      reason: "secretNotHeld",
      detail: "we accepted it but the unlock secret is not in the secret store",
    });
  } else {
    return acceptance.hashLock;
  }
  return undefined;
}

function nextStep(direction: Direction, message: IndexedMessage, confirmation: IndexedMessage | undefined) {
  if (confirmation === undefined) return direction.confirmStep;
  return message.status === "Declared" ? direction.progressSourceStep : direction.progressTargetStep;
}

/**
 * Offers the confirmation when a proven height covers the declaration, else says what it waits
 * for: "proof" when a new proveGateway should cover it, or the declaration block when it needs an
 * anchor first.
 */
function planConfirmation(
  direction: Direction,
  { records, decision, policy }: Context,
  message: IndexedMessage,
  hashLock: string,
  heights: ProofHeights,
): ProofNeed {
  const key = { subject: message.id, step: direction.confirmStep };
  const gate = records.gate(key);
  if (!gate.open) {
    noteClosed(decision, key, gate.status);
    return undefined;
  }
  const { declaredBlock, gasPrice, gasLimit } = message;
  if (declaredBlock === null || gasPrice === null || gasLimit === null) {
    decision.skips.push({
      ...key,
      reason: "incompleteIndex",
      detail: "the message's declaredBlock, gasPrice or gasLimit is not indexed",
    });
    return undefined;
  }
  const chosen = provenHeightFor(direction, { decision, policy }, key, declaredBlock, heights);
  if (typeof chosen === "object") {
    const { blockHeight } = chosen;
    decision.actions.push(
      direction.confirmAction({
        message,
        hashLock,
        gasPrice,
        gasLimit,
        blockHeight,
        retry: gate.retry,
        preconditions: [
          { check: "storageRoot", chain: direction.target, blockHeight, proven: true },
          messageStatus(direction.source, "outbox", message, ["Declared"]),
          messageStatus(direction.target, "inbox", message, ["Undeclared"]),
        ],
      }),
    );
    return undefined;
  }
  return chosen;
}

/**
 * The height to prove a message's status at, for a status it has held since `fromBlock`: the
 * highest proven height at or above it. Otherwise notes the wait and says what it needs.
 */
export function provenHeightFor(
  direction: Pick<Direction, "source" | "target">,
  { decision, policy }: Pick<Context, "decision" | "policy">,
  key: IntentKey,
  fromBlock: bigint,
  heights: ProofHeights,
): { blockHeight: bigint } | ProofNeed {
  // The highest proven height: the most recent root is the last one the Anchor's and the gateway's
  // ring buffers evict, and the most likely to be served by eth_getProof on a pruned node.
  const blockHeight = highest(heights.proven, fromBlock);
  if (blockHeight !== undefined) return { blockHeight };
  const underway = highest(heights.underway, fromBlock);
  const next = heights.next !== undefined && heights.next >= fromBlock ? heights.next : undefined;
  const proof = underway ?? next;
  if (proof !== undefined) {
    decision.waiting.push({
      ...key,
      for: "proof",
      detail: `waiting for proveGateway at ${direction.source} height ${proof} on ${direction.target}`,
    });
    return underway === undefined ? "proof" : undefined;
  }
  decision.waiting.push({
    ...key,
    for: "anchor",
    detail:
      `waiting for a ${direction.source} state root anchored on ${direction.target} at or above block ${fromBlock}` +
      (policy.anchoring === null ? " (anchored by the organization)" : ""),
  });
  return fromBlock;
}

/** One proof at the highest anchored height serves every message declared at or below it. */
function planProof(direction: Direction, context: Context, blockHeight: bigint): void {
  const key = {
    subject: heightSubject(direction.source, blockHeight, direction.proofTag),
    step: "proveGateway" as const,
  };
  offer(context.decision, context.records, key, (retry) => ({
    ...key,
    chain: direction.target,
    from: context.policy.facilitator,
    retry,
    gateway: direction.targetGateway,
    remoteGateway: direction.sourceGateway,
    blockHeight,
    preconditions: [
      { check: "stateRootAnchored", chain: direction.target, blockHeight },
      { check: "storageRoot", chain: direction.target, blockHeight, proven: false },
    ],
  }));
}

/**
 * Both sides at once; each only while not Progressed on its chain. Either side reveals the secret,
 * so both wait until the confirmation has the target chain's confirmations on top of it, and check
 * on-chain, at that depth, that it is still there.
 */
function planProgress(
  direction: Direction,
  context: Context,
  message: IndexedMessage,
  confirmation: IndexedMessage,
  hashLock: string,
): void {
  const { records, decision, policy } = context;
  const depth = policy.confirmations[direction.target];
  const unsettled = unsettledConfirmation(direction, context, confirmation, depth);
  const final: Precondition[] =
    depth > 0n ? [messageStatus(direction.target, "inbox", message, ["Declared", "Progressed"], depth)] : [];
  const progress = (
    step: ProgressAction["step"],
    chain: ChainName,
    gateway: string,
    preconditions: Precondition[],
  ) => {
    const key = { subject: message.id, step };
    const gate = records.gate(key);
    if (!gate.open) return noteClosed(decision, key, gate.status);
    if (unsettled !== undefined) return decision.waiting.push({ ...key, for: "finality", detail: unsettled });
    decision.actions.push({
      ...key,
      chain,
      from: policy.facilitator,
      retry: gate.retry,
      gateway,
      messageHash: message.id,
      hashLock,
      preconditions: [...preconditions, ...final],
    });
  };
  if (message.status === "Declared") {
    // Progressing reveals the secret: check first that the confirmation is still on the target
    // chain, or a reorg could leave the secret public and the message unconfirmed.
    progress(direction.progressSourceStep, direction.source, direction.sourceGateway, [
      messageStatus(direction.source, "outbox", message, ["Declared"]),
      messageStatus(direction.target, "inbox", message, ["Declared", "Progressed"]),
    ]);
  }
  if (confirmation.status === "Confirmed") {
    progress(direction.progressTargetStep, direction.target, direction.targetGateway, [
      messageStatus(direction.target, "inbox", message, ["Declared"]),
    ]);
  }
}

/** Why the confirmation is not yet deep enough to reveal the secret over, or undefined. */
function unsettledConfirmation(
  direction: Direction,
  { state }: Context,
  confirmation: IndexedMessage,
  depth: bigint,
): string | undefined {
  if (depth === 0n) return undefined;
  const { confirmedBlock } = confirmation;
  const head = state[direction.target].latestBlock;
  if (confirmedBlock === null) return `the confirmation's block on ${direction.target} is not indexed`;
  const onTop = head - confirmedBlock;
  if (onTop >= depth) return undefined;
  return `the confirmation in ${direction.target} block ${confirmedBlock} has ${onTop} of ${depth} blocks on top; the secret is revealed after that`;
}

export function messageStatus(
  chain: ChainName,
  box: "outbox" | "inbox",
  message: IndexedMessage,
  oneOf: Extract<Precondition, { check: "messageStatus" }>["oneOf"],
  depth?: bigint,
): Precondition {
  const precondition: Precondition = { check: "messageStatus", chain, box, messageHash: message.id, oneOf };
  return depth === undefined ? precondition : { ...precondition, depth: Number(depth) };
}
