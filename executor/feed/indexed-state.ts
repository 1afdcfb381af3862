// Reads the state the decision needs from the two subgraphs over HTTP (graph-node's query API, so
// it works against graph-node as well as the embedded host). Each chain is read at one block
// (`block: { number }`), so its entities are a consistent snapshot.
import { isHexString } from "ethers";
import { GraphQLClient } from "graphql-request";
import { boundedFetch, type AnswerLimits } from "./bounded-fetch.ts";
import type {
  ChainState,
  IndexedGatewayProof,
  IndexedMessage,
  IndexedRedeemRequest,
  IndexedStakeRequest,
  IndexedState,
  IndexedWorkerChange,
} from "../decide/index.ts";

const PAGE = 1000;
/** Anchored roots and proofs older than the newest of these are never chosen again. */
const RECENT_HEIGHTS = 100;

type Raw = Record<string, unknown>;

const MESSAGE_FIELDS = `id kind box status gateway sender nonce beneficiary amount gasPrice gasLimit hashLock
  blockHeight declaredBlock confirmedBlock revocationDeclaredBlock revokedBlock progressedBlock`;

function big(value: unknown): bigint {
  return BigInt(value as string);
}
function bigOrNull(value: unknown): bigint | null {
  return value === null || value === undefined ? null : BigInt(value as string);
}

function message(raw: Raw): IndexedMessage {
  return {
    id: raw.id as string,
    kind: raw.kind as IndexedMessage["kind"],
    box: raw.box as IndexedMessage["box"],
    status: raw.status as IndexedMessage["status"],
    gateway: raw.gateway as string,
    sender: raw.sender as string,
    nonce: big(raw.nonce),
    beneficiary: raw.beneficiary as string,
    amount: big(raw.amount),
    gasPrice: bigOrNull(raw.gasPrice),
    gasLimit: bigOrNull(raw.gasLimit),
    hashLock: (raw.hashLock as string | null) ?? null,
    blockHeight: bigOrNull(raw.blockHeight),
    declaredBlock: bigOrNull(raw.declaredBlock),
    confirmedBlock: bigOrNull(raw.confirmedBlock),
    revocationDeclaredBlock: bigOrNull(raw.revocationDeclaredBlock),
    revokedBlock: bigOrNull(raw.revokedBlock),
    progressedBlock: bigOrNull(raw.progressedBlock),
  };
}

/** The fields stake and redeem requests share: the terms the requester offered. */
function requestTerms(raw: Raw) {
  return {
    id: raw.id as string,
    amount: big(raw.amount),
    beneficiary: raw.beneficiary as string,
    gasPrice: big(raw.gasPrice),
    gasLimit: big(raw.gasLimit),
    nonce: big(raw.nonce),
    requestedBlock: big(raw.requestedBlock),
  };
}

function stakeRequest(raw: Raw): IndexedStakeRequest {
  return {
    ...requestTerms(raw),
    status: raw.status as IndexedStakeRequest["status"],
    staker: raw.staker as string,
    stakerProxy: raw.stakerProxy as string,
    gateway: raw.gateway as string,
    composer: raw.composer as string,
  };
}

function redeemRequest(raw: Raw): IndexedRedeemRequest {
  return {
    ...requestTerms(raw),
    status: raw.status as IndexedRedeemRequest["status"],
    redeemer: raw.redeemer as string,
    redeemerProxy: raw.redeemerProxy as string,
    cogateway: raw.cogateway as string,
    redeemPool: raw.redeemPool as string,
  };
}

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

/** One subgraph, read at a pinned block. */
export class SubgraphReader {
  private readonly client: GraphQLClient;
  /** Its requests' fetch: answers bounded in size and time (bounded-fetch.ts). */
  readonly fetch: typeof fetch;
  constructor(
    readonly url: string,
    limits: AnswerLimits = {},
  ) {
    this.fetch = boundedFetch(limits);
    this.client = new GraphQLClient(url, { fetch: this.fetch });
  }

  async head(): Promise<{ number: number; hash: string } | null> {
    let block: unknown;
    try {
      block = (
        await this.client.request<{ _meta?: { block?: unknown } }>(`{ _meta { block { number hash } } }`)
      )._meta?.block;
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
        `the subgraph at ${this.url} answered _meta.block ${JSON.stringify(block)}, not a block number and hash`,
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
      const page = (await this.client.request<{ page: Raw[] }>(query, { after })).page;
      after = this.checkPage(field, page, after);
      rows.push(...page);
      if (page.length < PAGE) return rows;
    }
  }

