// Where each request stands, read from both subgraphs the way any GraphQL client can: the stake
// and redeem requests, their messages on both chains, the anchored heights and the indexed heads.
// The live view of `npm start` draws this; it is also what a person asks the API ("where is my
// stake?"), so it works against graph-node as well as the embedded host.
import { request as graphqlRequest } from "graphql-request";

export type Step =
  | "requested"
  | "waiting for anchor"
  | "proving"
  | "progressing"
  | "complete"
  | "revoked"
  | "rejected"
  // The revert flow of a message its sender declared directly at the gateway (see devnet/direct-flows.ts).
  | "reverting"
  | "reverted"
  | "revert lost";

export interface Facilitation {
  kind: "stake" | "redeem";
  /** The request's hash; for a message declared directly at the gateway, the message hash. */
  requestHash: string;
  messageHash: string | null;
  /** The message's status on origin and on auxiliary ("-" when that chain has not seen it). */
  origin: string;
  auxiliary: string;
  step: Step;
}

export interface FacilitationSnapshot {
  heads: Record<"origin" | "auxiliary", number | null>;
  /** The highest height of the other chain anchored on each chain. */
  anchored: Record<"origin" | "auxiliary", number | null>;
  facilitations: Facilitation[];
}

interface RequestRow {
  id: string;
  status: string;
  message: { id: string; status: string; declaredBlock: string | null } | null;
}

interface ChainView {
  _meta: { block: { number: number } };
  requests: RequestRow[];
  inbox: Array<{ id: string; status: string }>;
  /** Outbox messages; those without a request were declared directly at the gateway. */
  outbox: Array<{ id: string; status: string; declaredBlock: string | null; request: { id: string } | null }>;
  anchoredStateRoots: Array<{ blockHeight: string }>;
}

const chainQuery = (requests: "stakeRequests" | "redeemRequests", inboxKind: "Stake" | "Redeem") => `{
  _meta { block { number } }
  requests: ${requests}(first: 1000, orderBy: requestedBlock) {
    id status message { id status declaredBlock }
  }
  inbox: messages(first: 1000, where: { kind: ${inboxKind}, box: Inbox }) { id status }
  outbox: messages(first: 1000, orderBy: declaredBlock, where: { box: Outbox }) {
    id status declaredBlock request: ${requests === "stakeRequests" ? "stakeRequest" : "redeemRequest"} { id }
  }
  anchoredStateRoots(first: 1, orderBy: blockHeight, orderDirection: desc) { blockHeight }
}`;

/** Reads one chain's view; null while its subgraph has not indexed a block yet (or is away). */
async function readChain(url: string, query: string): Promise<ChainView | null> {
  try {
    return await graphqlRequest<ChainView>(url, query);
  } catch {
    return null;
  }
}

function stepOf(
  request: RequestRow,
  inboxStatus: string | undefined,
  anchoredOnOtherChain: number | null,
): Step {
  if (request.status === "Revoked") return "revoked";
  if (request.status === "Rejected") return "rejected";
  const message = request.message;
  if (!message) return "requested";
  if (message.status === "Revoked") return "reverted";
  if (message.status === "RevocationDeclared")
    return inboxStatus === "Progressed" ? "revert lost" : "reverting";
  if (message.status === "Progressed" && inboxStatus === "Progressed") return "complete";
  if (inboxStatus !== undefined) return "progressing";
  const declaredAt = Number(message.declaredBlock ?? Number.POSITIVE_INFINITY);
  return anchoredOnOtherChain !== null && anchoredOnOtherChain >= declaredAt
    ? "proving"
    : "waiting for anchor";
}

/** The highest height of the other chain anchored on this chain. */
const latestAnchored = (view: ChainView | null): number | null =>
  view?.anchoredStateRoots[0] ? Number(view.anchoredStateRoots[0].blockHeight) : null;

/** The requests made on `source`, their messages followed into `target`'s inbox. */
function facilitationsOf(
  kind: "stake" | "redeem",
  source: ChainView | null,
  target: ChainView | null,
): Facilitation[] {
  const inbox = new Map(target?.inbox.map((row) => [row.id, row.status]));
  const anchoredOnTarget = latestAnchored(target);
  // A message declared directly at the gateway has no request: its row stands for both.
  const direct = (source?.outbox ?? [])
    .filter((message) => message.request === null)
    .map((message): RequestRow => ({ id: message.id, status: "Accepted", message }));
  return [...(source?.requests ?? []), ...direct].map((request) => {
    const onTarget = request.message ? inbox.get(request.message.id) : undefined;
    const onSource = request.message?.status ?? request.status;
    return {
      kind,
      requestHash: request.id,
      messageHash: request.message?.id ?? null,
      // Stakes start on origin, redeems on auxiliary.
      origin: kind === "stake" ? onSource : (onTarget ?? "-"),
      auxiliary: kind === "stake" ? (onTarget ?? "-") : onSource,
      step: stepOf(request, onTarget, anchoredOnTarget),
    };
  });
}

export async function readFacilitations(urls: {
  origin: string;
  auxiliary: string;
}): Promise<FacilitationSnapshot> {
  const [origin, auxiliary] = await Promise.all([
    readChain(urls.origin, chainQuery("stakeRequests", "Redeem")),
    readChain(urls.auxiliary, chainQuery("redeemRequests", "Stake")),
  ]);
  return {
    heads: { origin: origin?._meta.block.number ?? null, auxiliary: auxiliary?._meta.block.number ?? null },
    anchored: { origin: latestAnchored(origin), auxiliary: latestAnchored(auxiliary) },
    facilitations: [
      ...facilitationsOf("stake", origin, auxiliary),
      ...facilitationsOf("redeem", auxiliary, origin),
    ],
  };
}
