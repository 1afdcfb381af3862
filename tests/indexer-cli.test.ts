// `npm run indexer` tells the truth in --help and refuses bad arguments naming them.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { test } from "node:test";

const run = (...args: string[]) =>
  spawnSync("npm", ["run", "--silent", "indexer", "--", ...args], { encoding: "utf8" });

test("npm run indexer --help lists both ways to run it", () => {
  const help = run("--help");
  assert.equal(help.status, 0);
  assert.match(help.stdout, /Usage: npm run indexer -- \[options\]/);
  for (const option of [
    "--deployment",
    "--manifest",
    "--rpc-url",
    "--name",
    "--data-dir",
    "--port",
    "--range",
    "--new-heads",
  ]) {
    assert.ok(help.stdout.includes(option), `--help mentions ${option}`);
  }
});

test("npm run indexer refuses bad arguments, naming them", () => {
  const port = run("--port", "eighty");
  assert.equal(port.status, 2);
  assert.match(port.stderr, /--port must be a whole number from 0 to 65535, got "eighty"/);
  const manifestAlone = run("--manifest", "subgraph.yaml");
  assert.equal(manifestAlone.status, 2);
  assert.match(manifestAlone.stderr, /--manifest needs --rpc-url and --name/);
  const missing = run("--deployment", "/nonexistent/deployment.json");
  assert.equal(missing.status, 2);
  assert.match(missing.stderr, /\/nonexistent\/deployment\.json: cannot read the deployment file/);
  const range = run("--range", "0");
  assert.equal(range.status, 2);
  assert.match(range.stderr, /--range must be a whole number of blocks, 1 or more, got "0"/);
});
