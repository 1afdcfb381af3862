// /health as the service reports it: the decisions' own status, degraded further by what the
// decisions do not see. The first of these that holds names the error: a follower that cannot read
// its chain, then a key that cannot pay one more accept (new requests are left alone meanwhile),
// then a subgraph far behind its chain (decisions over it go through, on old news), then a subgraph
// that does not show a transaction of ours confirmed well before the block it is read at.
import type { ExecutorHealth } from "../service-api.ts";

export interface HealthInputs {
  followers: { stalled: number; lastError: string | null };
  /** Balances too low for one more accept, as sentences. */
  lowBalances: string[];
  /** Subgraphs further behind their chain than allowed, as sentences (subgraph-lag.ts). */
  behind: string[];
  /** Our confirmed transactions the subgraphs should show by now and do not (unshown-effects.ts). */
  unshown: string[];
  nodeBlocks: Record<"origin" | "auxiliary", number | null>;
}

export function reportedHealth(health: ExecutorHealth, inputs: HealthInputs): ExecutorHealth {
  const { followers, lowBalances: low, behind, unshown, nodeBlocks } = inputs;
  const degradedBy =
    health.status !== "ok"
      ? null
      : followers.stalled > 0
        ? followers.lastError
        : low.length > 0
          ? `low balance: ${low.join("; ")}`
          : behind.length > 0
            ? `subgraph behind: ${behind.join("; ")}`
            : unshown.length > 0
              ? `subgraph missing our transactions: ${unshown.join("; ")}`
              : null;
  return {
    ...health,
    status: degradedBy === null ? health.status : "degraded",
    lastError: degradedBy ?? health.lastError,
    feeds: {
      origin: { ...health.feeds.origin, nodeBlock: nodeBlocks.origin },
      auxiliary: { ...health.feeds.auxiliary, nodeBlock: nodeBlocks.auxiliary },
    },
    followers,
    balances: { low },
  };
}
