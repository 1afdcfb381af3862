// bench/results.ts: figures merged by name into the results file, others kept, and the table; and
// bench/flow-latency.ts: the executor benchmark's blocks per step.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, describe, test } from "node:test";
import {
  formatTable,
  mergeFigures,
  readResults,
  writeResults,
  type Figure,
  type RecordedFigure,
  type RunInfo,
} from "../bench/results.ts";
import {
  blocksBetween,
  median,
  stepBlocks,
  summarizeSteps,
  underFloor,
  STEP_FLOORS,
  type BlockPoint,
  type FlowBlocks,
} from "../bench/flow-latency.ts";

const dir = mkdtempSync(path.join(os.tmpdir(), "bench-results-"));
after(() => rmSync(dir, { recursive: true, force: true }));

const firstRun: RunInfo = { measuredAt: "2025-01-01T00:00:00.000Z", cpus: 2 };
const secondRun: RunInfo = { measuredAt: "2025-02-01T00:00:00.000Z", cpus: 2 };

const figure = (name: string, value: number, unit = "events/s"): Figure => ({
  name,
  value,
  unit,
  parameters: { events: 20_000, concurrency: 16 },
});

describe("bench results", () => {
  test("a new file holds the run's figures, sorted by name, with when and on how many cpus", () => {
    const file = path.join(dir, "new.json");
    writeResults(file, [figure("indexer.query.p50", 3.5, "ms"), figure("indexer.index.rate", 900)], firstRun);
    assert.deepEqual(JSON.parse(readFileSync(file, "utf8")), {
      figures: [
        { ...figure("indexer.index.rate", 900), ...firstRun },
        { ...figure("indexer.query.p50", 3.5, "ms"), ...firstRun },
      ],
    });
  });

  test("a later run replaces figures of the same name and keeps the others", () => {
    const file = path.join(dir, "merge.json");
    writeResults(file, [figure("indexer.index.rate", 900), figure("executor.flows", 4, "flows/s")], firstRun);
    const merged = writeResults(file, [figure("indexer.index.rate", 1200)], secondRun);
    assert.deepEqual(merged, [
      { ...figure("executor.flows", 4, "flows/s"), ...firstRun },
      { ...figure("indexer.index.rate", 1200), ...secondRun },
    ]);
    assert.deepEqual(readResults(file), merged);
  });

  test("mergeFigures keeps one figure per name, the fresh one", () => {
    const merged = mergeFigures(
      [{ ...figure("b", 1), ...firstRun }],
      [
        { ...figure("b", 2), ...secondRun },
        { ...figure("a", 3), ...secondRun },
      ],
    );
    assert.deepEqual(
      merged.map((entry) => [entry.name, entry.value]),
      [
        ["a", 3],
        ["b", 2],
      ],
    );
  });

  test("a malformed results file is refused rather than overwritten", () => {
    const file = path.join(dir, "malformed.json");
    writeFileSync(file, JSON.stringify({ figures: [{ name: "x", value: "fast" }] }));
    assert.throws(() => writeResults(file, [figure("indexer.index.rate", 1)], firstRun), /expected/);
    writeFileSync(file, "{ not json");
    assert.throws(() => readResults(file), /is not JSON/);
    assert.equal(readFileSync(file, "utf8"), "{ not json");
  });

  test("a missing file reads as no figures", () => {
    assert.deepEqual(readResults(path.join(dir, "absent.json")), []);
  });

  test("the table shows each figure's value, unit and parameters", () => {
    const lines = formatTable([
      figure("indexer.index.rate", 1234.5678),
      figure("indexer.query.p99", 12.345, "ms"),
    ])
      .split("\n")
      .map((line) => line.split(/\s{2,}/));
    assert.deepEqual(lines[0], ["figure", "value", "parameters"]);
    assert.deepEqual(lines[2], ["indexer.index.rate", "1235 events/s", "events=20000 concurrency=16"]);
    assert.deepEqual(lines[3], ["indexer.query.p99", "12.3 ms", "events=20000 concurrency=16"]);
  });
});

