// Where one facilitation stands, for operators: a request or message hash joined across both
// chains' subgraphs and the executor's books, with the step it is at and what it waits for; and the
// list of intents in flight and recently finished. Secrets stay out: no unlock secret is read from
// the subgraphs or the books, calldata and raw transactions are never shown (a progress call carries
// the secret), and error texts lose their long hex.
import { formatUnits } from "ethers";
import type { Books, IntentWithAttempts, SkipRecord } from "./bookkeeping/index.ts";
import { heightSubject, parseHeightSubject, type Step } from "./decide/decision.ts";
import type { ChainName, MessageBox, MessageKind, MessageStatus, RequestStatus } from "./decide/state.ts";
import type { SubgraphReader } from "./feed/indexed-state.ts";
import * as row from "./feed/indexed-rows.ts";
import { RowRefused, type Raw } from "./feed/indexed-rows.ts";
import { scrubText } from "./observability/redact.ts";

export type BooksView = Pick<Books, "intentsFor" | "inFlight" | "recent" | "skips">;
export type Readers = Record<ChainName, SubgraphReader>;

export interface StatusSources {
  readers: Readers;
  books: BooksView;
}

export class StatusError extends Error {
  override name = "StatusError";
}

export interface RequestView {
  kind: MessageKind;
  chain: ChainName;
  hash: string;
  status: RequestStatus;
  amount: bigint;
  beneficiary: string;
  gasPrice: bigint;
  gasLimit: bigint;
  nonce: bigint;
  /** The staker or redeemer. */
  requester: string;
  /** The StakerProxy or RedeemerProxy: the message's sender. */
  proxy: string;
  /** The gateway (stakes) or cogateway (redeems) the request names: its gateway pair. */
  gateway: string;
  requestedBlock: bigint;
  acceptedBlock: bigint | null;
  revokedBlock: bigint | null;
  rejectedBlock: bigint | null;
  messageHash: string | null;
}

export interface MessageView {
  chain: ChainName;
  box: MessageBox;
  status: MessageStatus;
  gateway: string;
  hashLock: string | null;
  declaredBlock: bigint | null;
  confirmedBlock: bigint | null;
  /** Inbox: the other chain's height whose proof the confirmation used. */
  blockHeight: bigint | null;
  progressedBlock: bigint | null;
  progressedWithProof: boolean | null;
  revocationDeclaredBlock: bigint | null;
  revokedBlock: bigint | null;
}

export type Stage =
  | "requested" // waiting for a facilitator to accept the request
  | "declared" // in the source outbox: anchor, proof and confirmation to come
  | "confirmed" // in the target inbox: progress on both chains to come
  | "progressing" // progressed on one chain, not yet on the other
  | "progressed" // done on both chains
  | "revoked" // the request was withdrawn before acceptance
  | "rejected" // the request was turned down by the pool's organization
  | "reverting" // its sender declared a revocation: confirm and progress the revert to come
  | "reverted" // revoked on both chains: the amount went back to the sender
  | "revertLost" // progressed on the target chain before the revocation was confirmed there
  | "unknown"; // neither subgraph knows the hash

export interface Wait {
  for:
    | "acceptance"
    | "anchor"
    | "proof"
    | "confirmIntent"
    | "progress"
    | "inFlight"
    | "confirmations"
    | "indexing"
    | "retry"
    | "operator";
  detail: string;
}

export interface AttemptView {
  hash: string;
  nonce: bigint;
  maxFeePerGas: bigint;
  maxPriorityFeePerGas: bigint;
  gasLimit: bigint;
  status: string;
  replaces: string | null;
  createdAt: string;
}

export interface IntentView {
  subject: string;
  step: string;
  /** The chain the transaction goes to, when the step says it. */
  chain: ChainName | null;
  chainId: number;
  status: string;
  minedHash: string | null;
  minedBlock: bigint | null;
  error: { kind: string; message: string } | null;
  /** Failures so far (the operator's retry resets it). */
  failures: number;
  /** A failed intent's next try (ISO time); null when due now or not failed. */
  nextAttemptAt: string | null;
  createdAt: string;
  updatedAt: string;
  attempts: AttemptView[];
}

export interface SkipView {
  subject: string;
  reason: string;
  at: string;
}

export interface StatusReport {
  /** The hash asked about, in lower case as the subgraphs write it. */
  subject: string;
  kind: MessageKind | null;
  /** The block each subgraph was read at. */
  heads: Record<ChainName, number>;
  request: RequestView | null;
  messageHash: string | null;
  messages: Record<ChainName, MessageView | null>;
  stage: Stage;
  /** One sentence: where the flow is. */
  summary: string;
  /** The flow steps still to do. */
  next: Step[];
  waitingFor: Wait[];
  intents: IntentView[];
  skips: SkipView[];
}

