// `npm start` as a user runs it: the summary, the deployment file, a clean stop on Ctrl-C.
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { test } from "node:test";
import { readDeploymentFile } from "../chain/deployment-file.ts";
import { connectChain } from "../chain/provider.ts";
import { anvilPidsForChainId } from "./helpers/processes.ts";

test("npm start runs the chains until Ctrl-C, then stops everything", { timeout: 120_000 }, async () => {
  const deploymentFile = path.join(mkdtempSync(path.join(tmpdir(), "start-")), "deployment.json");
  const args = ["start", "--", "--deployment-file", deploymentFile, "--origin-chain-id", "4401"];
  args.push("--auxiliary-chain-id", "4402");
  // Its own process group, so that SIGINT reaches npm and everything under it, as Ctrl-C does.
  const child = spawn("npm", args, { detached: true, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<string>((resolve) =>
    child.once("exit", (code, signal) => resolve(signal ?? `${code}`)),
  );
  try {
    await new Promise<void>((resolve, reject) => {
      const check = setInterval(() => {
        if (output.includes("Press Ctrl-C to stop.")) resolve();
        else if (child.exitCode !== null) reject(new Error(`npm start exited early:\n${output}`));
        else return;
        clearInterval(check);
      }, 100);
    });
    const deployment = readDeploymentFile(deploymentFile);
    assert.equal(deployment.origin.chainId, 4401);
    assert.equal(deployment.auxiliary.chainId, 4402);
    for (const shown of [
      deployment.origin.rpcUrl,
      deployment.auxiliary.rpcUrl,
      deployment.origin.contracts.gateway,
      deployment.auxiliary.contracts.coGateway,
      deploymentFile,
    ]) {
      assert.ok(output.includes(shown), `the summary shows ${shown}`);
    }
    assert.match(output, /chain 4401 .*\n(.*\n)*.*chain 4402/);
    assert.match(output, /blocks {5}every 1 s/);
    const origin = connectChain(deployment.origin.rpcUrl, 4401);
    assert.notEqual(
      await origin.getCode(deployment.origin.contracts.gateway),
      "0x",
      "the gateway is deployed",
    );
    origin.destroy();
    assert.equal(anvilPidsForChainId(4401).length, 1);
    assert.doesNotMatch(output, /0x[0-9a-fA-F]{64}/, "no private key (or other 32-byte secret) is printed");
  } finally {
    if (child.exitCode === null) process.kill(-child.pid!, "SIGINT");
  }
  // npm re-raises the SIGINT it was sent once the program under it has exited.
  assert.match(await exited, /^(0|SIGINT)$/, output);
  assert.match(output, /SIGINT: stopping the chains…\nStopped\./);
  assert.deepEqual([...anvilPidsForChainId(4401), ...anvilPidsForChainId(4402)], [], "no chain left running");
});

test("npm start --help tells the options, and a bad option is refused naming it", () => {
  const help = spawnSync("npm", ["start", "--silent", "--", "--help"], { encoding: "utf8" });
  assert.equal(help.status, 0);
  assert.match(help.stdout, /Usage: npm start -- \[options\]/);
  assert.match(help.stdout, /--block-time <seconds>/);
  const bad = spawnSync("npm", ["start", "--silent", "--", "--block-time", "soon"], { encoding: "utf8" });
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /--block-time must be a whole number from 1 to 3600, got "soon"/);
  const unknown = spawnSync("npm", ["start", "--silent", "--", "--colour"], { encoding: "utf8" });
  assert.equal(unknown.status, 2);
  assert.match(unknown.stderr, /Unknown option '--colour'/);
});
