// The sustained benchmark: the executor benchmark's local stack (two chains on 1-second blocks, both
// subgraphs in the embedded host, the anchorer and the executor) under a stream of requests rather
// than one burst. Each of --sustained-stakers users sends its share of --sustained-requests one after
// another, stakes and redeems of what it received alternating, each once its previous flow is
// progressed on both chains and a think time has passed. Timed from the first request to the last
// flow progressed on both chains; proveGateway transactions per anchored height counted from the chains.
import type { HDNodeWallet } from "ethers";
import { headBlockNumber } from "../chain/blocks.ts";
import { devWallet } from "../devnet/accounts.ts";
import { seededRandom } from "../devnet/faults/rpc-fault-proxy.ts";
import { requestRedeem, requestStake } from "../devnet/user-requests.ts";
import type { LocalStack } from "../stack/local-stack.ts";
import type { BenchContext, Benchmark } from "./benchmark.ts";
import {
  BLOCK_TIME,
  FIRST_BENCH_USER,
  FlowRun,
  fundUsers,
  isComplete,
  REDEEM_AMOUNT,
  STAKE_AMOUNT,
  onBenchStack,
  TERMS,
  type CompleteFlow,
  type FlowState,
  type Kind,
} from "./executor.ts";
import { median, type ChainName } from "./flow-latency.ts";
import { countProofsPerHeight, minedCalls } from "./prove-count.ts";
import type { Figure } from "./results.ts";

export const sustainedBenchmark: Benchmark = {
  name: "sustained",
  description:
    "stakes and redeems from many stakers arriving over time, to completion, with proveGateway per anchored height",
  run: benchmarkSustained,
};

/** The stakers start one after another, this far apart, rather than all in the same block. */
const START_STEP_MS = 300;
/** After a flow completes its staker waits a time drawn uniformly below this before its next request. */
const MAX_THINK_MS = 10_000;
/** Fixes every staker's think times. */
const THINK_SEED = 20261201;
const POLL_MS = 1000;
const REPORT_EVERY_MS = 10_000;
/** Polls in a row whose read of the subgraphs may fail before the run does. */
const MAX_FAILED_READS = 30;
const CHAINS: ChainName[] = ["origin", "auxiliary"];

/**
 * What one staker sends, in order: its share of the requests (the first `requests % stakers`
 * stakers send one more), a stake first, then a redeem of part of what it received, and so on.
 */
export function stakerPlan(requests: number, stakers: number, staker: number): Kind[] {
  const count = Math.floor(requests / stakers) + (staker < requests % stakers ? 1 : 0);
  return Array.from({ length: count }, (_, n) => (n % 2 === 0 ? "stake" : "redeem"));
}

type DoneFlow = CompleteFlow & { kind: Kind };

/** The requests sent and not yet complete, read from the subgraphs once a second by one poller. */
class FlowTracker {
  private readonly waiting = new Map<string, { kind: Kind; done: () => void }>();
  readonly completed: DoneFlow[] = [];
  /** The open flows the subgraphs show, as of the latest poll. */
  indexedOpen: FlowState[] = [];
  /** How far each subgraph was behind its chain at most, sampled at each poll. */
  readonly lag: Record<ChainName, number> = { origin: 0, auxiliary: 0 };
  sent = { stake: 0, redeem: 0 };

  constructor(
    private readonly run: FlowRun,
    private readonly stack: LocalStack,
  ) {}

  /** Resolves once the flow of this request is progressed on both chains. */
  watch(kind: Kind, requestHash: string): Promise<void> {
    this.sent[kind]++;
    return new Promise((done) => this.waiting.set(requestHash, { kind, done }));
  }

  get open(): number {
    return this.waiting.size;
  }

  async poll(): Promise<void> {
    const indexedOpen: FlowState[] = [];
    for (const kind of ["stake", "redeem"] as const) {
      const hashes = [...this.waiting].filter(([, flow]) => flow.kind === kind).map(([hash]) => hash);
      if (hashes.length === 0) continue;
      const { states, indexed } = await this.run.read(kind, hashes);
      for (const chain of CHAINS) {
        const head = await headBlockNumber(this.stack.net[chain].provider);
        this.lag[chain] = Math.max(this.lag[chain], head - indexed[chain]);
      }
      for (const state of states) {
        if (!isComplete(state)) {
          indexedOpen.push(state);
          continue;
        }
        this.completed.push({ ...state, kind });
        this.waiting.get(state.requestHash)?.done();
        this.waiting.delete(state.requestHash);
      }
    }
    this.indexedOpen = indexedOpen;
  }