interface Flow {
  source: ChainName;
  target: ChainName;
  requestField: "stakeRequest" | "redeemRequest";
  accept: Step;
  confirm: Step;
  progressSource: Step;
  progressTarget: Step;
  /** The revert flow: the revocation confirmed on the target chain, then progressed on the source. */
  confirmRevert: Step;
  progressRevert: Step;
  /** A revert that lost its race to a progress on the target chain: the source progressed with a proof. */
  progressLost: Step;
}

const FLOWS: Record<MessageKind, Flow> = {
  Stake: {
    source: "origin",
    target: "auxiliary",
    requestField: "stakeRequest",
    accept: "acceptStake",
    confirm: "confirmStakeIntent",
    progressSource: "progressStake",
    progressTarget: "progressMint",
    confirmRevert: "confirmRevertStakeIntent",
    progressRevert: "progressRevertStake",
    progressLost: "progressStakeWithProof",
  },
  Redeem: {
    source: "auxiliary",
    target: "origin",
    requestField: "redeemRequest",
    accept: "acceptRedeem",
    confirm: "confirmRedeemIntent",
    progressSource: "progressRedeem",
    progressTarget: "progressUnstake",
    confirmRevert: "confirmRevertRedeemIntent",
    progressRevert: "progressRevertRedeem",
    progressLost: "progressRedeemWithProof",
  },
};

/** The chain each message step's transaction goes to (anchor and proveGateway: see chainOfIntent). */
const STEP_CHAIN: Partial<Record<string, ChainName>> = Object.fromEntries(
  Object.values(FLOWS).flatMap((flow) => [
    [flow.accept, flow.source],
    [flow.confirm, flow.target],
    [flow.progressSource, flow.source],
    [flow.progressTarget, flow.target],
    [flow.confirmRevert, flow.target],
    [flow.progressRevert, flow.source],
    [flow.progressLost, flow.source],
  ]),
);

const other = (chain: ChainName): ChainName => (chain === "origin" ? "auxiliary" : "origin");
const HASH = /^0x[0-9a-f]{64}$/;
/** Skips are listed newest first without a lookup by subject: this many are searched. */
const SKIPS_SEARCHED = 1000;
/** Anchored heights listed (and whose proveGateway intents are looked up) per facilitation. */
const HEIGHTS_SHOWN = 10;

const REQUEST_FIELDS = `id status amount beneficiary gasPrice gasLimit nonce requestedBlock acceptedBlock
  revokedBlock rejectedBlock message { id }`;
const REQUEST_PARTIES = {
  stakeRequest: "staker stakerProxy gateway",
  redeemRequest: "redeemer redeemerProxy cogateway",
};
const MESSAGE_FIELDS = `id kind box status gateway hashLock declaredBlock confirmedBlock blockHeight progressedBlock
  progressedWithProof revocationDeclaredBlock revokedBlock stakeRequest { id } redeemRequest { id }`;

function describeFailure(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  const first = String((error as Error).message ?? error).split("\n")[0] ?? "";
  const text = cause?.code ? `${first} (${cause.code})` : first;
  return scrubText(text.length > 300 ? `${text.slice(0, 300)}…` : text);
}

/** A subgraph call, its failure named by chain and endpoint. */
async function ask<T>(chain: ChainName, reader: SubgraphReader, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    const text = describeFailure(error);
    // The reader's own errors name the subgraph already ("the subgraph at … answered …").
    const own = `the subgraph at ${reader.shown} `;
    throw new StatusError(
      `the ${chain} subgraph at ${reader.shown} ${text.startsWith(own) ? text.slice(own.length) : `did not answer: ${text}`}`,
    );
  }
}

async function headsOf(readers: Readers): Promise<Record<ChainName, number>> {
  const head = async (chain: ChainName) => {
    const block = await ask(chain, readers[chain], () => readers[chain].head());
    if (block === null) {
      throw new StatusError(
        `the ${chain} subgraph at ${readers[chain].shown} has not indexed its first block yet`,
      );
    }
    return block.number;
  };
  const [origin, auxiliary] = await Promise.all([head("origin"), head("auxiliary")]);
  return { origin, auxiliary };
}

/** Reads the entities of one facilitation, each chain at the block its head was read at. */
class Lookup {
  constructor(
    private readonly readers: Readers,
    private readonly heads: Record<ChainName, number>,
  ) {}

  /** Queries are this module's constants; values go in as typed variables. */
  private query<T>(chain: ChainName, query: string, variables: Record<string, string | number>): Promise<T> {
    const reader = this.readers[chain];
    return ask(chain, reader, () => reader.request<T>(query, { ...variables, block: this.heads[chain] }));
  }