  /**
   * A page's rows must be at most a page, with ids rising past the last page's: a subgraph that
   * answered the same full page again would otherwise be asked for the next one forever. Returns
   * the page's last id.
   */
  private checkPage(field: string, page: unknown, after: string): string {
    if (!Array.isArray(page) || page.length > PAGE)
      throw new Error(`the subgraph at ${this.url} answered ${field} with no page of at most ${PAGE} rows`);
    let last = after;
    for (const row of page as Raw[]) {
      const id = row?.id;
      // Bytes ids as lower-case hex of whole bytes: their text order is their byte order.
      if (typeof id !== "string" || !/^0x(?:[0-9a-f]{2})*$/.test(id) || id <= last) {
        throw new Error(
          `the subgraph at ${this.url} answered ${field} out of order: id ${String(id)} after ${last} (ids must rise)`,
        );
      }
      last = id;
    }
    return last;
  }

  async recent(field: string, fields: string, block: number): Promise<Raw[]> {
    const query = `{ page: ${field}(first: ${RECENT_HEIGHTS}, orderBy: blockHeight, orderDirection: desc,
      block: { number: ${block} }) { ${fields} } }`;
    const page = (await this.client.request<{ page: unknown }>(query)).page;
    if (!Array.isArray(page) || page.length > RECENT_HEIGHTS)
      throw new Error(
        `the subgraph at ${this.url} answered ${field} with no page of at most ${RECENT_HEIGHTS} rows`,
      );
    return page as Raw[];
  }
}

export interface StateSnapshot {
  state: IndexedState;
  blocks: { origin: { number: number; hash: string }; auxiliary: { number: number; hash: string } };
}

const STAKE_REQUEST_FIELDS =
  "id status amount beneficiary gasPrice gasLimit nonce staker stakerProxy gateway composer requestedBlock";
const REDEEM_REQUEST_FIELDS =
  "id status amount beneficiary gasPrice gasLimit nonce redeemer redeemerProxy cogateway redeemPool requestedBlock";
const WORKER_CHANGE_FIELDS = "id worker expirationHeight block logIndex";

function workerChange(raw: Raw): IndexedWorkerChange {
  return {
    worker: raw.worker as string,
    expirationHeight: big(raw.expirationHeight),
    block: big(raw.block),
    logIndex: big(raw.logIndex),
  };
}

/** One chain's open messages (not Progressed), anchored heights and proofs, at its head. */
async function openState(reader: SubgraphReader, block: number) {
  const [open, anchored, proofs] = await Promise.all([
    reader.all("messages", "status_not: Progressed,", MESSAGE_FIELDS, block),
    reader.recent("anchoredStateRoots", "blockHeight", block),
    reader.recent("gatewayProofs", "gateway remoteGateway blockHeight", block),
  ]);
  return {
    open,
    anchoredStateRoots: anchored.map((raw) => ({ blockHeight: big(raw.blockHeight) })),
    gatewayProofs: proofs.map((raw): IndexedGatewayProof => ({
      gateway: raw.gateway as string,
      remoteGateway: raw.remoteGateway as string,
      blockHeight: big(raw.blockHeight),
    })),
  };
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
  const chain = (head: { number: number }, opened: typeof originState, copies: Raw[]): ChainState => ({
    latestBlock: BigInt(head.number),
    messages: [...opened.open, ...copies].map(message),
    anchoredStateRoots: opened.anchoredStateRoots,
    gatewayProofs: opened.gatewayProofs,
  });
  return {
    state: {
      origin: {
        ...chain(originHead, originState, originCopies),
        stakeRequests: stakeRequests.map(stakeRequest),
        workerChanges: originWorkers.map(workerChange),
      },
      auxiliary: {
        ...chain(auxiliaryHead, auxiliaryState, auxiliaryCopies),
        redeemRequests: redeemRequests.map(redeemRequest),
        workerChanges: auxiliaryWorkers.map(workerChange),
      },
    },
    blocks: { origin: originHead, auxiliary: auxiliaryHead },
  };
}
