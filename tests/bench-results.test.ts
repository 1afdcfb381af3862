// bench/results.ts: figures merged by name into the results file, others kept, and the table.
import assert from "node:assert/strict";
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
  type RunInfo,
} from "../bench/results.ts";

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