  /**
   * A row turned into what the status shows, each field checked against the schema: a row the
   * schema does not allow (or text meant for the terminal) fails the status, naming it.
   */
  private checked<T>(chain: ChainName, field: string, raw: Raw, read: (raw: Raw) => T): T {
    try {
      if (typeof raw !== "object" || raw === null) throw new RowRefused("the row is not an object");
      return read(raw);
    } catch (error) {
      if (!(error instanceof RowRefused)) throw error;
      throw new StatusError(
        `the ${chain} subgraph at ${this.readers[chain].shown} answered a ${field} the schema does not allow (${error.message}): not shown`,
      );
    }
  }

  private async entity(chain: ChainName, field: string, id: string, fields: string): Promise<Raw | null> {
    const data = await this.query<{ entity: Raw | null }>(
      chain,
      `query($id: ID!, $block: Int!) { entity: ${field}(id: $id, block: { number: $block }) { ${fields} } }`,
      { id },
    );
    return data.entity;
  }

  /** Block heights of `field` entities matching `where`, highest first. */
  private async heights(
    chain: ChainName,
    field: "anchoredStateRoots" | "gatewayProofs",
    first: number,
    where: { from?: bigint; gateway?: string },
  ): Promise<bigint[]> {
    const data = await this.query<{ rows: Raw[] }>(
      chain,
      `query($block: Int!, $from: BigInt!${where.gateway === undefined ? "" : ", $gateway: Bytes!"}) {
        rows: ${field}(first: ${first}, orderBy: blockHeight, orderDirection: desc, block: { number: $block },
          where: { blockHeight_gte: $from${where.gateway === undefined ? "" : ", remoteGateway: $gateway"} }) { blockHeight } }`,
      {
        from: String(where.from ?? 0n),
        ...(where.gateway === undefined ? {} : { gateway: where.gateway.toLowerCase() }),
      },
    );
    if (!Array.isArray(data.rows))
      throw new StatusError(
        `the ${chain} subgraph at ${this.readers[chain].shown} answered no list of ${field}`,
      );
    return data.rows.map((raw) =>
      this.checked(chain, field, raw, (checked) => row.uint(checked, "blockHeight")),
    );
  }

  async request(kind: MessageKind, hash: string): Promise<RequestView | null> {
    const flow = FLOWS[kind];
    const fields = `${REQUEST_FIELDS} ${REQUEST_PARTIES[flow.requestField]}`;
    const raw = await this.entity(flow.source, flow.requestField, hash, fields);
    if (raw === null) return null;
    const stake = kind === "Stake";
    return this.checked(flow.source, flow.requestField, raw, (checked) => ({
      kind,
      chain: flow.source,
      hash: row.hash(checked, "id"),
      status: row.oneOf(checked, "status", row.REQUEST_STATUSES),
      amount: row.uint(checked, "amount"),
      beneficiary: row.address(checked, "beneficiary"),
      gasPrice: row.uint(checked, "gasPrice"),
      gasLimit: row.uint(checked, "gasLimit"),
      nonce: row.uint(checked, "nonce"),
      requester: row.address(checked, stake ? "staker" : "redeemer"),
      proxy: row.address(checked, stake ? "stakerProxy" : "redeemerProxy"),
      gateway: row.address(checked, stake ? "gateway" : "cogateway"),
      requestedBlock: row.uint(checked, "requestedBlock"),
      acceptedBlock: row.uintOrNull(checked, "acceptedBlock"),
      revokedBlock: row.uintOrNull(checked, "revokedBlock"),
      rejectedBlock: row.uintOrNull(checked, "rejectedBlock"),
      messageHash: row.referenceOrNull(checked, "message"),
    }));
  }

  /** The message as `chain` sees it, with its kind and (on the request's chain) its request. */
  async message(
    chain: ChainName,
    hash: string,
  ): Promise<{ view: MessageView; kind: MessageKind; requestHash: string | null } | null> {
    const raw = await this.entity(chain, "message", hash, MESSAGE_FIELDS);
    if (raw === null) return null;
    return this.checked(chain, "message", raw, (checked) => ({
      view: {
        chain,
        box: row.oneOf(checked, "box", row.MESSAGE_BOXES),
        status: row.oneOf(checked, "status", row.MESSAGE_STATUSES),
        gateway: row.address(checked, "gateway"),
        hashLock: row.hashOrNull(checked, "hashLock"),
        declaredBlock: row.uintOrNull(checked, "declaredBlock"),
        confirmedBlock: row.uintOrNull(checked, "confirmedBlock"),
        blockHeight: row.uintOrNull(checked, "blockHeight"),
        progressedBlock: row.uintOrNull(checked, "progressedBlock"),
        progressedWithProof: row.booleanOrNull(checked, "progressedWithProof"),
        revocationDeclaredBlock: row.uintOrNull(checked, "revocationDeclaredBlock"),
        revokedBlock: row.uintOrNull(checked, "revokedBlock"),
      },
      kind: row.oneOf(checked, "kind", row.MESSAGE_KINDS),
      requestHash:
        row.referenceOrNull(checked, "stakeRequest") ?? row.referenceOrNull(checked, "redeemRequest"),
    }));
  }

