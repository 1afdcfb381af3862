// The optional anchoring role: record the source chain's state root on the target chain's Anchor
// when one of our messages (or, among several anchorers, any message of the pair) is declared
// above every anchored height there.
import { anchorTurn } from "./anchor-turns.ts";
import { highest, type Context } from "./context.ts";
import { heightSubject, type Precondition } from "./decision.ts";
import { noteClosed, offer } from "./records.ts";
import { sameHex, type ChainName, type IndexedState, type MessageKind } from "./state.ts";

/** A flow's direction, as far as anchoring needs it. */
interface AnchorDirection {
  kind: MessageKind;
  source: ChainName;
  target: ChainName;
  sourceGateway: string;
}

/**
 * `declaredBlocks`: the declarations of our messages that no anchored height covers. One anchor at
 * a time per direction: Anchor heights must rise, so a second one sent beside the first could only
 * cover what the first covers or make it revert.
 */
export function planAnchor(
  direction: AnchorDirection,
  { state, records, policy, decision }: Context,
  declaredBlocks: bigint[],
): void {
  const anchoring = policy.anchoring;
  if (anchoring === null) return;
  const { source, target } = direction;
  // With several gateway pairs each pair's messages ask; one anchor on the target serves them all.
  if (decision.actions.some((action) => action.step === "anchor" && action.chain === target)) return;
  const latest = highest(state[target].anchoredStateRoots.map((root) => root.blockHeight));
  // Anchorers that take turns cover each other: the turn's holder anchors for every message.
  const anchorers = anchoring.anchorers ?? [];
  const needed =
    anchorers.length > 0
      ? [...declaredBlocks, ...unanchoredDeclarations(direction, state, latest)]
      : declaredBlocks;
  if (needed.length === 0) return;

  // Ours and not indexed yet; one at or below the latest anchored height has landed or been passed.
  const underway = highest(
    records.heightsUnderway("anchor", source).filter((height) => latest === undefined || height > latest),
  );
  if (underway !== undefined) {
    const key = { subject: heightSubject(source, underway), step: "anchor" as const };
    const gate = records.gate(key);
    if (!gate.open) noteClosed(decision, key, gate.status);
    return;
  }

  // Anchor the newest height with enough confirmations: it covers every declaration up to it. The
  // root is read from our node, which may be behind the subgraph: its confirmations count there.
  const { latestBlock, nodeBlock } = state[source];
  const head = nodeBlock !== undefined && nodeBlock < latestBlock ? nodeBlock : latestBlock;
  const blockHeight = head - anchoring.confirmations;
  const key = { subject: heightSubject(source, blockHeight), step: "anchor" as const };
  const lowest = needed.reduce((a, b) => (b < a ? b : a));
  if (blockHeight < lowest) {
    decision.waiting.push({
      ...key,
      for: "finality",
      detail: `${source} block ${lowest} needs ${anchoring.confirmations} confirmations before it is anchored`,
    });
    return;
  }
  if (latest !== undefined && blockHeight < latest + anchoring.minInterval) {
    decision.waiting.push({
      ...key,
      for: "cadence",
      detail: `the next anchor of ${source} on ${target} is due at height ${latest + anchoring.minInterval}`,
    });
    return;
  }
  const preconditions: Precondition[] = [
    { check: "latestAnchoredBelow", chain: target, blockHeight },
    { check: "blockDepth", chain: source, blockHeight, confirmations: anchoring.confirmations },
  ];
  if (anchorers.length > 0) {
    const slot = latest ?? 0n;
    const cadence = latest === undefined ? lowest : latest + anchoring.minInterval;
    const due = cadence > lowest ? cadence : lowest;
    const turn = anchorTurn(slot, anchorers, policy.facilitator, due, policy.takeoverBlocks);
    if (blockHeight < turn.from) {
      decision.waiting.push({
        ...key,
        for: "anchorTurn",
        detail: `${turn.leader} anchors first after height ${slot}; our turn (position ${turn.position}) comes at ${source} height ${turn.from}`,
      });
      return;
    }
    // Whoever anchored since the slot was read has done this turn's work: sending would double it.
    if (latest !== undefined)
      preconditions.push({ check: "latestAnchoredBelow", chain: target, blockHeight: latest + 1n });
  }
  offer(decision, records, key, (retry) => ({
    ...key,
    chain: target,
    from: policy.facilitator,
    retry,
    source,
    blockHeight,
    preconditions,
  }));
}

/** Declarations of the pair's messages, whoever accepted them, that no anchored height covers yet. */
function unanchoredDeclarations(
  direction: AnchorDirection,
  state: IndexedState,
  latest: bigint | undefined,
): bigint[] {
  const confirmed = new Set(
    state[direction.target].messages
      .filter((message) => message.box === "Inbox")
      .map((message) => message.id.toLowerCase()),
  );
  return state[direction.source].messages.flatMap((message) =>
    message.kind === direction.kind &&
    message.box === "Outbox" &&
    message.status === "Declared" &&
    sameHex(message.gateway, direction.sourceGateway) &&
    !confirmed.has(message.id.toLowerCase()) &&
    message.declaredBlock !== null &&
    (latest === undefined || message.declaredBlock > latest)
      ? [message.declaredBlock]
      : [],
  );
}
