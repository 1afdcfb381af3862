// The executor benchmark: the local stack (two chains on 1-second blocks, both subgraphs in the
// embedded host, the anchorer and the executor), with requests sent by development accounts and
// nothing else acting on them. (1) The latency of each step of stake and redeem flows, in blocks,
// against the fewest blocks the step can take; (2) many stake requests sent at once, timed until
// every one is progressed on both chains. Block numbers and timestamps come from the subgraphs.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseEther, parseUnits, type HDNodeWallet } from "ethers";
import { headBlockNumber } from "../chain/blocks.ts";
import { bindOrigin } from "../chain/mosaic-contracts.ts";
import { devWallet, FIRST_USER_INDEX } from "../devnet/accounts.ts";
import type { DevNetwork } from "../devnet/network.ts";
import { mined } from "../chain/receipts.ts";
import { requestRedeem, requestStake } from "../devnet/user-requests.ts";
import { startLocalStack, type LocalStack } from "../stack/local-stack.ts";
import type { BenchContext, Benchmark } from "./benchmark.ts";
import {
  blocksBetween,
  median,
  STEPS,
  summarizeSteps,
  underFloor,
  type BlockPoint,
  type ChainName,
  type FlowBlocks,
} from "./flow-latency.ts";
import { postQuery } from "./query-load.ts";
import type { Figure } from "./results.ts";

export const executorBenchmark: Benchmark = {
  name: "executor",
  description:
    "blocks per step of stake and redeem flows against each step's floor, and concurrent stakes to completion",
  run: benchmarkExecutor,
};

/** Seconds between blocks on both chains. */
export const BLOCK_TIME = 1;
export const STAKE_AMOUNT = parseEther("100");
export const REDEEM_AMOUNT = parseEther("40");
/** What each request offers the facilitator. */
export const TERMS = { gasPrice: parseUnits("1", "gwei"), gasLimit: 200_000n };
const POLL_MS = 1000;
const CHAINS: ChainName[] = ["origin", "auxiliary"];
/** Gives each benchmark user ether and value tokens (it holds the development network's grant). */
const FUNDER = FIRST_USER_INDEX;
/**
 * The benchmark's users: development accounts of the test mnemonic from this index on, past those
 * anvil funds itself. anvil is left with its default accounts: devnet/anvil.ts does not see anvil
 * start when it lists many more than about 50 (its output tail loses the watchdog's pid line).
 */
export const FIRST_BENCH_USER = 1000;
const GAS_MONEY = parseEther("1");
/** Funding transfers, and users' requests, sent at once. */
const SLICE = 50;

export type Kind = "stake" | "redeem";

/** Where each kind of flow starts and ends, and its request entity on the source chain. */
const FLOW = {
  stake: { source: "origin", target: "auxiliary", requests: "stakeRequests" },
  redeem: { source: "auxiliary", target: "origin", requests: "redeemRequests" },
} as const satisfies Record<Kind, { source: ChainName; target: ChainName; requests: string }>;

export async function benchmarkExecutor({ options, stops, progress }: BenchContext): Promise<Figure[]> {
  const { flows, stakes } = options;
  // One warm-up user, then the users of the timed flows, then those of the concurrent stakes.
  const users = (first: number, count: number) =>
    Array.from({ length: count }, (_, n) => devWallet(FIRST_BENCH_USER + first + n));
  const [warmUpUser] = users(0, 1) as [HDNodeWallet];
  const flowUsers = users(1, flows);
  const stakeUsers = users(1 + flows, stakes);

  return onBenchStack("executor", { stops, progress }, async (stack) => {
    const run = new FlowRun(stack, progress);

    progress(`funding ${1 + flows + stakes} users from development account #${FUNDER}`);
    await fundUsers(stack.net, [warmUpUser, ...flowUsers, ...stakeUsers], [...flowUsers]);
    // The first accept also sends the facilitator's standing bounty approval (one block more, once):
    // a warm-up stake takes it out of the timed flows.
    progress("(1) warm-up: one stake flow (the first accept also approves the bounty, once)");
    await run.complete("stake", await run.sendStakes([warmUpUser]), 120_000);

    progress(`(2) ${flows} stakes at once, then ${flows} redeems at once by the same users`);
    const stakeFlows = await run.complete("stake", await run.sendStakes(flowUsers), 120_000);
    const redeemFlows = await run.complete("redeem", await run.sendRedeems(flowUsers), 120_000);
    const latencyParameters = { flows, blockTime: BLOCK_TIME };
    const figures = [
      ...latencyFigures("stake", stakeFlows, latencyParameters, progress),
      ...latencyFigures("redeem", redeemFlows, latencyParameters, progress),
    ];

    progress(`(3) ${stakes} stake requests at once, each from its own user`);
    const sentAt = performance.now();
    const requestHashes = await run.sendStakes(stakeUsers);
    progress(`${stakes} requests mined ${((performance.now() - sentAt) / 1000).toFixed(1)} s after sending`);
    const concurrent = await run.complete("stake", requestHashes, 60_000 + stakes * 1000);
    progress(
      `all ${stakes} progressed on both chains, seen ${((performance.now() - sentAt) / 1000).toFixed(1)} s after sending`,
    );
    figures.push(
      ...(await concurrentFigures(stack, concurrent, { stakes, blockTime: BLOCK_TIME }, progress)),
    );

    return figures;
  });
}