  /** The newest heights at or above `from` anchored on `target`, highest first. */
  anchoredFrom(target: ChainName, from: bigint): Promise<bigint[]> {
    return this.heights(target, "anchoredStateRoots", HEIGHTS_SHOWN, { from });
  }

  async highestAnchored(target: ChainName): Promise<bigint | null> {
    return (await this.heights(target, "anchoredStateRoots", 1, {}))[0] ?? null;
  }

  /** The highest height at or above `from` at which `remoteGateway` was proven on `target`. */
  async highestProvenFrom(target: ChainName, remoteGateway: string, from: bigint): Promise<bigint | null> {
    return (await this.heights(target, "gatewayProofs", 1, { from, gateway: remoteGateway }))[0] ?? null;
  }
}

function chainOfIntent(intent: { step: string; subject: string }): ChainName | null {
  const height = parseHeightSubject(intent.subject);
  // An anchor or a proof of a height of one chain is sent to the other chain.
  if (height && (intent.step === "anchor" || intent.step === "proveGateway")) return other(height.chain);
  return STEP_CHAIN[intent.step] ?? null;
}

function intentView(intent: IntentWithAttempts): IntentView {
  return {
    subject: intent.subject,
    step: intent.step,
    chain: chainOfIntent(intent),
    chainId: intent.chainId,
    status: intent.status,
    minedHash: intent.minedHash,
    minedBlock: intent.minedBlock,
    error:
      intent.errorKind === null && intent.errorMessage === null
        ? null
        : { kind: intent.errorKind ?? "unknown", message: scrubText(intent.errorMessage ?? "") },
    failures: intent.failures,
    nextAttemptAt: intent.nextAttemptAt?.toISOString() ?? null,
    createdAt: intent.createdAt.toISOString(),
    updatedAt: intent.updatedAt.toISOString(),
    // Deliberately field by field: the raw transaction and the calldata may hold the unlock secret.
    attempts: intent.attempts.map((attempt) => ({
      hash: attempt.hash,
      nonce: attempt.nonce,
      maxFeePerGas: attempt.maxFeePerGas,
      maxPriorityFeePerGas: attempt.maxPriorityFeePerGas,
      gasLimit: attempt.gasLimit,
      status: attempt.status,
      replaces: attempt.replaces,
      createdAt: attempt.createdAt.toISOString(),
    })),
  };
}

const skipView = (skip: SkipRecord): SkipView => ({
  subject: scrubText(skip.subject),
  reason: scrubText(skip.reason),
  at: skip.updatedAt.toISOString(),
});

interface FlowPosition {
  stage: Stage;
  summary: string;
  next: Step[];
  /** Waits of the flow itself, each tied to the step it holds up (intents of that step replace it). */
  waits: (Wait & { step?: Step })[];
  /** Height subjects (`origin@120`) whose proveGateway intents concern this flow. */
  heightSubjects: string[];
  /** Anchor intents in flight cover any height at or above this block of this chain. */
  anchorFrom?: { chain: ChainName; block: bigint };
}

async function declaredPosition(
  lookup: Lookup,
  kind: MessageKind,
  outbox: MessageView,
): Promise<FlowPosition> {
  const flow = FLOWS[kind];
  const { source, target } = flow;
  const declared = outbox.declaredBlock;
  const base = { stage: "declared" as const, next: [flow.confirm] };
  if (declared === null) {
    return {
      ...base,
      summary: `declared on ${source}; the declaration block is not indexed`,
      waits: [],
      heightSubjects: [],
    };
  }
  const [anchored, provenHeight] = await Promise.all([
    lookup.anchoredFrom(target, declared),
    lookup.highestProvenFrom(target, outbox.gateway, declared),
  ]);
  // A proof for a pair other than the first names the proven gateway (heightSubject).
  const proofSubjects = [...anchored, ...(provenHeight === null ? [] : [provenHeight])].flatMap((height) => [
    heightSubject(source, height),
    heightSubject(source, height, outbox.gateway),
  ]);
  if (provenHeight !== null) {
    return {
      ...base,
      summary: `declared on ${source} in block ${declared}; ${source} height ${provenHeight} is proven on ${target}`,
      waits: [
        {
          for: "confirmIntent",
          step: flow.confirm,
          detail: `${flow.confirm} on ${target} with the proof at ${source} height ${provenHeight}`,
        },
      ],
      heightSubjects: proofSubjects,
    };
  }
  if (anchored.length > 0) {
    return {
      ...base,
      summary: `declared on ${source} in block ${declared}; anchored on ${target} at ${source} height ${anchored.join(", ")}`,
      waits: [
        {
          for: "proof",
          detail: `proveGateway on ${target} of the ${source} gateway at an anchored height at or above ${declared} (anchored: ${anchored.join(", ")})`,
        },
      ],
      heightSubjects: proofSubjects,
    };
  }
  const highest = await lookup.highestAnchored(target);
  return {
    ...base,
    summary: `declared on ${source} in block ${declared}; no ${source} state root at or above it is anchored on ${target} yet`,
    waits: [
      {
        for: "anchor",
        detail: `an ${source} state root anchored on ${target} at or above block ${declared} (highest anchored: ${highest ?? "none"})`,
      },
    ],
    heightSubjects: [],
    anchorFrom: { chain: source, block: declared },
  };
}

