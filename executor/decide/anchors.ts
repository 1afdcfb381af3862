// The optional anchoring role: record the source chain's state root on the target chain's Anchor
// when one of our messages is declared above every anchored height there.
import { highest, type Context } from "./context.ts";
import { heightSubject } from "./decision.ts";
import { noteClosed, offer } from "./records.ts";
import type { ChainName } from "./state.ts";

/**
 * `declaredBlocks`: the declarations of our messages that no anchored height covers. One anchor at
 * a time per direction: Anchor heights must rise, so a second one sent beside the first could only
 * cover what the first covers or make it revert.
 */
export function planAnchor(
  direction: { source: ChainName; target: ChainName },
  { state, records, policy, decision }: Context,
  declaredBlocks: bigint[],
): void {
  const anchoring = policy.anchoring;
  if (anchoring === null || declaredBlocks.length === 0) return;
  const { source, target } = direction;
  const latest = highest(state[target].anchoredStateRoots.map((root) => root.blockHeight));

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

  // Anchor the newest height with enough confirmations: it covers every declaration up to it.
  const blockHeight = state[source].latestBlock - anchoring.confirmations;
  const key = { subject: heightSubject(source, blockHeight), step: "anchor" as const };
  const lowest = declaredBlocks.reduce((a, b) => (b < a ? b : a));
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
  offer(decision, records, key, (retry) => ({
    ...key,
    chain: target,
    from: policy.facilitator,
    retry,
    source,
    blockHeight,
    preconditions: [{ check: "latestAnchoredBelow", chain: target, blockHeight }],
  }));
}
