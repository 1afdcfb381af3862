// The executor benchmark's arithmetic: where each step of a flow begins and ends, how many blocks
// lie between two blocks (by number on one chain; by timestamps over the block time across the two
// chains, whose block numbers are unrelated), the floor of each step, and medians.

export type ChainName = "origin" | "auxiliary";

/** A mined block: its chain, number and timestamp (seconds). */
export interface BlockPoint {
  chain: ChainName;
  block: number;
  timestamp: number;
}

/** The blocks that mark one flow, from the subgraphs of both chains. */
export interface FlowBlocks {
  /** The request (source chain: origin for stakes, auxiliary for redeems). */
  requested: BlockPoint;
  /** The accept's declaration of the message (source chain). */
  declared: BlockPoint;
  /** The first anchor on the target chain of a source height at or above the declaration. */
  anchored: BlockPoint;
  /** The confirmation in the target chain's inbox. */
  confirmed: BlockPoint;
  /** Progress on the source chain (progressStake, progressRedeem). */
  progressedSource: BlockPoint;
  /** Progress on the target chain (progressMint, progressUnstake). */
  progressedTarget: BlockPoint;
}

export const STEPS = ["accept", "anchor", "prove-confirm", "progress", "total"] as const;
export type Step = (typeof STEPS)[number];

/**
 * The fewest blocks each step can take, given how the protocol, the executor and the anchorer work
 * (see bench/README.md): the executor acts only on what the subgraphs have indexed, so each
 * transaction that depends on another one's effect lands at least one block after it.
 */
export const STEP_FLOORS: Record<Step, number> = {
  // The request is mined and indexed before the accept is sent: the declaration is a later block.
  accept: 1,
  // A source height at or above the declaration can be anchored only once that block is mined.
  anchor: 1,
  // proveGateway needs the anchor indexed (a later block); confirm*Intent needs the proof indexed.
  "prove-confirm": 2,
  // Both progress calls are sent once the confirmation is indexed: each lands in a later block.
  progress: 1,
  total: 5,
};

/**
 * Blocks from `from` to `to`: the difference of block numbers on one chain; across chains, the
 * difference of timestamps divided by the block time (timestamps are whole seconds, so a cross-chain
 * figure is good to about one block).
 */
export function blocksBetween(from: BlockPoint, to: BlockPoint, blockTimeSeconds: number): number {
  if (from.chain === to.chain) return to.block - from.block;
  return (to.timestamp - from.timestamp) / blockTimeSeconds;
}

/** Each step of one flow in blocks; a step that ends on both chains ends at the later of the two. */
export function stepBlocks(flow: FlowBlocks, blockTimeSeconds: number): Record<Step, number> {
  const between = (from: BlockPoint, to: BlockPoint) => blocksBetween(from, to, blockTimeSeconds);
  const untilBothProgressed = (from: BlockPoint) =>
    Math.max(between(from, flow.progressedSource), between(from, flow.progressedTarget));
  return {
    accept: between(flow.requested, flow.declared),
    anchor: between(flow.declared, flow.anchored),
    "prove-confirm": between(flow.anchored, flow.confirmed),
    progress: untilBothProgressed(flow.confirmed),
    total: untilBothProgressed(flow.requested),
  };
}

/** The median: the middle value, or the mean of the two middle values of an even count. */
export function median(values: number[]): number {
  if (values.length === 0) throw new Error("no values to take a median of");
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** Per step: the median, the maximum, the floor and median / floor. */
export function summarizeSteps(
  flows: FlowBlocks[],
  blockTimeSeconds: number,
): Record<Step, { median: number; max: number; floor: number; ratio: number }> {
  const perFlow = flows.map((flow) => stepBlocks(flow, blockTimeSeconds));
  const summary = {} as Record<Step, { median: number; max: number; floor: number; ratio: number }>;
  for (const step of STEPS) {
    const values = perFlow.map((steps) => steps[step]);
    const middle = median(values);
    summary[step] = {
      median: middle,
      max: Math.max(...values),
      floor: STEP_FLOORS[step],
      ratio: middle / STEP_FLOORS[step],
    };
  }
  return summary;
}

/** Each step that some flow took in fewer blocks than its floor, with how many flows did. */
export function underFloor(flows: FlowBlocks[], blockTimeSeconds: number): string[] {
  const perFlow = flows.map((flow) => stepBlocks(flow, blockTimeSeconds));
  return STEPS.flatMap((step) => {
    const count = perFlow.filter((steps) => steps[step] < STEP_FLOORS[step]).length;
    return count === 0 ? [] : [`${step} in ${count} of ${flows.length} flows`];
  });
}
