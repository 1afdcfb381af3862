// The executor's decision: from the indexed state of both chains, the executor's own records and
// the policy, the next actions to send. Pure: no I/O, no clock, no randomness; the same inputs give
// the same decision, in the order of the inputs (stakes first, then redeems).
import type { Decision } from "./decision.ts";
import { withinFunds, type Funds } from "./funds.ts";
import type { Policy } from "./policy.ts";
import { Records, type ExecutorRecords } from "./records.ts";
import { decideRedeems } from "./redeem.ts";
import { decideStakes } from "./stake.ts";
import type { IndexedState } from "./state.ts";

export type * from "./decision.ts";
export type { Funds } from "./funds.ts";
export type * from "./policy.ts";
export type { AcceptanceRecord, ExecutorRecords, IntentRecord, IntentStatus } from "./records.ts";
export type * from "./state.ts";

/** `funds`: the facilitator's latest balances; without them, new requests are not checked against them. */
export function decide(
  state: IndexedState,
  records: ExecutorRecords,
  policy: Policy,
  funds?: Funds,
): Decision {
  const decision: Decision = { actions: [], skips: [], waiting: [] };
  const context = { state, records: new Records(records), policy, decision };
  decideStakes(context);
  decideRedeems(context);
  return funds === undefined ? decision : withinFunds(decision, funds);
}
