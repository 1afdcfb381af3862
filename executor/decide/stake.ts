// Stake and mint: stake requests on origin are accepted into the gateway's outbox, confirmed in the
// cogateway's inbox on auxiliary, then progressed on both chains.
import type { Context } from "./context.ts";
import type { ConfirmStakeIntentAction } from "./decision.ts";
import { decideMessages, type ConfirmInput, type Direction } from "./messages.ts";
import { proofTag, servedList, servedPairOf, servedPairs } from "./pairs.ts";
import type { GatewayPairPolicy, Policy } from "./policy.ts";
import { holdBack } from "./leader.ts";
import { offer } from "./records.ts";
import { decideReverts } from "./reverts.ts";
import { refusal, secretChoice } from "./requests.ts";

export function decideStakes(context: Context): void {
  decideStakeRequests(context);
  for (const pair of servedPairs(context.policy)) {
    decideMessages(stakeDirection(context.policy, pair), context, decideReverts);
  }
}

function decideStakeRequests(context: Context): void {
  const { state, records, policy, decision } = context;
  for (const request of state.origin.stakeRequests) {
    if (request.status !== "Requested") continue;
    const key = { subject: request.id, step: "acceptStake" as const };
    const pair = servedPairOf(policy, "gateway", request.gateway);
    const refused = refusal(
      request,
      {
        contract: request.composer,
        trustedContract: policy.composer,
        requestedGateway: request.gateway,
        servedGateway: pair?.gateway ?? servedList(policy, "gateway"),
      },
      policy,
    );
    // A request for a gateway of no served pair is refused here (unsupportedGateway).
    if (refused || pair === undefined) {
      if (refused) decision.skips.push({ ...key, ...refused });
      continue;
    }
    if (holdBack(context, key, request, "origin")) continue;
    offer(decision, records, key, (retry) => ({
      ...key,
      chain: "origin",
      from: policy.facilitator,
      retry,
      preconditions: [
        { check: "requestTerms", chain: "origin", requestHash: request.id },
        { check: "requestOpen", chain: "origin", requestHash: request.id },
      ],
      amount: request.amount,
      beneficiary: request.beneficiary,
      gasPrice: request.gasPrice,
      gasLimit: request.gasLimit,
      nonce: request.nonce,
      staker: request.staker,
      gateway: pair.gateway,
      secret: secretChoice(records, request.id),
    }));
  }
}

function stakeDirection(policy: Policy, pair: GatewayPairPolicy): Direction {
  return {
    kind: "Stake",
    source: "origin",
    target: "auxiliary",
    sourceGateway: pair.gateway,
    targetGateway: pair.coGateway,
    proofTag: proofTag(policy, pair.gateway),
    acceptStep: "acceptStake",
    confirmStep: "confirmStakeIntent",
    progressSourceStep: "progressStake",
    progressTargetStep: "progressMint",
    confirmAction: (input: ConfirmInput): ConfirmStakeIntentAction => ({
      subject: input.message.id,
      step: "confirmStakeIntent",
      chain: "auxiliary",
      from: policy.facilitator,
      retry: input.retry,
      preconditions: input.preconditions,
      coGateway: pair.coGateway,
      messageHash: input.message.id,
      staker: input.message.sender,
      stakerNonce: input.message.nonce,
      beneficiary: input.message.beneficiary,
      amount: input.message.amount,
      gasPrice: input.gasPrice,
      gasLimit: input.gasLimit,
      hashLock: input.hashLock,
      blockHeight: input.blockHeight,
    }),
  };
}
