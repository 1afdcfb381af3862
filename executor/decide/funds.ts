// The facilitator's balances as the decision sees them: a new request is accepted only when the key
// can pay its bounty and its accept's gas. Work already under way is never held back here: a
// confirmation or a progress earns the bounty back, and a send the key cannot pay fails and backs off.
import { formatEther } from "ethers";
import type { AcceptRedeemAction, AcceptStakeAction, Decision } from "./decision.ts";

/** What the executor read last; every amount in wei (or the base token's smallest unit). */
export interface Funds {
  origin: {
    ether: bigint;
    baseToken: bigint;
    /** A stake's bounty, paid in the base token (the gateway's `bounty`). */
    bounty: bigint;
    /** What an accept's gas may cost at the fee the executor would offer now. */
    gasCost: bigint;
  };
  auxiliary: {
    ether: bigint;
    /** A redeem's bounty, paid in the base coin as the accept's value (the cogateway's `bounty`). */
    bounty: bigint;
    gasCost: bigint;
  };
}

/** One thing the key cannot pay: what is short, held against needed. */
export interface Shortfall {
  chain: "origin" | "auxiliary";
  asset: "ether" | "baseToken";
  held: bigint;
  needed: bigint;
  /** What the amount is for, as a sentence ends: "a stake's bounty". */
  for: string;
}

/** What one more stake and one more redeem would lack, given what is left. */
export function shortfalls(funds: Funds): { stake: Shortfall[]; redeem: Shortfall[] } {
  const { origin, auxiliary } = funds;
  const stake: Shortfall[] = [];
  if (origin.baseToken < origin.bounty) {
    stake.push({
      chain: "origin",
      asset: "baseToken",
      held: origin.baseToken,
      needed: origin.bounty,
      for: "a stake's bounty",
    });
  }
  if (origin.ether < origin.gasCost) {
    stake.push({
      chain: "origin",
      asset: "ether",
      held: origin.ether,
      needed: origin.gasCost,
      for: "an accept's gas",
    });
  }
  const redeemNeeds = auxiliary.bounty + auxiliary.gasCost;
  const redeem: Shortfall[] =
    auxiliary.ether < redeemNeeds
      ? [
          {
            chain: "auxiliary",
            asset: "ether",
            held: auxiliary.ether,
            needed: redeemNeeds,
            for: "a redeem's bounty and an accept's gas",
          },
        ]
      : [];
  return { stake, redeem };
}

export function describeShortfall(short: Shortfall): string {
  const asset = short.asset === "ether" ? "ether" : "base token";
  return (
    `${asset} on ${short.chain}: ${formatEther(short.held)} held, ${formatEther(short.needed)} needed ` +
    `for ${short.for} (short by ${formatEther(short.needed - short.held)})`
  );
}

/**
 * Moves the accepts the funds cannot pay from the actions to the skips. Accepts are paid in the
 * order of the inputs, each taking its bounty and its gas from what is left, so funds for one
 * request of two accept the first. Accepts in flight are not actions and keep going.
 */
export function withinFunds(decision: Decision, funds: Funds): Decision {
  const left: Funds = { origin: { ...funds.origin }, auxiliary: { ...funds.auxiliary } };
  const actions: Decision["actions"] = [];
  const skips: Decision["skips"] = [];
  for (const action of decision.actions) {
    if (action.step !== "acceptStake" && action.step !== "acceptRedeem") {
      actions.push(action);
      continue;
    }
    const short = shortfalls(left)[action.step === "acceptStake" ? "stake" : "redeem"];
    if (short.length > 0) {
      skips.push(insufficient(action, short));
      continue;
    }
    if (action.step === "acceptStake") {
      left.origin.baseToken -= left.origin.bounty;
      left.origin.ether -= left.origin.gasCost;
    } else {
      left.auxiliary.ether -= left.auxiliary.bounty + left.auxiliary.gasCost;
    }
    actions.push(action);
  }
  return { ...decision, actions, skips: [...decision.skips, ...skips] };
}

function insufficient(action: AcceptStakeAction | AcceptRedeemAction, short: Shortfall[]) {
  return {
    subject: action.subject,
    step: action.step,
    reason: "insufficientFunds" as const,
    detail: `the facilitator cannot pay this accept: ${short.map(describeShortfall).join("; ")}`,
  };
}