describe("executor benchmark steps", () => {
  const at = (chain: BlockPoint["chain"], block: number, timestamp: number): BlockPoint => ({
    chain,
    block,
    timestamp,
  });
  // A stake at the floor: origin blocks 100.. at t=1000.., auxiliary blocks 40.. at t=1000.. too.
  const atFloor: FlowBlocks = {
    requested: at("origin", 100, 1000),
    declared: at("origin", 101, 1001),
    anchored: at("auxiliary", 42, 1002),
    confirmed: at("auxiliary", 44, 1004),
    progressedSource: at("origin", 105, 1005),
    progressedTarget: at("auxiliary", 45, 1005),
  };

  test("blocks on one chain by number, across chains by timestamps over the block time", () => {
    assert.equal(blocksBetween(at("origin", 10, 500), at("origin", 13, 520), 1), 3);
    assert.equal(blocksBetween(at("origin", 10, 500), at("auxiliary", 900, 506), 2), 3);
  });

  test("each step of a flow, ending at the later of the two progress blocks", () => {
    assert.deepEqual(stepBlocks(atFloor, 1), {
      accept: 1,
      anchor: 1,
      "prove-confirm": 2,
      progress: 1,
      total: 5,
    });
    const slowSource = { ...atFloor, progressedSource: at("origin", 108, 1008) };
    assert.equal(stepBlocks(slowSource, 1).progress, 4);
    assert.equal(stepBlocks(slowSource, 1).total, 8);
  });

  test("median, max, floor and ratio per step", () => {
    assert.equal(median([3, 1, 2]), 2);
    assert.equal(median([4, 1, 2, 3]), 2.5);
    const slower = {
      ...atFloor,
      confirmed: at("auxiliary", 46, 1006),
      progressedTarget: at("auxiliary", 47, 1007),
    };
    const summary = summarizeSteps([atFloor, slower, slower], 1);
    assert.deepEqual(summary["prove-confirm"], { median: 4, max: 4, floor: 2, ratio: 2 });
    assert.deepEqual(summary.accept, { median: 1, max: 1, floor: 1, ratio: 1 });
  });

  test("the steps some flow took in fewer blocks than their floors, with how many flows did", () => {
    assert.deepEqual(underFloor([atFloor, atFloor], 1), []);
    // The auxiliary block of the anchor came late, in the same second as the declaration.
    const lateBlock = { ...atFloor, anchored: at("auxiliary", 41, 1001) };
    assert.deepEqual(underFloor([atFloor, lateBlock], 1), ["anchor in 1 of 2 flows"]);
  });
});