function requestPosition(request: RequestView, flow: Flow): FlowPosition {
  const none = { next: [], waits: [], heightSubjects: [] };
  switch (request.status) {
    case "Requested":
      return {
        stage: "requested",
        summary: `requested on ${request.chain} in block ${request.requestedBlock}; not accepted yet`,
        next: [flow.accept],
        waits: [
          {
            for: "acceptance",
            step: flow.accept,
            detail: `a facilitator to accept the request (${flow.accept} on ${request.chain})`,
          },
        ],
        heightSubjects: [],
      };
    case "Revoked":
      return {
        ...none,
        stage: "revoked",
        summary: `revoked by its requester in block ${request.revokedBlock}`,
      };
    case "Rejected":
      return {
        ...none,
        stage: "rejected",
        summary: `rejected by the pool's organization in block ${request.rejectedBlock}`,
      };
    case "Accepted":
      return {
        ...none,
        stage: "declared",
        summary: `accepted in block ${request.acceptedBlock}; its message is not indexed on ${request.chain}`,
        next: [flow.confirm],
      };
  }
}

async function messagePosition(
  lookup: Lookup,
  kind: MessageKind,
  outbox: MessageView,
  inbox: MessageView | null,
): Promise<FlowPosition> {
  const flow = FLOWS[kind];
  const { source, target } = flow;
  const none = { next: [], waits: [], heightSubjects: [] };
  if (outbox.status === "RevocationDeclared" || outbox.status === "Revoked" || inbox?.status === "Revoked") {
    return revertPosition(flow, outbox, inbox);
  }
  if (inbox === null) return declaredPosition(lookup, kind, outbox);
  const sourceDone = outbox.status === "Progressed";
  const targetDone = inbox.status === "Progressed";
  if (sourceDone && targetDone) {
    return { ...none, stage: "progressed", summary: `progressed on both chains` };
  }
  const next = [...(sourceDone ? [] : [flow.progressSource]), ...(targetDone ? [] : [flow.progressTarget])];
  const waits = next.map((step) => ({
    for: "progress" as const,
    step,
    detail: `${step} on ${STEP_CHAIN[step]} with the unlock secret of hash lock ${outbox.hashLock ?? "(not indexed)"}`,
  }));
  return {
    stage: sourceDone || targetDone ? "progressing" : "confirmed",
    summary:
      sourceDone || targetDone
        ? `progressed on ${sourceDone ? source : target}, not yet on ${sourceDone ? target : source}`
        : `confirmed on ${target} in block ${inbox.confirmedBlock} with the proof at ${source} height ${inbox.blockHeight}`,
    next,
    waits,
    heightSubjects: [],
  };
}

/** Where a revert stands: its sender declared a revocation in the source outbox. */
function revertPosition(flow: Flow, outbox: MessageView, inbox: MessageView | null): FlowPosition {
  const { source, target } = flow;
  const none = { next: [], waits: [], heightSubjects: [] };
  const declared = `revocation declared on ${source} in block ${outbox.revocationDeclaredBlock ?? "(not indexed)"}`;
  if (outbox.status === "Revoked") {
    return {
      ...none,
      stage: "reverted",
      summary: `reverted: revoked on ${source} in block ${outbox.revokedBlock}, the amount back to the sender, bounty and penalty burned`,
    };
  }
  if (inbox === null) {
    return {
      ...none,
      stage: "reverting",
      summary: `${declared}; the intent was never confirmed on ${target}, so the revocation cannot be confirmed there (revertUnconfirmed)`,
    };
  }
  if (inbox.status === "Progressed") {
    const step = flow.progressLost;
    return {
      stage: "revertLost",
      summary: `${declared}, but the message was progressed on ${target} in block ${inbox.progressedBlock} first: the revert cannot complete (revertLost)`,
      next: [step],
      waits: [
        {
          for: "progress",
          step,
          detail: `${step} on ${source} with a proof of the ${target} inbox (Progressed) at a proven height at or above ${target} block ${inbox.progressedBlock}`,
        },
      ],
      heightSubjects: [],
    };
  }
  const step = inbox.status === "Revoked" ? flow.progressRevert : flow.confirmRevert;
  const chain = inbox.status === "Revoked" ? source : target;
  return {
    stage: "reverting",
    summary:
      inbox.status === "Revoked"
        ? `${declared}; revoked on ${target} in block ${inbox.revokedBlock}`
        : `${declared}; confirmed on ${target} in block ${inbox.confirmedBlock}`,
    next: [step],
    waits: [
      {
        for: inbox.status === "Revoked" ? "progress" : "confirmIntent",
        step,
        detail: `${step} on ${chain} with a proof of the ${inbox.status === "Revoked" ? `${target} inbox` : `${source} outbox`} at a proven height at or above ${inbox.status === "Revoked" ? `${target} block ${inbox.revokedBlock}` : `${source} block ${outbox.revocationDeclaredBlock}`}`,
      },
    ],
    heightSubjects: [],
  };
}

