// `npm run indexer` tells the truth in --help and refuses bad arguments naming them.
import assert from "node:assert/strict";
import { execFile, spawnSync } from "node:child_process";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { test } from "node:test";
import { promisify } from "node:util";

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
    "--rewind",
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
  const rewind = run("--rewind", "mosaic-origin");
  assert.equal(rewind.status, 2);
  assert.match(
    rewind.stderr,
    /--rewind expects <name>:<block>, e\.g\. mosaic-origin:1200, got "mosaic-origin"/,
  );
  const twice = run("--rewind", "mosaic-origin:5", "--rewind", "mosaic-origin:7");
  assert.equal(twice.status, 2);
  assert.match(twice.stderr, /--rewind names mosaic-origin twice: give one block/);
});

test("an RPC URL with a key and a password is asked its chain id with them, and no error shows them", async () => {
  const KEY = "0123456789abcdef0123456789abcdef";
  const PASSWORD = "pw-5e3c7e7f";
  let authorization: string | undefined;
  // A provider that refuses the key, quoting it, as hosted RPC providers do.
  const server = http.createServer((request, response) => {
    authorization = request.headers.authorization;
    response.writeHead(401, { "content-type": "text/plain" });
    response.end(`invalid project id ${KEY}`);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  try {
    const url = `http://indexer:${PASSWORD}@127.0.0.1:${port}/v3/${KEY}?key=${KEY}`;
    const result = await promisify(execFile)(
      "npm",
      ["run", "--silent", "indexer", "--", "--manifest", "subgraph.yaml", "--rpc-url", url, "--name", "x"],
      { encoding: "utf8" },
    ).then(
      () => assert.fail("the indexer started"),
      (error: { code: number; stderr: string }) => error,
    );
    assert.equal(result.code, 2);
    assert.match(
      result.stderr,
      new RegExp(`--rpc-url http://127\\.0\\.0\\.1:${port}/…: eth_chainId answered HTTP 401\\.`),
    );
    for (const secret of [KEY, PASSWORD]) assert.ok(!result.stderr.includes(secret), result.stderr);
    assert.equal(authorization, `Basic ${Buffer.from(`indexer:${PASSWORD}`).toString("base64")}`);
  } finally {
    server.close();
  }
});