  /** How many flows stand at each stage, for progress lines and for a failure. */
  describe(planned: number): string {
    const open = this.indexedOpen;
    const count = (test: (state: FlowState) => boolean) => open.filter(test).length;
    const sent = this.sent.stake + this.sent.redeem;
    return (
      `${sent} of ${planned} requests sent (${this.sent.stake} stakes, ${this.sent.redeem} redeems), ` +
      `${this.completed.length} progressed on both chains; of the ${this.open} open, ` +
      `${this.open - open.length} not yet indexed, ${count((state) => !state.declared)} waiting for the accept, ` +
      `${count((state) => !!state.declared && !state.confirmed)} accepted and not confirmed, ` +
      `${count((state) => !!state.confirmed)} confirmed and not progressed on both chains`
    );
  }
}

export async function benchmarkSustained({ options, stops, progress }: BenchContext): Promise<Figure[]> {
  const { sustainedRequests: requests, sustainedStakers: stakers } = options;
  if (requests < stakers) {
    throw new Error(
      `--sustained-requests (${requests}) must be at least --sustained-stakers (${stakers}): each staker sends one request or more`,
    );
  }
  const plans = Array.from({ length: stakers }, (_, staker) => stakerPlan(requests, stakers, staker));
  const users = plans.map((_, staker) => devWallet(FIRST_BENCH_USER + staker));
  // Each staker is given one executor-benchmark stake's value tokens and stakes them in equal parts.
  const stakesEach = Math.max(...plans.map((plan) => plan.filter((kind) => kind === "stake").length));
  const stakeAmount = STAKE_AMOUNT / BigInt(stakesEach);
  const redeemAmount = (stakeAmount * REDEEM_AMOUNT) / STAKE_AMOUNT;
  const timeoutMs = 300_000 + requests * 1500;

  return onBenchStack("sustained", { stops, progress }, async (stack) => {
    let stopped = false;
    stops.add("the stakers", () => {
      stopped = true;
    });
    try {
      progress(`funding ${stakers} stakers from the executor benchmark's funder`);
      await fundUsers(stack.net, users, users);
      const tracker = new FlowTracker(new FlowRun(stack, progress), stack);
      const userReverts: string[] = [];
      const staker = async (user: HDNodeWallet, plan: Kind[], index: number) => {
        const think = seededRandom(THINK_SEED + index);
        await sleep(index * START_STEP_MS);
        for (const [n, kind] of plan.entries()) {
          if (n > 0) await sleep(think() * MAX_THINK_MS);
          if (stopped) return;
          const request = { beneficiary: user.address, ...TERMS };
          const send = async () =>
            kind === "stake"
              ? (await requestStake(stack.net, user, { ...request, amount: stakeAmount })).stakeRequestHash
              : (await requestRedeem(stack.net, user, { ...request, amount: redeemAmount }))
                  .redeemRequestHash;
          let hash: string | undefined;
          for (let attempt = 1; hash === undefined; attempt++) {
            try {
              hash = await send();
            } catch (error) {
              // A user whose request reverted tries again (the nonce and allowance read afresh); the
              // reverts are counted and shown, and a third one fails the run.
              if ((error as { code?: string }).code !== "CALL_EXCEPTION" || attempt >= 3) throw error;
              userReverts.push(`${kind} by ${user.address}: ${(error as Error).message.slice(0, 200)}`);
              progress(`a ${kind} request by ${user.address} reverted; the user sends it again`);
            }
          }
          await tracker.watch(kind, hash.toLowerCase());
        }
      };
      progress(
        `${requests} requests from ${stakers} stakers: each sends ${plans[0]!.length} or fewer one after another ` +
          `(stake, redeem, …), the next 0-${MAX_THINK_MS / 1000} s after the previous completed; ` +
          `starts ${START_STEP_MS} ms apart; timeout ${timeoutMs / 1000} s`,
      );
      let failure: unknown;
      let finished = false;
      void Promise.all(users.map((user, index) => staker(user, plans[index]!, index))).then(
        () => (finished = true),
        (error: unknown) => ([failure, finished] = [error, true]),
      );
      const started = Date.now();
      const metrics = new MetricsSampler(stack.statusUrl);
      let reportedAt = 0;
      let failedReads = 0;
      while (!finished) {
        try {
          await tracker.poll();
          failedReads = 0;
        } catch (error) {
          // The host shares this busy process: a read may fail now and then (a closed keep-alive
          // connection); only a subgraph that stays unreadable fails the run.
          if (++failedReads >= MAX_FAILED_READS) throw error;
          progress(`reading the subgraphs failed (${describeError(error)}); trying again`);
        }
        if (Date.now() - started > timeoutMs) {
          throw new Error(
            `only ${tracker.completed.length} of ${requests} flows completed within ${timeoutMs / 1000} s: ${tracker.describe(requests)}`,
          );
        }
        if (Date.now() - reportedAt >= REPORT_EVERY_MS) {
          progress(`${tracker.describe(requests)}; ${await metrics.sample()}`);
          reportedAt = Date.now();
        }
        if (!finished) await sleep(POLL_MS);
      }
      if (failure) {
        throw new Error(`a staker failed (${tracker.describe(requests)}): ${(failure as Error).message}`, {
          cause: failure,
        });
      }
      stopped = true;
      progress(`all ${requests} flows progressed on both chains; ${await metrics.sample()}`);
      const parameters = { requests, stakers, blockTime: BLOCK_TIME };
      const figures = await sustainedFigures(stack, tracker, parameters, progress);
      figures.push({
        name: "executor.sustained.requests.reverted",
        value: userReverts.length,
        unit: "requests",
        parameters,
      });
      if (userReverts.length > 0)
        progress(`users' requests that reverted and were sent again: ${userReverts.join("; ")}`);
      progress(await metrics.summary());
      return figures;
    } catch (error) {
      stopped = true;
      throw error;
    }
  });
}

