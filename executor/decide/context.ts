// Everything one decision reads and writes, passed as one value to the flow modules.
import type { Decision } from "./decision.ts";
import type { Policy } from "./policy.ts";
import type { Records } from "./records.ts";
import type { IndexedState } from "./state.ts";

export interface Context {
  state: IndexedState;
  records: Records;
  policy: Policy;
  /** Filled in as the flows are decided. */
  decision: Decision;
}

export function highest(heights: bigint[], atLeast = 0n): bigint | undefined {
  let best: bigint | undefined;
  for (const height of heights) if (height >= atLeast && (best === undefined || height > best)) best = height;
  return best;
}