const reason = (intent: IntentView) =>
  intent.error === null ? "no reason recorded" : `${intent.error.kind}: ${intent.error.message}`;
const nextTry = (intent: IntentView) =>
  intent.nextAttemptAt === null ? "now" : `at ${intent.nextAttemptAt}`;

function intentWaits(intents: IntentView[], next: Step[]): Wait[] {
  return intents.flatMap((intent): Wait[] => {
    const where = intent.chain ?? `chain ${intent.chainId}`;
    const last = intent.attempts.at(-1);
    const attempt = last ? `attempt ${last.hash} (nonce ${last.nonce})` : "no attempt";
    switch (intent.status) {
      case "planned":
        return [{ for: "inFlight", detail: `${intent.step} on ${where} is planned, not signed yet` }];
      case "sending":
      case "sent":
        return [{ for: "inFlight", detail: `${intent.step} on ${where}: ${attempt} awaits its receipt` }];
      case "mined":
        return [
          {
            for: "confirmations",
            detail: `${intent.step} mined in ${where} block ${intent.minedBlock} (${intent.minedHash}): waiting for confirmations`,
          },
        ];
      case "confirmed":
        return (next as string[]).includes(intent.step)
          ? [
              {
                for: "indexing",
                detail: `${intent.step} is confirmed (${intent.minedHash}); the ${where} subgraph does not show it yet`,
              },
            ]
          : [];
      case "failed":
        return [
          {
            for: "retry",
            detail:
              `${intent.step} on ${where} failed (${reason(intent)}); failures: ${intent.failures}; ` +
              `next try ${nextTry(intent)}, while the indexed state still needs it`,
          },
        ];
      case "abandoned":
        return [
          {
            for: "operator",
            detail:
              `${intent.step} on ${where} is abandoned (${reason(intent)}; failures: ${intent.failures}); ` +
              `\`npm run facilitator -- retry ${intent.subject} --step ${intent.step}\` tries it again`,
          },
        ];
      default:
        return [];
    }
  });
}

/** Intents of the given subjects and of anchors in flight covering `anchorFrom`, oldest first. */
async function intentsOf(
  books: BooksView,
  subjects: string[],
  anchorFrom: FlowPosition["anchorFrom"],
): Promise<IntentWithAttempts[]> {
  const found = await Promise.all([...new Set(subjects)].map((subject) => books.intentsFor(subject)));
  const all = found.flat();
  if (anchorFrom) {
    for (const intent of await books.inFlight()) {
      const height = parseHeightSubject(intent.subject);
      if (
        intent.step === "anchor" &&
        height?.chain === anchorFrom.chain &&
        height.blockHeight >= anchorFrom.block
      ) {
        all.push(intent);
      }
    }
  }
  const byId = new Map(all.map((intent) => [intent.id, intent]));
  return [...byId.values()].sort((a, b) => a.id - b.id);
}

/**
 * The facilitation of a request hash or a message hash: both chains' subgraphs read at their heads
 * and the executor's books. Throws StatusError when the hash is malformed or a subgraph does not
 * answer.
 */
export async function statusOf(hash: string, sources: StatusSources): Promise<StatusReport> {
  const subject = hash.toLowerCase();
  if (!HASH.test(subject)) {
    throw new StatusError(`expected a request or message hash (0x and 64 hex digits), got "${hash}"`);
  }
  // The executor writes a decision to the books after reading the subgraphs, so the books may hold
  // one made on blocks past the heads read here (a skip beside "neither subgraph knows this hash").
  // When the heads are the same after the books were read, every decision in them was made at or
  // below these heads; otherwise the status is read again at the new heads.
  let heads = await headsOf(sources.readers);
  for (let read = 1; ; read++) {
    const report = await statusAt(subject, hash, heads, sources);
    const after = await headsOf(sources.readers);
    if (sameHeads(after, heads) || read === CONSISTENT_READS) return report;
    heads = after;
  }
}

