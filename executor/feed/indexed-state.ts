// Reads the state the decision needs from the two subgraphs over HTTP (graph-node's query API, so
// it works against graph-node as well as the embedded host). Each chain is read at one block
// (`block: { number }`), so its entities are a consistent snapshot.
import { isHexString } from "ethers";
import { ClientError, GraphQLClient } from "graphql-request";
import { requestTarget } from "../../chain/url-credentials.ts";
import { scrubUrlFromError, shownUrl, withoutUrlSecrets } from "../../chain/url-secrets.ts";
import { boundedFetch, type AnswerLimits } from "./bounded-fetch.ts";
import type { ChainName, ChainState, IndexedMessage, IndexedState } from "../decide/index.ts";
import * as parse from "./indexed-rows.ts";
import { RowRefused, shown, type Raw } from "./indexed-rows.ts";

const PAGE = 1000;
/**
 * The most rows one read takes: far past what a decision cycle reads on a busy bridge, and a
 * bound on a subgraph that answers full pages of rising ids without end.
 */
export const MAX_ROWS = 100_000;
/** Anchored roots and proofs older than the newest of these are never chosen again. */
const RECENT_HEIGHTS = 100;

const MESSAGE_FIELDS = `id kind box status gateway sender nonce beneficiary amount gasPrice gasLimit hashLock
  blockHeight declaredBlock confirmedBlock revocationDeclaredBlock revokedBlock progressedBlock`;

/** A chain's subgraph as the configuration gives it (config.ts's ChainConfig). */
type ConfiguredSubgraph = { subgraph: { httpUrl: string; timeoutMs: number } };

/** The configured subgraph of each chain, with its time limit. */
export function subgraphReaders(
  chains: Record<"origin" | "auxiliary", ConfiguredSubgraph>,
): Record<"origin" | "auxiliary", SubgraphReader> {
  const reader = ({ subgraph }: ConfiguredSubgraph) =>
    new SubgraphReader(subgraph.httpUrl, { timeoutMs: subgraph.timeoutMs });
  return { origin: reader(chains.origin), auxiliary: reader(chains.auxiliary) };
}

/** The longest part of a subgraph's error answer a failure quotes. */
const ERROR_TEXT_MAX = 300;

/** What an error answer says: its GraphQL errors' messages, or its HTTP status. */
function errorsSaid(response: { status: number; errors?: unknown }): string {
  const { status, errors } = response;
  if (!Array.isArray(errors) || errors.length === 0) return `HTTP ${status}`;
  return errors
    .map((item: unknown) => {
      const message = (item as { message?: unknown } | null)?.message;
      return typeof message === "string" ? message : JSON.stringify(item);
    })
    .join("; ");
}

/** One subgraph, read at a pinned block. */
export class SubgraphReader {
  private readonly client: GraphQLClient;
  /** Its URL as errors and logs show it (no API key: url-secrets.ts). */
  readonly shown: string;
  constructor(
    private readonly url: string,
    limits: AnswerLimits = {},
  ) {
    this.shown = shownUrl(url);
    // fetch refuses a URL with credentials (naming it whole in its error): they go in a header.
    const { url: endpoint, auth } = requestTarget(url);
    const headers: Record<string, string> =
      auth === undefined ? {} : { authorization: `Basic ${Buffer.from(auth).toString("base64")}` };
    // Answers bounded in size and time (bounded-fetch.ts).
    this.client = new GraphQLClient(endpoint.href, { fetch: boundedFetch(limits), headers });
  }

  /**
   * One query. A failure names the subgraph as `shown` does: graphql-request's own error quotes
   * the whole answer (up to the size bound) and the query, and a gateway's answer may quote its URL.
   */
  async request<T>(query: string, variables?: Record<string, string | number>): Promise<T> {
    try {
      return await this.client.request<T>(query, variables);
    } catch (error) {
      if (!(error instanceof ClientError)) throw scrubUrlFromError(error, this.url, this.shown);
      // Scrubbed before it is cut: a URL cut in two would no longer be found whole.
      const said = withoutUrlSecrets(errorsSaid(error.response), this.url, this.shown);
      const cut = said.length > ERROR_TEXT_MAX ? `${said.slice(0, ERROR_TEXT_MAX)}…` : said;
      throw new Error(`the subgraph at ${this.shown} answered ${cut}`);
    }
  }

  async head(): Promise<{ number: number; hash: string } | null> {
    let block: unknown;
    try {
      block = (await this.request<{ _meta?: { block?: unknown } }>(`{ _meta { block { number hash } } }`))
        ._meta?.block;
    } catch (error) {
      // graph-node's answer before a subgraph's first block; anything else is a fault.
      if (/has not started syncing yet/.test(String(error))) return null;
      throw error;
    }
    // The block every query is pinned to (its number is written into them) and the books' cursor.
    const { number, hash } = (block ?? {}) as { number?: unknown; hash?: unknown };
    if (
      !Number.isSafeInteger(number) ||
      (number as number) < 0 ||
      typeof hash !== "string" ||
      !isHexString(hash, 32)
    )
      throw new Error(
        `the subgraph at ${this.shown} answered _meta.block ${JSON.stringify(block)}, not a block number and hash`,
      );
    return { number: number as number, hash };
  }

