// The query load generator in a process of its own, so that its clients (request building, HTTP,
// JSON) do not share an event loop with the server they measure. The parent sends one job over IPC
// and gets the latencies back: a closed loop (N clients, each sending its next query when the last
// is answered: throughput) or an open loop (queries sent at fixed times whatever the answers do:
// latency, counted from the scheduled send time so that queueing shows).
import { fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import { ConnectionPool, postRequestBytes } from "./query-load-connections.ts";
import type { GraphqlRequest, QueryLoadResult } from "./query-load.ts";

export type LoadJob =
  | { kind: "closed"; url: string; requests: GraphqlRequest[]; concurrency: number; queriesPerClient: number }
  | { kind: "open"; url: string; requests: GraphqlRequest[]; ratePerSecond: number; seconds: number };

type Reply = { ok: QueryLoadResult } | { error: string };

/** The whole job stops with an error past this, whatever it is. */
const JOB_DEADLINE_MS = 300_000;

/** Runs one job in a child process; rejects with the child's error if a query failed. */
export function runLoadInChild(job: LoadJob): Promise<QueryLoadResult> {
  checkLoopback(job.url);
  if (job.requests.length === 0) throw new Error("the load needs at least one request");
  const child = fork(fileURLToPath(import.meta.url), [], {
    execArgv: ["--import", "tsx"],
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  return new Promise<QueryLoadResult>((resolve, reject) => {
    let settled = false;
    const timer = setTimeout(
      () => finish(new Error("the query load took longer than its deadline")),
      JOB_DEADLINE_MS,
    );
    const finish = (outcome: Error | QueryLoadResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      child.kill();
      if (outcome instanceof Error) reject(outcome);
      else resolve(outcome);
    };
    child.once("message", (reply: Reply) =>
      finish("ok" in reply ? reply.ok : new Error(`the query load failed: ${reply.error}`)),
    );
    child.once("error", finish);
    child.once("exit", (code) =>
      finish(new Error(`the query load process exited (code ${code}) without a result`)),
    );
    child.send(job);
  });
}

function checkLoopback(url: string): void {
  const host = new URL(url).hostname;
  if (host !== "127.0.0.1" && host !== "localhost" && host !== "[::1]") {
    throw new Error(`the query load only targets this machine's loopback, not ${host}`);
  }
}

async function runJob(job: LoadJob): Promise<QueryLoadResult> {
  checkLoopback(job.url);
  // Kept-alive sockets, as many as the load needs: a new connection per query would measure TCP.
  const connections = new ConnectionPool(job.url);
  const requests = job.requests.map((request) => postRequestBytes(job.url, JSON.stringify(request)));
  const send = (n: number) => connections.send(requests[n % requests.length]!);
  try {
    return job.kind === "closed" ? await closedLoop(job, send) : await openLoop(job, send);
  } finally {
    connections.destroy();
  }
}

async function closedLoop(
  job: Extract<LoadJob, { kind: "closed" }>,
  send: (n: number) => Promise<void>,
): Promise<QueryLoadResult> {
  const latenciesMs: number[] = [];
  const started = performance.now();
  await Promise.all(
    Array.from({ length: job.concurrency }, async (_, client) => {
      for (let n = 0; n < job.queriesPerClient; n++) {
        const sent = performance.now();
        await send(client * job.queriesPerClient + n);
        latenciesMs.push(performance.now() - sent);
      }
    }),
  );
  return { latenciesMs, seconds: (performance.now() - started) / 1000 };
}

async function openLoop(
  job: Extract<LoadJob, { kind: "open" }>,
  send: (n: number) => Promise<void>,
): Promise<QueryLoadResult> {
  const total = Math.round(job.ratePerSecond * job.seconds);
  const intervalMs = 1000 / job.ratePerSecond;
  const latenciesMs: number[] = [];
  const pending: Promise<void>[] = [];
  // The first failure, reported when every query has ended (not as an unhandled rejection).
  let failure: Error | null = null;
  const started = performance.now();
  for (let n = 0; n < total; n++) {
    const scheduled = started + n * intervalMs;
    const wait = scheduled - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    // Sent late when this loop itself fell behind; the latency still counts from the schedule.
    pending.push(
      send(n).then(
        () => void latenciesMs.push(performance.now() - scheduled),
        (error: Error) => void (failure ??= error),
      ),
    );
  }
  await Promise.all(pending);
  if (failure) throw failure;
  return { latenciesMs, seconds: (performance.now() - started) / 1000 };
}

// Started by runLoadInChild: one job, one reply, then exit.
if (process.send && process.argv[1] === fileURLToPath(import.meta.url)) {
  process.once("message", (job: LoadJob) => {
    runJob(job).then(
      (result) => process.send!({ ok: result } satisfies Reply, () => process.exit(0)),
      (error: Error) => process.send!({ error: error.message } satisfies Reply, () => process.exit(1)),
    );
  });
}
