// A subgraph that stops indexing still answers, at its last block, and every decision over it goes
// through: without a look at the chain the executor would sit idle with its health ok. Here a
// proxy in front of the embedded host holds the origin subgraph's head where it is while the chain
// goes on: past `chains.<chain>.subgraph.maxLagBlocks` /health is degraded naming the subgraph,
// its block and the node's, the gauges show the chain's head and the lag, and a warning is logged
// once; when the head is let go, the health is ok again and the catching up is logged.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { SubgraphLagWatch } from "../executor/feed/subgraph-lag.ts";
import { createLogger } from "../executor/observability/logger.ts";
import { createMetrics, type ExecutorMetrics } from "../executor/observability/metrics.ts";
import type { RunningExecutor } from "../executor/service-api.ts";
import { SUBGRAPH_NAMES } from "../subgraph/hosting.ts";
import {
  configThrough,
  type ExecutorStack,
  startExecutorStack,
  startLoggedExecutor,
} from "./helpers/executor-stack.ts";
import { startRewritingProxy, type RewritingProxy } from "./helpers/rewriting-proxy.ts";
import { until } from "./helpers/wait-until.ts";

const MAX_LAG = 50;

/** The value of one series in the metrics' text, e.g. `facilitator_chain_block{chain="origin"}`. */
async function metric(metrics: ExecutorMetrics, series: string): Promise<number | undefined> {
  const line = (await metrics.registry.metrics()).split("\n").find((row) => row.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

test("the watch compares each chain's node head with its subgraph's and says each crossing once", async () => {
  const heads = { origin: 100, auxiliary: 50 };
  const subgraphs: Record<"origin" | "auxiliary", number | null> = { origin: 100, auxiliary: null };
  let nodeDown = false;
  const lines: string[] = [];
  const metrics = createMetrics();
  const watch = new SubgraphLagWatch({
    nodeHead: (chain) =>
      nodeDown ? Promise.reject(new Error("ECONNREFUSED")) : Promise.resolve(heads[chain]),
    subgraphHead: (chain) => subgraphs[chain],
    maxLagBlocks: { origin: 10, auxiliary: 20 },
    metrics,
    logger: createLogger({ level: "info", write: (line) => void lines.push(line) }),
  });
  assert.deepEqual(watch.behind(), [], "nothing said before a node head is read");
  await watch.readOnce();
  assert.deepEqual(watch.behind(), [], "nor of a subgraph that has reported no block");
  assert.equal(await metric(metrics, 'facilitator_subgraph_lag_blocks{feed="auxiliary"}'), undefined);
  subgraphs.auxiliary = 29;
  heads.origin = 111;
  await watch.readOnce();
  assert.deepEqual(watch.behind(), [
    "the origin subgraph is 11 blocks behind its chain (at 100, the node at 111; chains.origin.subgraph.maxLagBlocks is 10)",
    "the auxiliary subgraph is 21 blocks behind its chain (at 29, the node at 50; chains.auxiliary.subgraph.maxLagBlocks is 20)",
  ]);
  assert.equal(await metric(metrics, 'facilitator_chain_block{chain="origin"}'), 111);
  assert.equal(await metric(metrics, 'facilitator_subgraph_lag_blocks{feed="origin"}'), 11);
  assert.equal(await metric(metrics, 'facilitator_subgraph_lag_blocks{feed="auxiliary"}'), 21);
  // A node that does not answer keeps its last reading; a node behind its subgraph is no lag.
  nodeDown = true;
  await watch.readOnce();
  assert.equal(watch.nodeBlock("origin"), 111);
  nodeDown = false;
  subgraphs.origin = 120;
  subgraphs.auxiliary = 30;
  await watch.readOnce();
  assert.deepEqual(watch.behind(), []);
  assert.equal(await metric(metrics, 'facilitator_subgraph_lag_blocks{feed="origin"}'), 0);
  const said = lines.map((line) => JSON.parse(line) as { msg: string; chain: string });
  assert.deepEqual(
    said.map(({ msg, chain }) => `${msg} ${chain}`),
    [
      "subgraph behind its chain origin",
      "subgraph behind its chain auxiliary",
      "subgraph caught up origin",
      "subgraph caught up auxiliary",
    ],
  );
});

test("readings of a node slower than the timer do not pile up, and hold back no other chain's", async () => {
  const asked = { origin: 0, auxiliary: 0 };
  const watch = new SubgraphLagWatch({
    // The origin node answers after 200 ms, the auxiliary one at once; the timer ticks every 10 ms.
    nodeHead: (chain) => {
      asked[chain]++;
      const wait = chain === "origin" ? 200 : 0;
      return new Promise((resolve) => setTimeout(() => resolve(asked[chain]), wait));
    },
    subgraphHead: () => 0,
    maxLagBlocks: { origin: 10, auxiliary: 10 },
    metrics: createMetrics(),
    logger: createLogger({ level: "info", write: () => {} }),
    intervalMs: 10,
  });
  const started = Date.now();
  watch.start();
  await new Promise((resolve) => setTimeout(resolve, 500));
  const running = Date.now() - started;
  await watch.stop();
  // One origin reading at a time: one started per 200 ms it takes, and stop() waits for that one.
  assert.ok(asked.origin <= Math.ceil(running / 200) + 1, `${asked.origin} origin readings in ${running} ms`);
  assert.ok(
    asked.auxiliary > asked.origin,
    `auxiliary read ${asked.auxiliary} times, origin ${asked.origin}`,
  );
});

let stack: ExecutorStack;
let proxy: RewritingProxy;
let executor: RunningExecutor;
let metrics: ExecutorMetrics;
const lines: string[] = [];

before(async () => {
  stack = await startExecutorStack();
  proxy = await startRewritingProxy(new URL(stack.host.httpUrl(SUBGRAPH_NAMES.origin)).origin);
  metrics = createMetrics();
  executor = await startLoggedExecutor(
    configThrough(stack, proxy.urlFor, { maxLagBlocks: MAX_LAG }),
    lines,
    metrics,
  );
});
after(async () => {
  await executor?.stop();
  await proxy?.stop();
  await stack?.stop();
});

test("a subgraph held at a block while its chain goes on degrades /health until it catches up", async () => {
  await until("a first decision", async () => (executor.health().status === "ok" ? true : undefined));
  // The origin subgraph's head stays at the first one the proxy passes on from now (its answers at
  // that block are the real ones).
  let held: { number: number; hash: string } | undefined;
  proxy.rewrite = (body, path) => {
    if (!path.endsWith(`/${SUBGRAPH_NAMES.origin}`)) return body;
    const answer = JSON.parse(body) as { data?: { _meta?: { block?: { number: number; hash: string } } } };
    const block = answer.data?._meta?.block;
    if (!block) return body;
    held ??= block;
    return JSON.stringify({ data: { _meta: { block: held } } });
  };
  await stack.net.origin.provider.send("anvil_mine", [`0x${(MAX_LAG + 20).toString(16)}`]);
  const degraded = await until("/health degraded by the lag", async () => {
    const health = executor.health();
    return health.status === "degraded" ? health : undefined;
  });
  const node = await stack.net.origin.provider.getBlockNumber();
  assert.match(
    degraded.lastError!,
    new RegExp(
      `^subgraph behind: the origin subgraph is \\d+ blocks behind its chain \\(at ${held!.number}, the node at \\d+; chains\\.origin\\.subgraph\\.maxLagBlocks is ${MAX_LAG}\\)$`,
    ),
  );
  assert.equal(degraded.feeds.origin.lastBlock, held!.number);
  assert.ok(
    degraded.feeds.origin.nodeBlock! > held!.number + MAX_LAG && degraded.feeds.origin.nodeBlock! <= node,
  );
  assert.ok((await metric(metrics, 'facilitator_subgraph_lag_blocks{feed="origin"}'))! > MAX_LAG);
  assert.ok((await metric(metrics, 'facilitator_chain_block{chain="origin"}'))! > held!.number + MAX_LAG);
  assert.equal(lines.filter((line) => line.includes('"msg":"subgraph behind its chain"')).length, 1);

  proxy.rewrite = undefined;
  await until("/health ok again", async () => (executor.health().status === "ok" ? true : undefined));
  assert.ok(executor.health().feeds.origin.lastBlock! >= node);
  await until("the catching up logged", async () =>
    lines.some((line) => line.includes('"msg":"subgraph caught up"')) ? true : undefined,
  );
  assert.equal(lines.filter((line) => line.includes('"msg":"subgraph behind its chain"')).length, 1);
});