/**
 * Runs `body` on a local stack with the benches' block time in a fresh data directory. The stack stops
 * with the bench, and the directory goes with it unless `body` failed: then it is kept, with the
 * executor's log, for a look.
 */
export async function onBenchStack<T>(
  name: string,
  { stops, progress }: Pick<BenchContext, "stops" | "progress">,
  body: (stack: LocalStack) => Promise<T>,
): Promise<T> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), `mosaic-bench-${name}-`));
  let keepDataDir = false;
  stops.add(`the data directory ${dataDir}`, () => {
    if (!keepDataDir) rmSync(dataDir, { recursive: true, force: true });
  });
  progress(`starting the local stack: ${BLOCK_TIME}-second blocks, data in ${dataDir}`);
  const stack = await startLocalStack({
    network: { blockTime: BLOCK_TIME },
    dataDir,
    indexerPort: 0,
    progress,
  });
  stops.add("the local stack", () => stack.stop());
  try {
    const result = await body(stack);
    progress(summarizeLog(stack.files.log));
    return result;
  } catch (error) {
    keepDataDir = true;
    progress(`kept ${dataDir} for a look (the executor's log: ${stack.files.log})`);
    throw error;
  }
}

/**
 * Ether and one stake's value tokens on origin for every user, ether on auxiliary for the redeemers:
 * sent at once from one funder with its nonces counted here, so that they land in a block or two.
 */
export async function fundUsers(
  net: DevNetwork,
  users: HDNodeWallet[],
  redeemers: HDNodeWallet[],
): Promise<void> {
  const onOrigin = devWallet(FUNDER, net.origin.provider);
  const onAuxiliary = devWallet(FUNDER, net.auxiliary.provider);
  const { valueToken } = bindOrigin(net.deployment, onOrigin);
  let originNonce = await onOrigin.getNonce("pending");
  let auxiliaryNonce = await onAuxiliary.getNonce("pending");
  const transfers = [
    ...users.flatMap((user) => [
      () =>
        onOrigin.sendTransaction({
          to: user.address,
          value: GAS_MONEY,
          gasLimit: 21_000n,
          nonce: originNonce++,
        }),
      () => valueToken.transfer(user.address, STAKE_AMOUNT, { gasLimit: 100_000n, nonce: originNonce++ }),
    ]),
    ...redeemers.map(
      (user) => () =>
        onAuxiliary.sendTransaction({
          to: user.address,
          value: GAS_MONEY,
          gasLimit: 21_000n,
          nonce: auxiliaryNonce++,
        }),
    ),
  ];
  // Sent a slice at a time (still a few blocks in all): hundreds of requests at once time out on a
  // loaded machine.
  const sent = [];
  for (let start = 0; start < transfers.length; start += SLICE) {
    sent.push(...(await Promise.all(transfers.slice(start, start + SLICE).map((send) => send()))));
  }
  await Promise.all(sent.map((response) => mined(Promise.resolve(response))));
}

/**
 * Each user's requests, SLICE users at a time started together (each user's approve and request
 * one after the other): hundreds of users at once time out on a loaded machine, and the requests
 * still land in a few blocks.
 */
async function inSlices<T>(users: HDNodeWallet[], request: (user: HDNodeWallet) => Promise<T>): Promise<T[]> {
  const started: Promise<T>[] = [];
  for (let start = 0; start < users.length; start += SLICE) {
    const slice = users.slice(start, start + SLICE).map(request);
    started.push(...slice);
    // The next slice starts a second later, or as soon as this one is done.
    await Promise.race([Promise.allSettled(slice), new Promise((resolve) => setTimeout(resolve, 1000))]);
  }
  return Promise.all(started);
}