/** Reads of a status before it is given as read, when the subgraphs keep moving while it is read. */
const CONSISTENT_READS = 3;

const sameHeads = (a: Record<ChainName, number>, b: Record<ChainName, number>) =>
  a.origin === b.origin && a.auxiliary === b.auxiliary;

async function statusAt(
  subject: string,
  hash: string,
  heads: Record<ChainName, number>,
  { readers, books }: StatusSources,
): Promise<StatusReport> {
  const lookup = new Lookup(readers, heads);
  const [stake, redeem, onOrigin, onAuxiliary] = await Promise.all([
    lookup.request("Stake", subject),
    lookup.request("Redeem", subject),
    lookup.message("origin", subject),
    lookup.message("auxiliary", subject),
  ]);
  let request = stake ?? redeem;
  // Only the source outbox links the request (a redeem's origin inbox has none), so prefer it.
  const asMessage = [onOrigin, onAuxiliary].find((found) => found?.requestHash) ?? onOrigin ?? onAuxiliary;
  const kind = request?.kind ?? asMessage?.kind ?? null;
  const messageHash = request?.messageHash ?? (asMessage ? subject : null);

  let messages: Record<ChainName, MessageView | null> = {
    origin: onOrigin?.view ?? null,
    auxiliary: onAuxiliary?.view ?? null,
  };
  if (messageHash !== null && messageHash !== subject) {
    const [origin, auxiliary] = await Promise.all([
      lookup.message("origin", messageHash),
      lookup.message("auxiliary", messageHash),
    ]);
    messages = { origin: origin?.view ?? null, auxiliary: auxiliary?.view ?? null };
  }
  if (request === null && asMessage?.requestHash && kind)
    request = await lookup.request(kind, asMessage.requestHash);

  let position: FlowPosition;
  if (kind === null) {
    position = {
      stage: "unknown",
      summary: `neither subgraph knows this hash (origin indexed to block ${heads.origin}, auxiliary to block ${heads.auxiliary})`,
      next: [],
      waits: [],
      heightSubjects: [],
    };
  } else {
    const flow = FLOWS[kind];
    const outbox = messages[flow.source];
    if (outbox !== null) position = await messagePosition(lookup, kind, outbox, messages[flow.target]);
    else if (request !== null) position = requestPosition(request, flow);
    else {
      position = {
        stage: "unknown",
        summary: `on ${flow.target} but not (yet) indexed in the ${flow.source} outbox`,
        next: [],
        waits: [],
        heightSubjects: [],
      };
    }
  }

  const subjects = [hash, subject, request?.hash, messageHash].filter((item): item is string => !!item);
  const intents = (
    await intentsOf(books, [...subjects, ...position.heightSubjects], position.anchorFrom)
  ).map(intentView);
  // A flow wait is replaced by its step's intent, which says more (attempt, block, error).
  const stepsWithIntent = new Set(
    intents.filter((intent) => intent.status !== "abandoned").map((intent) => intent.step),
  );
  const flowWaits = position.waits
    .filter((wait) => wait.step === undefined || !stepsWithIntent.has(wait.step))
    .map(({ for: what, detail }) => ({ for: what, detail }));
  const subjectSet = new Set(subjects.map((item) => item.toLowerCase()));
  const skips = (await books.skips(SKIPS_SEARCHED))
    .filter((skip) => subjectSet.has(skip.subject.toLowerCase()))
    .map(skipView);

  return {
    subject,
    kind,
    heads,
    request,
    messageHash,
    messages,
    stage: position.stage,
    summary: position.summary,
    next: position.next,
    waitingFor: [...flowWaits, ...intentWaits(intents, position.next)],
    intents,
    skips,
  };
}

export interface FacilitationList {
  /** Sending, sent, or mined and not yet confirmed. */
  inFlight: IntentView[];
  /** Planned and not signed yet. */
  planned: IntentView[];
  /** Confirmed, failed or abandoned, most recently changed first. */
  finished: IntentView[];
  skips: SkipView[];
}

export async function listFacilitations(
  books: BooksView,
  { limit = 20 }: { limit?: number } = {},
): Promise<FacilitationList> {
  const [inFlight, recent, skips] = await Promise.all([
    books.inFlight(),
    books.recent(limit),
    books.skips(limit),
  ]);
  const views = recent.map(intentView);
  return {
    inFlight: inFlight.map(intentView),
    planned: views.filter((intent) => intent.status === "planned"),
    finished: views.filter((intent) => ["confirmed", "failed", "abandoned"].includes(intent.status)),
    skips: skips.map(skipView),
  };
}

// Terminal output.

const gwei = (wei: bigint) => `${formatUnits(wei, "gwei")} gwei`;
const orNone = (items: string[], none = "  none") => (items.length === 0 ? [none] : items);

