// The RPC settings of the configuration file: one rpcUrl (or the deployment file's) as before, or a
// list of rpcUrls tried in order, each validated with an error naming its entry; a request timeout.
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
const subgraph = (name: string) => ({
  subgraph: { httpUrl: `http://127.0.0.1:8000/subgraphs/name/${name}` },
});
const withOrigin = (origin: Record<string, unknown>) => ({
  deploymentFile: "deployment.json",
  keystore: "keystore.json",
  chains: { origin: { ...subgraph("mosaic-origin"), ...origin }, auxiliary: subgraph("mosaic-auxiliary") },
});

before(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), "rpc-config-"));
  file = path.join(dir, "facilitator.json");
  writeDeploymentFile(path.join(dir, "deployment.json"), placeholderDeployment());
});
after(() => rmSync(dir, { recursive: true, force: true }));

test("rpcUrl still works, rpcUrls gives several in order, and the timeout defaults to 4 s", () => {
  const deployment = placeholderDeployment();
  const fromDeployment = parseConfig(withOrigin({}), file).chains.origin;
  assert.deepEqual(fromDeployment.rpcUrls, [deployment.origin.rpcUrl]);
  assert.equal(fromDeployment.rpcUrl, deployment.origin.rpcUrl);
  assert.equal(fromDeployment.rpcTimeoutMs, 4000);
  assert.deepEqual(parseConfig(withOrigin({ rpcUrl: "http://10.0.0.1:8545" }), file).chains.origin.rpcUrls, [
    "http://10.0.0.1:8545",
  ]);
  const several = parseConfig(
    withOrigin({ rpcUrls: ["http://10.0.0.1:8545", "https://rpc.example.org"], rpcTimeoutMs: 1500 }),
    file,
  ).chains.origin;
  assert.deepEqual(several.rpcUrls, ["http://10.0.0.1:8545", "https://rpc.example.org"]);
  assert.equal(several.rpcUrl, "http://10.0.0.1:8545");
  assert.equal(several.rpcTimeoutMs, 1500);
});

test("bad RPC settings are refused, naming the field", () => {
  const refused = (origin: Record<string, unknown>, pattern: RegExp) =>
    assert.throws(
      () => parseConfig(withOrigin(origin), file),
      (error: Error) => error instanceof ConfigError && pattern.test(error.message),
    );
  refused(
    { rpcUrls: ["http://10.0.0.1:8545", "localhost:8545"] },
    /chains\.origin\.rpcUrls\[1\]: expected a/,
  );
  refused(
    { rpcUrls: ["http://10.0.0.1:8545", 8545] },
    /chains\.origin\.rpcUrls\[1\]: expected text, got 8545/,
  );
  refused({ rpcUrls: [] }, /chains\.origin\.rpcUrls: expected a list of one or more URLs/);
  refused({ rpcUrls: "http://10.0.0.1:8545" }, /chains\.origin\.rpcUrls: expected a list/);
  refused(
    { rpcUrl: "http://10.0.0.1:8545", rpcUrls: ["http://10.0.0.2:8545"] },
    /chains\.origin\.rpcUrls: give either rpcUrl or rpcUrls/,
  );
  refused({ rpcTimeoutMs: 0 }, /chains\.origin\.rpcTimeoutMs: expected a whole number from 100/);
  // JSON-RPC is spoken over HTTP only: a WebSocket URL is refused here, not at the first request.
  refused({ rpcUrl: "wss://rpc.example.org" }, /chains\.origin\.rpcUrl: expected an http or https URL/);
  refused(
    { rpcUrls: ["http://10.0.0.1:8545", "ws://10.0.0.2:8546"] },
    /chains\.origin\.rpcUrls\[1\]: expected an http or https URL/,
  );
});

test("a subgraph's time limit defaults to 30 s and is refused outside its range", () => {
  assert.equal(parseConfig(withOrigin({}), file).chains.origin.subgraph.timeoutMs, 30_000);
  const set = withOrigin({
    subgraph: { httpUrl: "http://127.0.0.1:8000/subgraphs/name/o", timeoutMs: 2500 },
  });
  assert.equal(parseConfig(set, file).chains.origin.subgraph.timeoutMs, 2500);
  assert.throws(
    () => parseConfig(withOrigin({ subgraph: { httpUrl: "http://127.0.0.1:8000/x", timeoutMs: 50 } }), file),
    /chains\.origin\.subgraph\.timeoutMs: expected a whole number from 100/,
  );
});
