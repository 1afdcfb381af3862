// The gateway pairs the policy serves, and the pair a request or message belongs to by its gateway.
import type { GatewayPairPolicy, Policy } from "./policy.ts";
import { sameHex } from "./state.ts";

/** Every served pair, the first one first. */
export function servedPairs(policy: Policy): GatewayPairPolicy[] {
  return policy.pairs ?? [{ gateway: policy.gateway, coGateway: policy.coGateway }];
}

/** The served pair whose gateway (origin) or cogateway (auxiliary) is `address`, if any. */
export function servedPairOf(
  policy: Policy,
  side: keyof GatewayPairPolicy,
  address: string,
): GatewayPairPolicy | undefined {
  return servedPairs(policy).find((pair) => sameHex(pair[side], address));
}

/** The gateways (or cogateways) served, for a skip's detail. */
export function servedList(policy: Policy, side: keyof GatewayPairPolicy): string {
  return servedPairs(policy)
    .map((pair) => pair[side])
    .join(", ");
}

/**
 * What names the pair in the subject of a proveGateway (`origin@120:<gateway>`): the proven
 * gateway, lower case; nothing for the first pair, whose subjects stay as they were (`origin@120`).
 */
export function proofTag(policy: Policy, provenGateway: string): string | undefined {
  const first = servedPairs(policy)[0];
  const isFirst =
    first !== undefined && (sameHex(first.gateway, provenGateway) || sameHex(first.coGateway, provenGateway));
  return isFirst ? undefined : provenGateway.toLowerCase();
}
