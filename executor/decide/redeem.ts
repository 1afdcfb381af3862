// Redeem and unstake, the mirror image of stakes: redeem requests on auxiliary are accepted into
// the cogateway's outbox, confirmed in the gateway's inbox on origin, then progressed on both chains.
import type { Context } from "./context.ts";
import type { ConfirmRedeemIntentAction } from "./decision.ts";
import { decideMessages, type ConfirmInput, type Direction } from "./messages.ts";
import { proofTag, servedList, servedPairOf, servedPairs } from "./pairs.ts";
import type { GatewayPairPolicy, Policy } from "./policy.ts";
import { holdBack } from "./leader.ts";
import { offer } from "./records.ts";
import { decideReverts } from "./reverts.ts";
import { refusal, secretChoice } from "./requests.ts";

export function decideRedeems(context: Context): void {
  decideRedeemRequests(context);
  for (const pair of servedPairs(context.policy)) {
    decideMessages(redeemDirection(context.policy, pair), context, decideReverts);
  }
}

function decideRedeemRequests(context: Context): void {
  const { state, records, policy, decision } = context;
  for (const request of state.auxiliary.redeemRequests) {
    if (request.status !== "Requested") continue;
    const key = { subject: request.id, step: "acceptRedeem" as const };
    const pair = servedPairOf(policy, "coGateway", request.cogateway);
    const refused = refusal(
      request,
      {
        contract: request.redeemPool,
        trustedContract: policy.redeemPool,
        requestedGateway: request.cogateway,
        servedGateway: pair?.coGateway ?? servedList(policy, "coGateway"),
      },
      policy,
    );
    // A request for a gateway of no served pair is refused here (unsupportedGateway).
    if (refused || pair === undefined) {
      if (refused) decision.skips.push({ ...key, ...refused });
      continue;
    }
    if (holdBack(context, key, request, "auxiliary")) continue;
    offer(decision, records, key, (retry) => ({
      ...key,
      chain: "auxiliary",
      from: policy.facilitator,
      retry,
      preconditions: [
        { check: "requestTerms", chain: "auxiliary", requestHash: request.id },
        { check: "requestOpen", chain: "auxiliary", requestHash: request.id },
      ],
      amount: request.amount,
      beneficiary: request.beneficiary,
      gasPrice: request.gasPrice,
      gasLimit: request.gasLimit,
      nonce: request.nonce,
      redeemer: request.redeemer,
      cogateway: pair.coGateway,
      secret: secretChoice(records, request.id),
    }));
  }
}

function redeemDirection(policy: Policy, pair: GatewayPairPolicy): Direction {
  return {
    kind: "Redeem",
    source: "auxiliary",
    target: "origin",
    sourceGateway: pair.coGateway,
    targetGateway: pair.gateway,
    proofTag: proofTag(policy, pair.coGateway),
    acceptStep: "acceptRedeem",
    confirmStep: "confirmRedeemIntent",
    progressSourceStep: "progressRedeem",
    progressTargetStep: "progressUnstake",
    confirmAction: (input: ConfirmInput): ConfirmRedeemIntentAction => ({
      subject: input.message.id,
      step: "confirmRedeemIntent",
      chain: "origin",
      from: policy.facilitator,
      retry: input.retry,
      preconditions: input.preconditions,
      gateway: pair.gateway,
      messageHash: input.message.id,
      redeemer: input.message.sender,
      redeemerNonce: input.message.nonce,
      beneficiary: input.message.beneficiary,
      amount: input.message.amount,
      gasPrice: input.gasPrice,
      gasLimit: input.gasLimit,
      blockHeight: input.blockHeight,
      hashLock: input.hashLock,
    }),
  };
}
