// The backoff settings of the configuration file: defaults when left out, the operator's values
// when given, and errors that name the field when they make no sense.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { writeDeploymentFile } from "../chain/deployment-file.ts";
import { ConfigError, parseConfig } from "../executor/config.ts";
import { placeholderDeployment } from "../subgraph/build.ts";

let dir: string;
let file: string;
const base = {
  deploymentFile: "deployment.json",
  keystore: "keystore.json",
  chains: {
    origin: { subgraph: { httpUrl: "http://127.0.0.1:8000/subgraphs/name/mosaic-origin" } },
    auxiliary: { subgraph: { httpUrl: "http://127.0.0.1:8000/subgraphs/name/mosaic-auxiliary" } },
  },
};

before(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), "backoff-config-"));
  file = path.join(dir, "facilitator.json");
  writeDeploymentFile(path.join(dir, "deployment.json"), placeholderDeployment());
});
after(() => rmSync(dir, { recursive: true, force: true }));

test("retry defaults to 2 s doubling up to 5 min, abandoned at the 12th failure", () => {
  assert.deepEqual(parseConfig(base, file).retry, { initialMs: 2000, maxMs: 300_000, limit: 12 });
  assert.deepEqual(parseConfig({ ...base, retry: { initialMs: 500, maxMs: 60_000, limit: 3 } }, file).retry, {
    initialMs: 500,
    maxMs: 60_000,
    limit: 3,
  });
});

test("bad retry settings are refused, naming the field", () => {
  const refused = (retry: Record<string, unknown>, pattern: RegExp) =>
    assert.throws(
      () => parseConfig({ ...base, retry }, file),
      (error: Error) => error instanceof ConfigError && pattern.test(error.message),
    );
  refused({ limit: 0 }, /retry\.limit: expected a whole number from 1 to 1000, got 0/);
  refused({ initialMs: "2s" }, /retry\.initialMs: expected a whole number/);
  refused({ initialMs: 10_000, maxMs: 5000 }, /retry\.maxMs: must be at least retry\.initialMs \(10000\)/);
});
