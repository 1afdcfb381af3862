// The executor as an operator runs it, in a hostile world, for the fault suite and the `faults`
// benchmark: `facilitator start` as a process, behind JSON-RPC proxies that fail a share of its
// requests to both chains (HTTP 500, no answer, or the request forwarded and the answer dropped),
// killed with SIGKILL at random moments and restarted as a supervisor would, while the chains drop
// its mined transactions in reorganisations 1 to 3 blocks deep. N stakes are requested, then, once
// all are progressed on both chains, N redeems by the same users. A last run without faults settles
// the books. Counted from the chains afterwards: flows completed, steps mined twice for the same
// subject, reverted transactions, and secrets found in the executor's output.
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { parseUnits, type HDNodeWallet, type JsonRpcProvider } from "ethers";
import { bindAuxiliary } from "../../chain/mosaic-contracts.ts";
import { devWallet, ROLE_INDEX } from "../accounts.ts";
import { startAnchorer, type Anchorer } from "../anchorer.ts";
import type { DevNetwork } from "../network.ts";
import { requestRedeem, requestStake } from "../user-requests.ts";
import { auditChains, type Audit } from "./chain-audit.ts";
import {
  facilitatorStatus,
  spawnFacilitator,
  type ExecutorProcess,
  type ExecutorSecrets,
} from "./executor-process.ts";
import { reorgNextWithout } from "./reorgs.ts";
import { seededRandom, startRpcFaultProxy, type RpcFaultProxy } from "./rpc-fault-proxy.ts";

type ChainName = "origin" | "auxiliary";
const CHAINS: ChainName[] = ["origin", "auxiliary"];
/** What each request offers the facilitator. */
const TERMS = { gasPrice: parseUnits("1", "gwei"), gasLimit: 200_000n };
/** The executor's per-request timeout behind the proxies: a hung request costs it this long. */
const RPC_TIMEOUT_MS = 1000;
/** How long the settling run, without faults, has before it is stopped. */
const SETTLE_MS = 5000;
/** Kills and reorganisations each phase (stakes, redeems) meets before the rolls decide. */
const PHASE_KILLS = 2;
const PHASE_REORGS = 1;
/** How long an owed reorganisation waits for a transaction of the facilitator's near a head. */
const REORG_WAIT_MS = 3000;
/** A run that has not said it started after this long is killed all the same. */
const STARTUP_GRACE_MS = 30_000;
/**
 * The longest a run works after its start before it may be killed; each run draws its own wait up
 * to this. Kills still fall in its recovery as well as in later work, and a start slowed by a busy
 * machine (up to 9.5 s seen here in the full suite) does not leave it no time to work.
 */
const MAX_KILL_DELAY_MS = 6_000;

export interface FaultRunOptions {
  /** The chains and deployment; no anchorer may run on them (the run starts its own). */
  net: DevNetwork;
  /** Both subgraphs' GraphQL HTTP endpoints, as the executor's configuration names them. */
  subgraphs: Record<ChainName, string>;
  /** The executor's configuration; a copy whose RPC URLs point at the proxies is written beside it. */
  configFile: string;
  /** Handed to each `facilitator start` in its environment, and looked for in its output. */
  secrets: ExecutorSecrets;
  /** One stake each (to themselves), then one redeem each: value tokens on origin, ether on both. */
  users: HDNodeWallet[];
  stakeAmount: bigint;
  redeemAmount: bigint;
  /** The same seed gives the same faults, kills and reorganisations (timing aside). */
  seed: number;
  /** Share of RPC requests failed by the proxies, 0 to 1. */
  faultRate: number;
  /** The flows still open after this long count as not completed; the run then settles and audits. */
  timeoutMs: number;
  progress?: (line: string) => void;
  /** Where to register how to stop what the run starts, for an interrupt (it also stops it itself). */
  stops?: { add(what: string, stop: () => unknown): void };
}

export interface FaultRunResult {
  /** Flows progressed on both chains, of `users.length` each. */
  completed: { stakes: number; redeems: number };
  kills: number;
  reorgs: number;
  /** Requests the proxies failed, both chains. */
  rpcFailures: number;
  /** From the first request sent to every flow completed (or the timeout). */
  seconds: number;
  audit: Audit;
  /** How many secrets were looked for in the output: the unlock secrets the chains revealed, the key, the password, the passphrase. */
  secretsChecked: number;
  /** How many of them the output held. */
  secretsFound: number;
  /** The exit code of the settling run, stopped with SIGTERM as a supervisor stops it. */
  settledExit: number | null;
  /** Everything every run of the executor wrote. */
  output: string;
}

type Row = Record<string, unknown>;

