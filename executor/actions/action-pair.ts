// The gateway pair an action belongs to, found by the gateway it is sent to (or names) on its own
// chain among the served pairs: its preconditions and proofs read that pair's gateway and cogateway.
import type { Action, ChainName, GatewayPairPolicy } from "../decide/index.ts";
import { sameHex } from "../decide/state.ts";

/** The gateway of the action's pair on the action's chain; undefined for an anchor (no pair). */
function gatewayOfAction(action: Action): string | undefined {
  switch (action.step) {
    case "anchor":
      return undefined;
    case "acceptRedeem":
      return action.cogateway;
    case "confirmStakeIntent":
      return action.coGateway;
    default:
      return action.gateway;
  }
}

export function gatewayOfPair(pair: GatewayPairPolicy, chain: ChainName): string {
  return chain === "origin" ? pair.gateway : pair.coGateway;
}

/**
 * The served pair of the action. An anchor concerns no pair; it gets the first (its preconditions
 * read only the Anchors). Every other action names a served gateway: the decision took it from
 * the served pairs.
 */
export function pairOfAction(action: Action, served: GatewayPairPolicy[]): GatewayPairPolicy {
  const own = gatewayOfAction(action);
  const pair =
    own === undefined
      ? served[0]
      : served.find((candidate) => sameHex(gatewayOfPair(candidate, action.chain), own));
  if (pair === undefined) {
    throw new Error(
      `${action.step} ${action.subject}: ${own ?? "no gateway"} is not a gateway of a served pair`,
    );
  }
  return pair;
}