export interface FlowState {
  requestHash: string;
  requested: BlockPoint;
  messageId?: string;
  declared?: BlockPoint;
  confirmed?: BlockPoint;
  /** The source height whose proof the confirmation used. */
  proofHeight?: number;
  progressedSource?: BlockPoint;
  progressedTarget?: BlockPoint;
}

type Row = Record<string, unknown>;

export class FlowRun {
  constructor(
    private readonly stack: LocalStack,
    private readonly progress: (line: string) => void,
  ) {}

  async sendStakes(users: HDNodeWallet[]): Promise<string[]> {
    const requested = await inSlices(users, (user) =>
      requestStake(this.stack.net, user, {
        amount: STAKE_AMOUNT,
        beneficiary: user.address,
        ...TERMS,
      }),
    );
    return requested.map((request) => request.stakeRequestHash.toLowerCase());
  }

  /** Redeems by users whose stakes to themselves completed: they hold the utility tokens. */
  async sendRedeems(users: HDNodeWallet[]): Promise<string[]> {
    const requested = await inSlices(users, (user) =>
      requestRedeem(this.stack.net, user, {
        amount: REDEEM_AMOUNT,
        beneficiary: user.address,
        ...TERMS,
      }),
    );
    return requested.map((request) => request.redeemRequestHash.toLowerCase());
  }