async function query<T>(url: string, text: string, variables: Row = {}): Promise<T> {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ query: text, variables }),
  });
  const body = (await response.json()) as { data?: T; errors?: { message: string }[] };
  if (!body.data || body.errors?.length) {
    throw new Error(`GraphQL query to ${url} failed: ${JSON.stringify(body.errors ?? body)}`);
  }
  return body.data;
}

/** Messages of a kind that are Progressed on both chains, as the subgraphs show them. */
async function progressedOnBoth(
  subgraphs: Record<ChainName, string>,
  kind: "Stake" | "Redeem",
): Promise<number> {
  const text = `query($kind: MessageKind!) { messages(first: 1000, where: { kind: $kind, status: Progressed }) { id } }`;
  const [origin, auxiliary] = await Promise.all(
    CHAINS.map(
      async (chain) => (await query<{ messages: Row[] }>(subgraphs[chain], text, { kind })).messages,
    ),
  );
  const onAuxiliary = new Set(auxiliary!.map((row) => row.id as string));
  return origin!.filter((row) => onAuxiliary.has(row.id as string)).length;
}

/**
 * Where each flow stands as the subgraphs show it, for a run that ends with flows open: requests
 * not accepted, and each message's status on both chains (a line each); and the hashes of the
 * flows still open (requests not accepted, messages not progressed on both chains).
 */
async function flowStates(
  subgraphs: Record<ChainName, string>,
): Promise<{ lines: string[]; open: string[] }> {
  const requests = { origin: "stakeRequests", auxiliary: "redeemRequests" } as const;
  const [origin, auxiliary] = await Promise.all(
    CHAINS.map((chain) =>
      query<{ messages: Row[]; open: Row[] }>(
        subgraphs[chain],
        `{ messages(first: 1000, orderBy: id) { id kind status }
           open: ${requests[chain]}(first: 1000, where: { status: Requested }) { id } }`,
      ),
    ),
  );
  const statuses = (rows: Row[]) => new Map(rows.map((row) => [row.id, row.status as string]));
  const [onOrigin, onAuxiliary] = [statuses(origin!.messages), statuses(auxiliary!.messages)];
  const kinds = new Map(
    [...origin!.messages, ...auxiliary!.messages].map((row) => [row.id, row.kind as string]),
  );
  const unaccepted = [...origin!.open, ...auxiliary!.open].map((row) => row.id as string);
  const unprogressed = [...kinds.keys()].filter(
    (id) => onOrigin.get(id) !== "Progressed" || onAuxiliary.get(id) !== "Progressed",
  ) as string[];
  return {
    lines: [
      `requests not accepted: ${origin!.open.length} stakes, ${auxiliary!.open.length} redeems`,
      ...[...kinds].map(
        ([id, kind]) =>
          `${kind} ${String(id).slice(0, 10)}: origin ${onOrigin.get(id) ?? "none"}, auxiliary ${onAuxiliary.get(id) ?? "none"}`,
      ),
    ],
    open: [...unaccepted, ...unprogressed],
  };
}

interface StatusDigest {
  kind: string | null;
  stage: string;
  summary: string;
  next: string[];
  waitingFor: { for: string; detail: string }[];
  intents: {
    step: string;
    status: string;
    failures: number;
    nextAttemptAt: string | null;
    error: { kind: string; message: string } | null;
  }[];
  skips: { reason: string }[];
}

/**
 * What `facilitator status` says of an open flow, in a few lines: its stage, what it waits for,
 * and the executor's intents for it that are not confirmed (failures, next try, last error).
 */
async function openFlowDigest(configFile: string, hash: string): Promise<string[]> {
  const report = (await facilitatorStatus(configFile, hash)) as StatusDigest;
  const waits = report.waitingFor.map((wait) => `${wait.for} (${wait.detail})`).join("; ") || "nothing";
  const lines = [
    `${report.kind ?? "Flow"} ${hash.slice(0, 10)}: ${report.stage}: ${report.summary}; next ${report.next.join(", ") || "nothing"}; waiting for ${waits}`,
  ];
  for (const intent of report.intents.filter((item) => item.status !== "confirmed")) {
    const error = intent.error ? `; ${intent.error.kind}: ${intent.error.message.slice(0, 300)}` : "";
    const due = intent.nextAttemptAt ? `, next try ${intent.nextAttemptAt}` : "";
    lines.push(`  ${intent.step}: ${intent.status}, ${intent.failures} failures${due}${error}`);
  }
  for (const skip of report.skips) lines.push(`  skipped: ${skip.reason}`);
  return lines;
}

/**
 * Whether both subgraphs are on their chains' blocks: a subgraph that has not yet seen the last
 * reorganisation may still show flows whose transactions it took out.
 */