async function sustainedFigures(
  stack: LocalStack,
  tracker: FlowTracker,
  parameters: Figure["parameters"],
  progress: (line: string) => void,
): Promise<Figure[]> {
  const flows = tracker.completed;
  const requestedAt = flows.map((flow) => flow.requested.timestamp);
  const doneAt = (flow: DoneFlow) =>
    Math.max(flow.progressedSource.timestamp, flow.progressedTarget.timestamp);
  const first = Math.min(...requestedAt);
  const last = Math.max(...requestedAt);
  const end = Math.max(...flows.map(doneAt));
  const completionSeconds = end - first;
  const flowSeconds = flows.map((flow) => doneAt(flow) - flow.requested.timestamp);
  const count = (kind: Kind) => flows.filter((flow) => flow.kind === kind).length;
  // Where a flow's time goes: the accept on the source chain, then anchor, proof and confirmation on
  // the target chain, then both progress calls.
  const accept = flows.map((flow) => flow.declared.block - flow.requested.block);
  const toConfirm = flows.map((flow) => flow.confirmed.timestamp - flow.declared.timestamp);
  const toProgress = flows.map((flow) => doneAt(flow) - flow.confirmed.timestamp);
  progress(
    `per flow, median / max: request → both progressed ${median(flowSeconds)} / ${Math.max(...flowSeconds)} s; ` +
      `request → accept ${median(accept)} / ${Math.max(...accept)} blocks, accept → confirmation ${median(toConfirm)} / ${Math.max(...toConfirm)} s, ` +
      `confirmation → both progressed ${median(toProgress)} / ${Math.max(...toProgress)} s; ` +
      `the subgraphs were at most ${tracker.lag.origin} origin and ${tracker.lag.auxiliary} auxiliary blocks behind the chains`,
  );

  const calls = (
    await Promise.all(CHAINS.map((chain) => minedCalls(chain, stack.net[chain].provider)))
  ).flat();
  const proofs = countProofsPerHeight(calls);
  progress(
    `${proofs.total} proveGateway transactions mined for ${proofs.heights} (gateway, height) pairs, at most ${proofs.max} for one` +
      (proofs.repeated.length > 0
        ? `; proven more than once: ${proofs.repeated
            .slice(0, 10)
            .map(({ key, count: times }) => `${key} × ${times}`)
            .join(", ")}${proofs.repeated.length > 10 ? ", …" : ""}`
        : ""),
  );
  const name = (figure: string) => `executor.sustained.${figure}`;
  return [
    { name: name("completion.seconds"), value: completionSeconds, unit: "s", parameters },
    { name: name("prove-per-height.max"), value: proofs.max, unit: "transactions", parameters },
    { name: name("prove.count"), value: proofs.total, unit: "transactions", parameters },
    {
      name: name("throughput"),
      value: (flows.length / completionSeconds) * 60,
      unit: "flows/min",
      parameters,
    },
    { name: name("requests.seconds"), value: last - first, unit: "s", parameters },
    { name: name("stakes"), value: count("stake"), unit: "flows", parameters },
    { name: name("redeems"), value: count("redeem"), unit: "flows", parameters },
    { name: name("flow.seconds.median"), value: median(flowSeconds), unit: "s", parameters },
    { name: name("flow.seconds.max"), value: Math.max(...flowSeconds), unit: "s", parameters },
    {
      name: name("subgraph-lag.blocks.max"),
      value: Math.max(tracker.lag.origin, tracker.lag.auxiliary),
      unit: "blocks",
      parameters,
    },
  ];
}