  /** Waits until every flow is progressed on both chains; fails past the deadline, saying where they stand. */
  async complete(kind: Kind, requestHashes: string[], timeoutMs: number): Promise<FlowBlocks[]> {
    const deadline = Date.now() + timeoutMs;
    let said = "";
    let saidAt = 0;
    const lag = { origin: 0, auxiliary: 0 };
    for (;;) {
      const { states, indexed } = await this.read(kind, requestHashes);
      for (const chain of CHAINS) {
        const head = await headBlockNumber(this.stack.net[chain].provider);
        lag[chain] = Math.max(lag[chain], head - indexed[chain]);
      }
      const done = states.filter(isComplete);
      const stages = describeStages(kind, requestHashes.length, states);
      if (done.length === requestHashes.length) {
        this.progress(
          `${stages} (the subgraphs were at most ${lag.origin} origin and ${lag.auxiliary} auxiliary blocks behind the chains, sampled once a second)`,
        );
        return this.withAnchors(kind, done);
      }
      if (Date.now() > deadline) {
        throw new Error(
          `only ${done.length} of ${requestHashes.length} ${kind} flows completed within ${timeoutMs / 1000} s: ${stages}`,
        );
      }
      if (stages !== said && Date.now() - saidAt >= 5000) {
        this.progress(stages);
        [said, saidAt] = [stages, Date.now()];
      }
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  }

  private url(chain: ChainName): string {
    return this.stack.urls[chain].httpUrl;
  }

  /** Each request with its message on both chains, as the subgraphs show them now, and their blocks. */
  async read(
    kind: Kind,
    requestHashes: string[],
  ): Promise<{ states: FlowState[]; indexed: Record<ChainName, number> }> {
    const { source, target, requests } = FLOW[kind];
    const sourceData = await postQuery(this.url(source), {
      query: `query($ids: [Bytes!]) {
        ${requests}(first: 1000, where: { id_in: $ids }) {
          id requestedBlock requestedTimestamp
          message { id status declaredBlock declaredTimestamp progressedBlock progressedTimestamp }
        }
        _meta { block { number } }
      }`,
      variables: { ids: requestHashes },
    });
    const rows = sourceData[requests] as Row[];
    const messageIds = rows.flatMap((row) => (row.message ? [(row.message as Row).id as string] : []));
    const targetData = await postQuery(this.url(target), {
      query: `query($ids: [Bytes!]) {
        messages(first: 1000, where: { id_in: $ids }) {
          id status blockHeight confirmedBlock confirmedTimestamp progressedBlock progressedTimestamp
        }
        _meta { block { number } }
      }`,
      variables: { ids: messageIds },
    });
    const inbox = new Map((targetData.messages as Row[]).map((row) => [row.id as string, row]));
    const indexedBlock = (data: Row) => Number(((data._meta as Row).block as Row).number);
    const indexed = { [source]: indexedBlock(sourceData), [target]: indexedBlock(targetData) } as Record<
      ChainName,
      number
    >;
    const states = rows.map((row) => {
      const message = row.message as Row | null;
      const confirmation = message ? inbox.get(message.id as string) : undefined;
      const state: FlowState = {
        requestHash: row.id as string,
        requested: point(source, row.requestedBlock, row.requestedTimestamp)!,
      };
      if (message) {
        state.messageId = message.id as string;
        state.declared = point(source, message.declaredBlock, message.declaredTimestamp);
        if (message.status === "Progressed") {
          state.progressedSource = point(source, message.progressedBlock, message.progressedTimestamp);
        }
      }
      if (confirmation) {
        state.confirmed = point(target, confirmation.confirmedBlock, confirmation.confirmedTimestamp);
        if (confirmation.blockHeight != null) state.proofHeight = Number(confirmation.blockHeight);
        if (confirmation.status === "Progressed") {
          state.progressedTarget = point(
            target,
            confirmation.progressedBlock,
            confirmation.progressedTimestamp,
          );
        }
      }
      return state;
    });
    return { states, indexed };
  }

  /**
   * Adds to each completed flow the first anchor on the target chain that covers its declaration,
   * and reports how the prove+confirm step divides between proving and confirming.
   */
  private async withAnchors(kind: Kind, states: CompleteFlow[]): Promise<FlowBlocks[]> {
    const { target } = FLOW[kind];
    const lowest = Math.min(...states.map((state) => state.declared.block));
    const data = await postQuery(this.url(target), {
      query: `query($lowest: BigInt!) {
        anchoredStateRoots(first: 1000, where: { blockHeight_gte: $lowest }, orderBy: blockHeight) {
          blockHeight block timestamp
        }
        gatewayProofs(first: 1000, where: { blockHeight_gte: $lowest }, orderBy: blockHeight) {
          blockHeight block timestamp
        }
      }`,
      variables: { lowest: String(lowest) },
    });
    const anchors = (data.anchoredStateRoots as Row[]).map((row) => ({
      height: Number(row.blockHeight),
      at: point(target, row.block, row.timestamp)!,
    }));
    const proofs = new Map(
      (data.gatewayProofs as Row[]).map((row) => [
        Number(row.blockHeight),
        point(target, row.block, row.timestamp)!,
      ]),
    );
    const split = { prove: [] as number[], confirm: [] as number[], laterHeight: 0 };
    const flows = states.map((state): FlowBlocks => {
      // Heights on an Anchor rise with its blocks: the lowest covering height is the earliest anchor.
      const anchor = anchors.find((candidate) => candidate.height >= state.declared.block);
      if (!anchor) {
        throw new Error(
          `no anchor on ${target} covers ${kind} ${state.messageId} declared at ${state.declared.block}`,
        );
      }
      const proof = proofs.get(state.proofHeight);
      if (proof) {
        split.prove.push(blocksBetween(anchor.at, proof, BLOCK_TIME));
        split.confirm.push(blocksBetween(proof, state.confirmed, BLOCK_TIME));
      }
      if (state.proofHeight > anchor.height) split.laterHeight++;
      return {
        requested: state.requested,
        declared: state.declared,
        anchored: anchor.at,
        confirmed: state.confirmed,
        progressedSource: state.progressedSource,
        progressedTarget: state.progressedTarget,
      };
    });
    if (split.prove.length > 0) {
      this.progress(
        `${kind}: prove+confirm = first covering anchor → proof, median ${median(split.prove)} blocks, + proof → confirmation, median ${median(split.confirm)}; ${split.laterHeight} of ${states.length} confirmed with a proof at a later height than the first covering anchor`,
      );
    }
    return flows;
  }
}

export type CompleteFlow = Required<FlowState>;

export function isComplete(state: FlowState): state is CompleteFlow {
  return (
    state.declared !== undefined &&
    state.confirmed !== undefined &&
    state.proofHeight !== undefined &&
    state.progressedSource !== undefined &&
    state.progressedTarget !== undefined
  );
}

function describeStages(kind: Kind, count: number, states: FlowState[]): string {
  const has = (field: keyof FlowState) => states.filter((state) => state[field] !== undefined).length;
  return (
    `${kind}s: ${states.length} of ${count} requested, ${has("declared")} accepted, ${has("confirmed")} confirmed, ` +
    `${states.filter(isComplete).length} progressed on both chains`
  );
}

function point(chain: ChainName, block: unknown, timestamp: unknown): BlockPoint | undefined {
  if (block == null || timestamp == null) return undefined;
  return { chain, block: Number(block), timestamp: Number(timestamp) };
}

function latencyFigures(
  kind: Kind,
  flows: FlowBlocks[],
  parameters: Figure["parameters"],
  progress: (line: string) => void,
): Figure[] {
  const summary = summarizeSteps(flows, BLOCK_TIME);
  progress(
    `${kind} blocks per step (median / max / floor): ` +
      STEPS.map((step) => `${step} ${summary[step].median}/${summary[step].max}/${summary[step].floor}`).join(
        ", ",
      ),
  );
  const under = underFloor(flows, BLOCK_TIME);
  if (under.length > 0) {
    progress(
      `${kind}: ${under.join(", ")} under the floor: the floors hold while both chains mine on the same beat; ` +
        `a block that came late on a loaded machine let a transaction cross into the other chain's block of the same second`,
    );
  }
  return STEPS.flatMap((step): Figure[] => {
    const name = `executor.${kind}.${step}`;
    const { median: middle, max, floor, ratio } = summary[step];
    return [
      { name: `${name}.blocks.median`, value: middle, unit: "blocks", parameters },
      { name: `${name}.blocks.max`, value: max, unit: "blocks", parameters },
      { name: `${name}.blocks.floor`, value: floor, unit: "blocks", parameters },
      { name: `${name}.median-to-floor.ratio`, value: ratio, unit: "ratio", parameters },
    ];
  });
}

/** From the last request mined to every flow progressed on both chains, and the flows per minute. */
async function concurrentFigures(
  stack: LocalStack,
  flows: FlowBlocks[],
  parameters: Figure["parameters"],
  progress: (line: string) => void,
): Promise<Figure[]> {
  const byBlock = (a: BlockPoint, b: BlockPoint) => a.block - b.block;
  const requests = flows.map((flow) => flow.requested).sort(byBlock);
  const first = requests[0]!;
  const last = requests[requests.length - 1]!;
  const ends = flows.flatMap((flow) => [flow.progressedSource, flow.progressedTarget]);
  const doneAt = Math.max(...ends.map((end) => end.timestamp));
  const completionSeconds = doneAt - last.timestamp;
  const completionBlocks = Math.max(...ends.map((end) => blocksBetween(last, end, BLOCK_TIME)));
  const windowSeconds = doneAt - first.timestamp;

  // Did the requests fit in a block or two? anvil's blocks hold 30M gas by default.
  const provider = stack.net.origin.provider;
  const blocks = [];
  for (let number = first.block; number <= last.block; number++) {
    const block = await provider.getBlock(number);
    if (block) blocks.push(block);
  }
  const fullest = Math.max(...blocks.map((block) => Number(block.gasUsed)));
  progress(
    `the ${flows.length} requests were mined in origin blocks ${first.block} to ${last.block} ` +
      `(${blocks.map((block) => `${block.transactions.length} txs ${(Number(block.gasUsed) / 1e6).toFixed(1)}M gas`).join(", ")}; ` +
      `block gas limit ${(Number(blocks[0]?.gasLimit ?? 0) / 1e6).toFixed(0)}M, fullest ${(fullest / 1e6).toFixed(1)}M)`,
  );
  progress(
    `first request mined → all progressed: ${windowSeconds} s; last request mined → all progressed: ${completionSeconds} s (${completionBlocks} blocks)`,
  );
  return [
    {
      name: "executor.concurrent-stakes.requests.blocks",
      value: last.block - first.block + 1,
      unit: "blocks",
      parameters,
    },
    {
      name: "executor.concurrent-stakes.completion.seconds",
      value: completionSeconds,
      unit: "s",
      parameters,
    },
    {
      name: "executor.concurrent-stakes.completion.blocks",
      value: completionBlocks,
      unit: "blocks",
      parameters,
    },
    {
      name: "executor.concurrent-stakes.throughput",
      value: (flows.length / windowSeconds) * 60,
      unit: "flows/min",
      parameters,
    },
  ];
}

/** What the executor's log says about trouble: fee bumps, refusals, reverts, failures, drops. */
export function summarizeLog(file: string): string {
  let lines: string[];
  try {
    lines = readFileSync(file, "utf8").split("\n").filter(Boolean);
  } catch {
    return `the executor's log ${file} could not be read`;
  }
  const counts = new Map<string, number>();
  for (const line of lines) {
    let entry: { level?: string; msg?: string };
    try {
      entry = JSON.parse(line) as { level?: string; msg?: string };
    } catch {
      continue;
    }
    if (entry.level === "info" && entry.msg !== "fee bump" && !entry.msg?.startsWith("action dropped"))
      continue;
    const key = `${entry.level} "${entry.msg}"`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  const noted = [...counts].map(([key, count]) => `${count} × ${key}`).join(", ");
  return `the executor's log: ${lines.length} lines${noted ? `; ${noted}` : ", no warnings, errors, fee bumps or drops"}`;
}