async function onCanonicalBlocks(
  subgraphs: Record<ChainName, string>,
  providers: Record<ChainName, JsonRpcProvider>,
): Promise<boolean> {
  const views = await Promise.all(
    CHAINS.map(async (chain) => {
      const { _meta } = await query<{ _meta: { block: { number: number; hash: string } } }>(
        subgraphs[chain],
        `{ _meta { block { number hash } } }`,
      );
      const block = await providers[chain].getBlock(_meta.block.number);
      return block?.hash === _meta.block.hash;
    }),
  );
  return views.every(Boolean);
}

/** Whether every user holds the utility tokens it is to redeem, on the auxiliary chain now. */
async function holdRedeemable(net: DevNetwork, users: HDNodeWallet[], amount: bigint): Promise<boolean> {
  const { utilityToken } = bindAuxiliary(net.deployment, net.auxiliary.provider);
  const balances = await Promise.all(users.map((user) => utilityToken.balanceOf(user.address)));
  return balances.every((balance) => balance >= amount);
}

export async function runFaults(options: FaultRunOptions): Promise<FaultRunResult> {
  const { net, subgraphs, users, seed } = options;
  const progress = options.progress ?? (() => undefined);
  const facilitator = devWallet(ROLE_INDEX.facilitator);
  const provider = (chain: ChainName): JsonRpcProvider => net[chain].provider;
  const next = seededRandom(seed);
  const proxies: RpcFaultProxy[] = [];
  const outputs: string[] = [];
  let running: ExecutorProcess | undefined;
  let anchorer: Anchorer | undefined;
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    running?.child.kill("SIGKILL");
    await running?.exited;
    await anchorer?.stop();
    for (const proxy of proxies) await proxy.stop();
  };
  options.stops?.add("the fault run (executor process, RPC proxies, anchorer)", stop);

  try {
    // The organization anchors final roots only: a root that a reorg replaces would fail every
    // proof. Not on every block: the Anchors keep 100 roots, and a proof queued behind a nonce gap
    // for longer than 100 anchors would find its root gone and revert.
    anchorer = startAnchorer({
      deployment: net.deployment,
      providers: { origin: provider("origin"), auxiliary: provider("auxiliary") },
      intervalMs: 1000,
      confirmations: 4,
      // Without anchors no flow moves: the anchorer's faults go to the progress.
      onError: (error) => progress(`anchorer: ${error.message}`),
    });
    const config = JSON.parse(readFileSync(options.configFile, "utf8")) as {
      chains: Record<string, Record<string, unknown>>;
    };
    for (const chain of CHAINS) {
      const proxy = await startRpcFaultProxy(net.deployment[chain].rpcUrl);
      proxy.chaos({ rate: options.faultRate, seed: seed + chain.length });
      proxies.push(proxy);
      config.chains[chain]!.rpcUrl = proxy.url;
      config.chains[chain]!.rpcTimeoutMs = RPC_TIMEOUT_MS;
    }
    const configFile = path.join(path.dirname(options.configFile), "faults.json");
    writeFileSync(configFile, JSON.stringify(config));
    let runStartedAt = 0;
    let killDelayMs = 0;
    const startRun = (): ExecutorProcess => {
      const run = spawnFacilitator(configFile, options.secrets);
      runStartedAt = Date.now();
      killDelayMs = next() * MAX_KILL_DELAY_MS;
      void run.exited.then(() => outputs.push(run.output()));
      return run;
    };
    // A run is killed at a random moment of its work, not over and over before it has any: its
    // startup (checks and the resume of every open intent through the failing proxies) grows with
    // the flows, and kills every few seconds would then never let it send. One whose startup hangs
    // is killed all the same.
    const workedFor = (run: ExecutorProcess, ms: number): boolean => {
      const started = run.startedAt();
      return started !== undefined
        ? Date.now() - started >= ms
        : Date.now() - runStartedAt > STARTUP_GRACE_MS;
    };
    const killable = (run: ExecutorProcess): boolean => workedFor(run, killDelayMs);

    const started = performance.now();
    let kills = 0;
    let reorgs = 0;
    const killsIn = { Stake: 0, Redeem: 0 };
    const reorgsIn = { Stake: 0, Redeem: 0 };
    let phase: "Stake" | "Redeem" = "Stake";
    const completed = { stakes: 0, redeems: 0 };
    progress(`${users.length} stakes requested`);
    await Promise.all(
      users.map((user) =>
        requestStake(net, user, { amount: options.stakeAmount, beneficiary: user.address, ...TERMS }),
      ),
    );
    const deadline = Date.now() + options.timeoutMs;
    running = startRun();
    const providers = { origin: provider("origin"), auxiliary: provider("auxiliary") };
    for (;;) {
      // Counted only from subgraphs on the chains' blocks, as they are between reorganisations.
      const key = phase === "Stake" ? "stakes" : "redeems";
      const done = (await onCanonicalBlocks(subgraphs, providers))
        ? await progressedOnBoth(subgraphs, phase)
        : completed[key];
      if (done !== completed[key]) {
        progress(`${done} of ${users.length} ${key} complete; ${kills} kills, ${reorgs} reorgs so far`);
      }
      completed[key] = done;
      // The subgraphs may still show a mint that the last reorganisation took out: the users redeem
      // once they hold the tokens.
      if (
        done === users.length &&
        (phase === "Redeem" || (await holdRedeemable(net, users, options.redeemAmount)))
      ) {
        if (phase === "Redeem") break;
        phase = "Redeem";
        progress(
          `stakes complete (${kills} kills, ${reorgs} reorgs so far); ${users.length} redeems requested`,
        );
        await Promise.all(
          users.map((user) =>
            requestRedeem(net, user, { amount: options.redeemAmount, beneficiary: user.address, ...TERMS }),
          ),
        );
      }
      if (Date.now() > deadline) {
        progress(`${options.timeoutMs / 1000} s passed with ${phase.toLowerCase()}s still open`);
        // The executor's own account of each open flow first, then where every flow stands.
        const states = await flowStates(subgraphs).catch((error: Error) => ({
          lines: [error.message],
          open: [],
        }));
        const digests = await Promise.all(
          states.open.map((hash) =>
            openFlowDigest(options.configFile, hash).catch((error: Error) => [error.message]),
          ),
        );
        for (const line of digests.flat()) progress(line);
        for (const line of states.lines) progress(line);
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 500 + next() * 2500));
      const roll = next();
      // Each phase meets its share of faults whatever the rolls: a quick phase would otherwise meet
      // few of them, by chance.
      const owesKill = killsIn[phase] < PHASE_KILLS;
      const owesReorg = reorgsIn[phase] < PHASE_REORGS;
      if (killable(running) && (owesKill || roll < 0.3)) {
        running.child.kill("SIGKILL");
        await running.exited;
        kills++;
        killsIn[phase]++;
        running = startRun();
      } else if (owesReorg || roll < 0.6) {
        // Whichever chain has a transaction of ours in its last blocks; one that is owed waits for a
        // transaction of ours to be mined.
        const chains = next() < 0.5 ? CHAINS : [...CHAINS].reverse();
        const depth = 1 + Math.floor(next() * 3);
        const waitMs = owesReorg ? REORG_WAIT_MS : 0;
        if ((await reorgNextWithout(chains.map(provider), facilitator.address, depth, waitMs)) > 0) {
          reorgs++;
          reorgsIn[phase]++;
        }
      }
    }
    const seconds = (performance.now() - started) / 1000;
    progress(
      `${completed.stakes} stakes and ${completed.redeems} redeems completed in ${seconds.toFixed(0)} s; ${kills} kills, ${reorgs} reorgs`,
    );

    // A last run without faults settles the books, and stops as a supervisor stops it.
    for (const proxy of proxies) proxy.clear();
    running.child.kill("SIGKILL");
    await running.exited;
    running = startRun();
    // Its time counts from its start: on a loaded machine its startup alone can outlast SETTLE_MS,
    // and a signal before it listens for one ends it without a clean stop.
    while (!workedFor(running, 0)) await new Promise((resolve) => setTimeout(resolve, 100));
    await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
    running.child.kill("SIGTERM");
    const settledExit = await running.exited;
    running = undefined;
    // Flows the settling run finished count too.
    completed.stakes = await progressedOnBoth(subgraphs, "Stake");
    completed.redeems = await progressedOnBoth(subgraphs, "Redeem");

    progress("auditing both chains");
    const audit = await auditChains(
      { origin: provider("origin"), auxiliary: provider("auxiliary") },
      facilitator.address,
    );
    // The secrets of the run, as the chains revealed them, and the keys.
    const revealed = await query<{ messages: { unlockSecret: string }[] }>(
      subgraphs.origin,
      `{ messages(first: 1000, where: { unlockSecret_not: null }) { unlockSecret } }`,
    );
    const secrets = [
      ...revealed.messages.map((message) => message.unlockSecret.slice(2)),
      facilitator.privateKey.slice(2),
      options.secrets.keystorePassword,
      options.secrets.secretsPassphrase,
    ];
    // Every run has exited, so every output is in.
    const output = outputs.join("\n");
    const lowered = output.toLowerCase();
    return {
      completed,
      kills,
      reorgs,
      rpcFailures: proxies.reduce((sum, proxy) => sum + proxy.failed(), 0),
      seconds,
      audit,
      secretsChecked: secrets.length,
      secretsFound: secrets.filter((secret) => lowered.includes(secret.toLowerCase())).length,
      settledExit,
      output,
    };
  } finally {
    await stop();
  }
}