  /** Every entity of `field` matching `where`, paged by id as graph-node recommends. */
  async all(field: string, where: string, fields: string, block: number): Promise<Raw[]> {
    const rows: Raw[] = [];
    // The Mosaic entities have Bytes ids; "0x" sorts before every one of them.
    let after = "0x";
    for (;;) {
      const query = `query($after: Bytes!) { page: ${field}(first: ${PAGE}, orderBy: id, where: { ${where} id_gt: $after },
        block: { number: ${block} }) { ${fields} } }`;
      const page = (await this.request<{ page: Raw[] }>(query, { after })).page;
      after = this.checkPage(field, page, after);
      rows.push(...page);
      if (page.length < PAGE) return rows;
      if (rows.length > MAX_ROWS)
        throw new Error(
          `the subgraph at ${this.shown} answered more than ${MAX_ROWS} ${field} (pages of ${PAGE} with rising ids): the executor reads at most ${MAX_ROWS} at a time`,
        );
    }
  }

  /**
   * A page's rows must be at most a page, with ids rising past the last page's: a subgraph that
   * answered the same full page again would otherwise be asked for the next one forever. Returns
   * the page's last id.
   */
  private checkPage(field: string, page: unknown, after: string): string {
    if (!Array.isArray(page) || page.length > PAGE)
      throw new Error(`the subgraph at ${this.shown} answered ${field} with no page of at most ${PAGE} rows`);
    let last = after;
    for (const row of page as Raw[]) {
      const id = row?.id;
      // Bytes ids as lower-case hex of whole bytes: their text order is their byte order.
      if (typeof id !== "string" || !/^0x(?:[0-9a-f]{2})*$/.test(id) || id <= last) {
        throw new Error(
          `the subgraph at ${this.shown} answered ${field} out of order: id ${String(id)} after ${last} (ids must rise)`,
        );
      }
      last = id;
    }
    return last;
  }

  async recent(field: string, fields: string, block: number): Promise<Raw[]> {
    const query = `{ page: ${field}(first: ${RECENT_HEIGHTS}, orderBy: blockHeight, orderDirection: desc,
      block: { number: ${block} }) { ${fields} } }`;
    const page = (await this.request<{ page: unknown }>(query)).page;
    if (!Array.isArray(page) || page.length > RECENT_HEIGHTS)
      throw new Error(
        `the subgraph at ${this.shown} answered ${field} with no page of at most ${RECENT_HEIGHTS} rows`,
      );
    return page as Raw[];
  }
}

/** A row a subgraph answered that the schema does not allow, left out of the state. */
export interface RefusedRow {
  chain: ChainName;
  /** The query field it came from (`messages`, `stakeRequests`, ...). */
  entity: string;
  id: string;
  /** Which field held what. */
  detail: string;
}

export interface StateSnapshot {
  state: IndexedState;
  blocks: { origin: { number: number; hash: string }; auxiliary: { number: number; hash: string } };
  /** Rows left out, each on its own: the rest of the state stands without them. */
  refused: RefusedRow[];
}

const STAKE_REQUEST_FIELDS =
  "id status amount beneficiary gasPrice gasLimit nonce staker stakerProxy gateway composer requestedBlock";
const REDEEM_REQUEST_FIELDS =
  "id status amount beneficiary gasPrice gasLimit nonce redeemer redeemerProxy cogateway redeemPool requestedBlock";
const WORKER_CHANGE_FIELDS = "id worker expirationHeight block logIndex";

/** A row's id as a refusal names it: as it is when it is hex of no great length, else quoted and cut. */
function shownId(id: unknown): string {
  return typeof id === "string" && /^0x[0-9a-fA-F]{0,128}$/.test(id) ? id : shown(id);
}

/** Each row of `raws` parsed; one the schema does not allow is added to `refused` instead. */
function parsed<T>(
  refused: RefusedRow[],
  chain: ChainName,
  entity: string,
  raws: unknown[],
  parse: (raw: Raw) => T,
): T[] {
  const taken: T[] = [];
  for (const raw of raws) {
    const id = typeof raw === "object" && raw !== null ? shownId((raw as Raw).id) : shownId(raw);
    try {
      if (typeof raw !== "object" || raw === null) throw new RowRefused("the row is not an object");
      taken.push(parse(raw as Raw));
    } catch (error) {
      if (!(error instanceof RowRefused)) throw error;
      refused.push({ chain, entity, id, detail: error.message });
    }
  }
  return taken;
}

/**
 * Rows the decision needs all of (worker changes: the leader order; anchored heights and proofs:
 * the anchor turns and the heights chosen): one the schema does not allow fails the read, naming
 * it, rather than the decision being made on part of them.
 */
function parsedWhole<T>(
  reader: SubgraphReader,
  chain: ChainName,
  entity: string,
  raws: unknown[],
  parse: (raw: Raw) => T,
): T[] {
  const refused: RefusedRow[] = [];
  const taken = parsed(refused, chain, entity, raws, parse);
  const [first] = refused;
  if (first) {
    throw new Error(
      `the ${chain} subgraph at ${reader.shown} answered a ${entity} row the schema does not allow (${first.id}: ${first.detail}); the decision needs all of them`,
    );
  }
  return taken;
}

