// Rules shared by stake and redeem requests before they are accepted.
import type { SecretChoice, SkipReason } from "./decision.ts";
import type { Policy } from "./policy.ts";
import type { Records } from "./records.ts";
import { sameHex } from "./state.ts";

interface Terms {
  gasPrice: bigint;
  gasLimit: bigint;
}

/** Where a request was indexed, and where the deployment says requests are made. */
interface Place {
  contract: string;
  trustedContract: string;
  requestedGateway: string;
  servedGateway: string;
}

/**
 * Why the policy turns a request down, or undefined when it may be accepted. The subgraph is a hint:
 * a request it places at a contract other than the deployment's is refused as untrusted input.
 */
export function refusal(
  terms: Terms,
  place: Place,
  policy: Policy,
): { reason: SkipReason; detail: string } | undefined {
  const { contract, trustedContract, requestedGateway, servedGateway } = place;
  if (!sameHex(contract, trustedContract)) {
    return {
      reason: "untrustedInput",
      detail: `the subgraph places the request at ${contract}, not at the deployment's ${trustedContract}`,
    };
  }
  if (!sameHex(requestedGateway, servedGateway)) {
    return {
      reason: "unsupportedGateway",
      detail: `${requestedGateway} is not served (only ${servedGateway})`,
    };
  }
  if (terms.gasPrice < policy.minGasPrice) {
    return {
      reason: "gasPriceBelowPolicy",
      detail: `gasPrice ${terms.gasPrice} is below the minimum ${policy.minGasPrice}`,
    };
  }
  if (terms.gasLimit < policy.minGasLimit) {
    return {
      reason: "gasLimitBelowPolicy",
      detail: `gasLimit ${terms.gasLimit} is below the minimum ${policy.minGasLimit}`,
    };
  }
  return undefined;
}

/**
 * A retried acceptance reuses the secret already stored for the request: a failed attempt revealed
 * nothing, and if that attempt lands after all its hash lock is still one we can open.
 */
export function secretChoice(records: Records, requestHash: string): SecretChoice {
  const held = records.acceptance(requestHash);
  return held?.holdsSecret ? { kind: "reuse", hashLock: held.hashLock } : { kind: "generate" };
}