function formatIntent(intent: IntentView): string[] {
  const where = intent.chain ?? `chain ${intent.chainId}`;
  const mined = intent.minedHash ? `, mined ${intent.minedHash} in block ${intent.minedBlock}` : "";
  const lines = [
    `  ${intent.step} of ${intent.subject} on ${where}: ${intent.status}${mined} (${intent.updatedAt})`,
  ];
  if (intent.error) lines.push(`    error (${intent.error.kind}): ${intent.error.message}`);
  if (intent.status === "failed") {
    lines.push(`    failures: ${intent.failures}; next try ${nextTry(intent)}`);
  } else if (intent.status === "abandoned") {
    lines.push(`    failures: ${intent.failures}; abandoned: \`facilitator retry\` tries it again`);
  }
  for (const attempt of intent.attempts) {
    const replaces = attempt.replaces ? `, replaces ${attempt.replaces}` : "";
    lines.push(
      `    attempt ${attempt.hash} nonce ${attempt.nonce}: ${attempt.status}, max fee ${gwei(attempt.maxFeePerGas)}, ` +
        `tip ${gwei(attempt.maxPriorityFeePerGas)}, gas limit ${attempt.gasLimit}${replaces}`,
    );
  }
  return lines;
}

function formatMessage(chain: ChainName, message: MessageView | null): string {
  const name = chain.padEnd(10);
  if (message === null) return `  ${name}not on this chain (yet)`;
  const blocks = [
    message.declaredBlock !== null ? `declared in block ${message.declaredBlock}` : null,
    message.confirmedBlock !== null
      ? `confirmed in block ${message.confirmedBlock} (proof height ${message.blockHeight})`
      : null,
    message.progressedBlock !== null
      ? `progressed in block ${message.progressedBlock}${message.progressedWithProof ? " with a proof" : ""}`
      : null,
    message.revocationDeclaredBlock !== null
      ? `revocation declared in block ${message.revocationDeclaredBlock}`
      : null,
    message.revokedBlock !== null ? `revoked in block ${message.revokedBlock}` : null,
  ].filter((item) => item !== null);
  return `  ${name}${message.box} ${message.status}, hash lock ${message.hashLock ?? "(not indexed)"}, ${blocks.join(", ")}`;
}

export function formatStatus(report: StatusReport): string {
  const lines = [
    `${report.kind ?? "Unknown"} ${report.subject}` +
      (report.messageHash && report.messageHash !== report.subject ? ` (message ${report.messageHash})` : ""),
    `  stage: ${report.stage}: ${report.summary}`,
    `  subgraphs read at: origin block ${report.heads.origin}, auxiliary block ${report.heads.auxiliary}`,
  ];
  const request = report.request;
  if (request) {
    lines.push(
      "",
      `Request ${request.hash} on ${request.chain}: ${request.status}`,
      `  amount ${request.amount}, beneficiary ${request.beneficiary}, gas price ${request.gasPrice}, gas limit ${request.gasLimit}, nonce ${request.nonce}`,
      `  ${request.kind === "Stake" ? "staker" : "redeemer"} ${request.requester}, proxy ${request.proxy}, at ${request.kind === "Stake" ? "gateway" : "cogateway"} ${request.gateway}`,
      `  requested in block ${request.requestedBlock}` +
        (request.acceptedBlock !== null ? `, accepted in block ${request.acceptedBlock}` : ""),
    );
  }
  if (report.messageHash) {
    lines.push(
      "",
      `Message ${report.messageHash}`,
      formatMessage("origin", report.messages.origin),
      formatMessage("auxiliary", report.messages.auxiliary),
    );
  }
  lines.push("", `Next: ${report.next.length === 0 ? "nothing" : report.next.join(", ")}`);
  lines.push("Waiting for:", ...orNone(report.waitingFor.map((wait) => `  - ${wait.for}: ${wait.detail}`)));
  lines.push("Intents (the executor's books):", ...orNone(report.intents.flatMap(formatIntent)));
  lines.push(
    "Skips:",
    ...orNone(report.skips.map((skip) => `  - ${skip.subject}: ${skip.reason} (${skip.at})`)),
  );
  return lines.join("\n");
}

export function formatList(list: FacilitationList): string {
  const section = (title: string, intents: IntentView[]) => [
    `${title}:`,
    ...orNone(intents.flatMap(formatIntent)),
  ];
  return [
    ...section(`In flight (${list.inFlight.length})`, list.inFlight),
    ...section(`Planned (${list.planned.length})`, list.planned),
    ...section("Recently finished", list.finished),
    "Recent skips:",
    ...orNone(list.skips.map((skip) => `  - ${skip.subject}: ${skip.reason} (${skip.at})`)),
  ].join("\n");
}
