// Several facilitators with the anchoring role, without talking to each other: for each slot (the
// latest height anchored in a direction, which every anchorer reads from the indexed Anchor) the
// configured anchorers take turns in the order of keccak256(slot ‖ anchorer), the rule leader.ts
// uses for requests. The first may anchor as soon as a declaration needs it; each next one
// `takeoverBlocks` source blocks later, so a leader that is down is replaced, and a leader that is
// up has anchored (moving the slot on) before the next one's turn comes.
import { toBeHex, zeroPadValue } from "ethers";
import { turnOrder } from "./leader.ts";
import { sameHex } from "./state.ts";

/** The anchorers in the order of their turns after `slot`, each once, in lower case. */
export function anchorTurnOrder(slot: bigint, anchorers: readonly string[]): string[] {
  const unique = [...new Set(anchorers.map((anchorer) => anchorer.toLowerCase()))];
  return turnOrder(zeroPadValue(toBeHex(slot), 32), unique);
}

export interface AnchorTurn {
  /** 0 for the slot's leader. */
  position: number;
  leader: string;
  /** The lowest source height at which this anchorer may anchor. */
  from: bigint;
}

/**
 * This facilitator's turn after `slot`, given the height from which the leader may anchor
 * (`due`: the first declaration to cover, or the cadence). The facilitator always takes part,
 * whether or not the list names it.
 */
export function anchorTurn(
  slot: bigint,
  anchorers: readonly string[],
  facilitator: string,
  due: bigint,
  takeoverBlocks: bigint,
): AnchorTurn {
  const order = anchorTurnOrder(slot, [...anchorers, facilitator]);
  const position = order.findIndex((anchorer) => sameHex(anchorer, facilitator));
  return { position, leader: order[0]!, from: due + BigInt(position) * takeoverBlocks };
}