test(
  "npm run bench runs the executor benchmark end to end and merges its figures",
  { timeout: 240_000 },
  () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "bench-run-"));
    const resultsFile = path.join(dir, "results.json");
    try {
      const args = ["--only", "executor", "--flows", "1", "--stakes", "2", "--results", resultsFile];
      const run = spawnSync("npm", ["run", "--silent", "bench", "--", ...args], {
        encoding: "utf8",
        timeout: 230_000,
      });
      assert.equal(run.status, 0, run.stdout + run.stderr);
      const figures = readResults(resultsFile);
      const figure = (name: string) => figures.find((item) => item.name === name);
      // How many blocks a flow takes depends on how the machine schedules the chains (see
      // underFloor): the figures are checked for what they say of each other, not for their size.
      for (const flow of ["stake", "redeem"]) {
        const total = figure(`executor.${flow}.total.blocks.median`);
        assert.ok(total && total.value > 0, `${flow} total`);
        assert.equal(figure(`executor.${flow}.total.blocks.floor`)?.value, STEP_FLOORS.total);
        assert.ok(
          figure(`executor.${flow}.total.blocks.max`)!.value >= total.value,
          `${flow}: max under median`,
        );
        const ratio = figure(`executor.${flow}.total.median-to-floor.ratio`);
        assert.equal(ratio?.value, total.value / STEP_FLOORS.total);
      }
      const completion = figure("executor.concurrent-stakes.completion.seconds");
      assert.ok(completion && completion.value > 0);
      assert.equal(completion.parameters.stakes, 2);
      assert.match(run.stdout, /executor\.stake\.accept\.blocks\.median/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
);

test(
  "npm run bench runs the indexer benchmark end to end: closed-loop and open-loop query figures",
  { timeout: 240_000 },
  () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "bench-indexer-"));
    const resultsFile = path.join(dir, "results.json");
    try {
      const args = ["--only", "indexer", "--events", "150", "--users", "3", "--concurrency", "2"];
      args.push("--queries", "5", "--open-loop-seconds", "1", "--results", resultsFile);
      const run = spawnSync("npm", ["run", "--silent", "bench", "--", ...args], {
        encoding: "utf8",
        timeout: 230_000,
      });
      assert.equal(run.status, 0, run.stdout + run.stderr);
      const figures = readResults(resultsFile);
      const figure = (name: string) => {
        const found = figures.find((item) => item.name === `indexer.${name}`);
        assert.ok(found, `indexer.${name} written`);
        assert.ok(found.value > 0, `indexer.${name} is positive`);
        return found;
      };
      // The closed loop: 2 clients x 5 queries, from the load generator's own process.
      assert.equal(figure("query.throughput").unit, "queries/s");
      assert.equal(figure("query.p50").parameters.client, "own process");
      assert.ok(figure("query.p99").value >= figure("query.p50").value);
      // The open loop: 200 queries/s for 1 s, latency from the scheduled send time.
      const openP99 = figure("query.open-loop.p99");
      assert.deepEqual([openP99.unit, openP99.parameters.rate, openP99.parameters.seconds], ["ms", 200, 1]);
      assert.ok(openP99.value >= figure("query.open-loop.p50").value);
      assert.match(run.stdout, /indexer\.query\.open-loop\.p99/);
      // Processing from logs in memory, with reused and with fresh instances (same changes, or the run fails).
      figure("process.fresh-instances.rate");
      const processRate = figure("process.rate");
      assert.deepEqual([processRate.parameters.runs, processRate.parameters.of], [3, "median"]);
      assert.match(run.stdout, /the median of 3 runs; .* the same changes in all \d+ blocks/);
      // Each rate against its own floor: the logs alone, and the logs with the blocks they are in.
      const rate = (name: string) => figure(name).value;
      assert.equal(rate("index-to-raw.ratio"), rate("index.rate") / rate("raw-logs.rate"));
      assert.equal(
        rate("index-to-raw-with-blocks.ratio"),
        rate("index.rate") / rate("raw-logs-and-blocks.rate"),
      );
      assert.match(run.stdout, /events with their blocks in \d/);
      // The CPU the chains' nodes and the indexing process took, and the ceiling the nodes' CPU
      // for (b') sets on (c), where /proc can be read (Linux); elsewhere the run says so, none written.
      if (/the chains' CPU time is not readable/.test(run.stdout))
        assert.equal(figures.filter((item) => item.unit === "cpu-s").length, 0);
      else checkCpuFigures(figures, rate, run.stdout);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
);

test("the faults benchmark refuses more flows than it has funded accounts, naming the option", () => {
  const run = spawnSync(
    "npm",
    ["run", "--silent", "bench", "--", "--only", "faults", "--fault-flows", "39"],
    {
      encoding: "utf8",
      timeout: 60_000,
    },
  );
  assert.equal(run.status, 2, run.stdout + run.stderr);
  assert.match(run.stderr, /--fault-flows expects a whole number from 1 to 38, got 39/);
});

/**
 * The CPU figures of an indexer run: the nodes' and this process's CPU seconds (the nodes' counted
 * in ticks of 10 ms, so a stretch this small may count none), the share of the cores busy while
 * indexing, and the ceiling: (b)'s seconds on every core over the nodes' CPU seconds for (b').
 */
function checkCpuFigures(figures: RecordedFigure[], rate: (name: string) => number, stdout: string): void {
  const cpuSeconds = (name: string) => {
    const found = figures.find((item) => item.name === `indexer.${name}`);
    assert.ok(found && found.unit === "cpu-s" && found.value >= 0, `indexer.${name} written`);
    return found.value;
  };
  assert.ok(cpuSeconds("index.indexer-cpu.seconds") > 0);
  cpuSeconds("index.chain-cpu.seconds");
  cpuSeconds("raw-logs.chain-cpu.seconds");
  const blocksCpu = cpuSeconds("raw-logs-and-blocks.chain-cpu.seconds");
  const ceiling = figures.find((item) => item.name === "indexer.index-to-raw.ceiling");
  if (blocksCpu === 0) assert.equal(ceiling, undefined, "no ceiling from no CPU counted");
  else {
    const cpus = ceiling!.parameters.cpus as number;
    const rawSeconds = (ceiling!.parameters.events as number) / rate("raw-logs.rate");
    const expected = (rawSeconds * cpus) / blocksCpu;
    assert.ok(Math.abs(ceiling!.value - expected) < expected * 1e-9, `${ceiling!.value} against ${expected}`);
  }
  // A share of what the cores can give.
  assert.ok(rate("index.cpu-busy.ratio") <= 1.1, `cpu-busy ${rate("index.cpu-busy.ratio")}`);
  assert.match(
    stdout,
    /indexed \d+ events in [\d.]+ s \(CPU: the chains' nodes [\d.]+ s, this process [\d.]+ s\)/,
  );
}