/**
 * The executor's own gauges and counters from its /metrics (the same process): decisions taken,
 * its queue, the event loop's delay, and per step the seconds from send to confirmation.
 */
class MetricsSampler {
  private last = { at: Date.now(), decisions: 0 };

  constructor(private readonly statusUrl: string) {}

  private async read(): Promise<Map<string, number>> {
    const text = await (await fetch(new URL("metrics", this.statusUrl))).text();
    const values = new Map<string, number>();
    for (const line of text.split("\n")) {
      const match = /^([a-zA-Z0-9_:]+(?:\{[^}]*\})?) (\S+)$/.exec(line);
      if (match) values.set(match[1]!, Number(match[2]));
    }
    return values;
  }

  /** Decisions per second since the last sample, the queue and the event loop's delay now. */
  async sample(): Promise<string> {
    let values;
    try {
      values = await this.read();
    } catch (error) {
      return `the executor's metrics not read (${describeError(error)})`;
    }
    const decisions = values.get("facilitator_decisions_total") ?? 0;
    const now = Date.now();
    const rate = (decisions - this.last.decisions) / ((now - this.last.at) / 1000);
    this.last = { at: now, decisions };
    const queue = ["planned", "inFlight", "waiting", "skipped"]
      .map((state) => `${state} ${values.get(`facilitator_queue_size{state="${state}"}`) ?? "?"}`)
      .join(" ");
    const loopP99 = ((values.get("nodejs_eventloop_lag_p99_seconds") ?? NaN) * 1000).toFixed(0);
    return `${rate.toFixed(1)} decisions/s, queue ${queue}, event loop delay p99 ${loopP99} ms`;
  }

  /** Per step: confirmations and mean seconds from send to confirmation; sends and fee bumps. */
  async summary(): Promise<string> {
    let values;
    try {
      values = await this.read();
    } catch (error) {
      return `the executor's metrics not read (${describeError(error)})`;
    }
    const steps = new Map<string, { sum: number; count: number; attempts: number }>();
    for (const [key, value] of values) {
      const match =
        /^facilitator_(step_latency_seconds_sum|step_latency_seconds_count|attempts_total)\{.*step="([^"]+)"/.exec(
          key,
        );
      if (!match) continue;
      const step = steps.get(match[2]!) ?? { sum: 0, count: 0, attempts: 0 };
      if (match[1] === "step_latency_seconds_sum") step.sum += value;
      else if (match[1] === "step_latency_seconds_count") step.count += value;
      else step.attempts += value;
      steps.set(match[2]!, step);
    }
    const bumps = [...values].filter(([key]) => key.startsWith("facilitator_fee_bumps_total{"));
    return (
      `the executor's metrics: ${values.get("facilitator_decisions_total") ?? 0} decisions; per step, sends / confirmed / mean s from send to confirmation: ` +
      [...steps]
        .map(
          ([step, { sum, count, attempts }]) =>
            `${step} ${attempts}/${count}/${count > 0 ? (sum / count).toFixed(1) : "-"}`,
        )
        .join(", ") +
      `; fee bumps ${bumps.reduce((sum, [, value]) => sum + value, 0)}`
    );
  }
}

/** An error's message with its cause's (fetch says only "fetch failed"). */
function describeError(error: unknown): string {
  const { message, cause } = error as Error;
  return cause instanceof Error ? `${message}: ${cause.message}` : message;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
