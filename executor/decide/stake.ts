// Stake and mint: stake requests on origin are accepted into the gateway's outbox, confirmed in the
// cogateway's inbox on auxiliary, then progressed on both chains.
import type { Context } from "./context.ts";
import type { ConfirmStakeIntentAction } from "./decision.ts";
import { decideMessages, type ConfirmInput, type Direction } from "./messages.ts";
import type { Policy } from "./policy.ts";
import { offer } from "./records.ts";
import { refusal, secretChoice } from "./requests.ts";

export function decideStakes(context: Context): void {
  decideStakeRequests(context);
  decideMessages(stakeDirection(context.policy), context);
}

function decideStakeRequests({ state, records, policy, decision }: Context): void {
  for (const request of state.origin.stakeRequests) {
    if (request.status !== "Requested") continue;
    const key = { subject: request.id, step: "acceptStake" as const };
    const refused = refusal(
      request,
      {
        contract: request.composer,
        trustedContract: policy.composer,
        requestedGateway: request.gateway,
        servedGateway: policy.gateway,
      },
      policy,
    );
    if (refused) {
      decision.skips.push({ ...key, ...refused });
      continue;
    }
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
      gateway: policy.gateway,
      secret: secretChoice(records, request.id),
    }));
  }
}

function stakeDirection(policy: Policy): Direction {
  return {
    kind: "Stake",
    source: "origin",
    target: "auxiliary",
    sourceGateway: policy.gateway,
    targetGateway: policy.coGateway,
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
      coGateway: policy.coGateway,
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