/** One chain's open messages (not Progressed), anchored heights and proofs, at its head. */
async function openState(reader: SubgraphReader, block: number) {
  const [open, anchoredStateRoots, gatewayProofs] = await Promise.all([
    reader.all("messages", "status_not: Progressed,", MESSAGE_FIELDS, block),
    reader.recent("anchoredStateRoots", "id blockHeight", block),
    reader.recent("gatewayProofs", "id gateway remoteGateway blockHeight", block),
  ]);
  return { open, anchoredStateRoots, gatewayProofs };
}

/** The copies on this chain of the other chain's open messages that are not open here. */
async function copiesOf(
  reader: SubgraphReader,
  block: number,
  open: Raw[],
  otherOpen: Raw[],
): Promise<Raw[]> {
  const here = new Set(open.map((raw) => raw.id));
  const missing = otherOpen.map((raw) => raw.id as string).filter((id) => !here.has(id));
  return missing.length === 0
    ? []
    : reader.all("messages", `id_in: ${JSON.stringify(missing)},`, MESSAGE_FIELDS, block);
}

/**
 * Both chains' state, or null while a subgraph has not indexed its first block: every request
 * waiting to be accepted, every message not Progressed on a chain together with its copy on the
 * other chain, the recent anchored and proven heights, and every worker change of the requests'
 * organizations (few: the leader rule computes the workers at each request's block from them).
 * A message or request row the schema does not allow is left out and named in `refused` (each is a
 * flow of its own); a message refused on one chain is left out on both, so its flow is not decided
 * on half of it. A worker change, anchored height or proof the schema does not allow fails the read.
 */
export async function readIndexedState(
  origin: SubgraphReader,
  auxiliary: SubgraphReader,
): Promise<StateSnapshot | null> {
  const [originHead, auxiliaryHead] = await Promise.all([origin.head(), auxiliary.head()]);
  if (!originHead || !auxiliaryHead) return null;
  const [originState, auxiliaryState, stakeRequests, redeemRequests, originWorkers, auxiliaryWorkers] =
    await Promise.all([
      openState(origin, originHead.number),
      openState(auxiliary, auxiliaryHead.number),
      origin.all("stakeRequests", "status: Requested,", STAKE_REQUEST_FIELDS, originHead.number),
      auxiliary.all("redeemRequests", "status: Requested,", REDEEM_REQUEST_FIELDS, auxiliaryHead.number),
      // Every worker change (a handful per organization): the workers at any request's block follow.
      origin.all("workerChanges", "", WORKER_CHANGE_FIELDS, originHead.number),
      auxiliary.all("workerChanges", "", WORKER_CHANGE_FIELDS, auxiliaryHead.number),
    ]);
  const [originCopies, auxiliaryCopies] = await Promise.all([
    copiesOf(origin, originHead.number, originState.open, auxiliaryState.open),
    copiesOf(auxiliary, auxiliaryHead.number, auxiliaryState.open, originState.open),
  ]);
  const refused: RefusedRow[] = [];
  const messages = {
    origin: parsed(refused, "origin", "messages", [...originState.open, ...originCopies], parse.message),
    auxiliary: parsed(
      refused,
      "auxiliary",
      "messages",
      [...auxiliaryState.open, ...auxiliaryCopies],
      parse.message,
    ),
  };
  const refusedMessages = new Set(
    refused.filter((row) => row.entity === "messages").map((row) => row.id.toLowerCase()),
  );
  const readers = { origin, auxiliary };
  const chain = (name: ChainName, head: { number: number }, opened: typeof originState): ChainState => ({
    latestBlock: BigInt(head.number),
    messages: messages[name].filter(
      (message: IndexedMessage) => !refusedMessages.has(message.id.toLowerCase()),
    ),
    anchoredStateRoots: parsedWhole(
      readers[name],
      name,
      "anchoredStateRoots",
      opened.anchoredStateRoots,
      parse.anchoredStateRoot,
    ),
    gatewayProofs: parsedWhole(
      readers[name],
      name,
      "gatewayProofs",
      opened.gatewayProofs,
      parse.gatewayProof,
    ),
  });
  const state: IndexedState = {
    origin: {
      ...chain("origin", originHead, originState),
      stakeRequests: parsed(refused, "origin", "stakeRequests", stakeRequests, parse.stakeRequest),
      workerChanges: parsedWhole(origin, "origin", "workerChanges", originWorkers, parse.workerChange),
    },
    auxiliary: {
      ...chain("auxiliary", auxiliaryHead, auxiliaryState),
      redeemRequests: parsed(refused, "auxiliary", "redeemRequests", redeemRequests, parse.redeemRequest),
      workerChanges: parsedWhole(
        auxiliary,
        "auxiliary",
        "workerChanges",
        auxiliaryWorkers,
        parse.workerChange,
      ),
    },
  };
  return { state, blocks: { origin: originHead, auxiliary: auxiliaryHead }, refused };
}
