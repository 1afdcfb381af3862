// `npm start` as a user runs it: the whole stack with demo traffic, the summary, the live view, the
// executor's own view while it runs, and a clean stop on Ctrl-C.
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { createServer, type AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { test } from "node:test";
import { readDeploymentFile } from "../chain/deployment-file.ts";
import { devWallet, ROLE_INDEX } from "../devnet/accounts.ts";
import { graphql } from "./helpers/graphql-client.ts";
import { anvilPidsForChainId } from "./helpers/processes.ts";

test(
  "npm start --demo 5: the whole stack, all ten flows complete in the live view, Ctrl-C stops it all",
  { timeout: 300_000 },
  async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), "start-"));
    const args = ["start", "--", "--demo", "5", "--data-dir", dataDir, "--indexer-port", "0"];
    args.push("--origin-chain-id", "4401", "--auxiliary-chain-id", "4402");
    // Its own process group, so that SIGINT reaches npm and everything under it, as Ctrl-C does.
    const child = spawn("npm", args, { detached: true, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<string>((resolve) =>
      child.once("exit", (code, signal) => resolve(signal ?? `${code}`)),
    );
    const waitFor = (pattern: RegExp, timeoutMs: number) =>
      new Promise<RegExpMatchArray>((resolve, reject) => {
        const deadline = Date.now() + timeoutMs;
        const check = setInterval(() => {
          const match = output.match(pattern);
          if (match) resolve(match);
          else if (child.exitCode !== null) reject(new Error(`npm start exited early:\n${output}`));
          else if (Date.now() > deadline) reject(new Error(`no ${pattern} in time:\n${output}`));
          else return;
          clearInterval(check);
        }, 100);
      });
    try {
      await waitFor(/Press Ctrl-C to stop\./, 120_000);
      const runningSince = Date.now();
      const deployment = readDeploymentFile(path.join(dataDir, "deployment.json"));
      assert.equal(deployment.origin.chainId, 4401);
      assert.equal(deployment.auxiliary.chainId, 4402);
      for (const shown of [
        deployment.origin.rpcUrl,
        deployment.auxiliary.rpcUrl,
        deployment.origin.contracts.gateway,
        deployment.auxiliary.contracts.coGateway,
        path.join(dataDir, "facilitator.json"),
      ]) {
        assert.ok(output.includes(shown), `the summary shows ${shown}`);
      }
      assert.match(output, /blocks {5}every 1 s/);
      assert.equal(anvilPidsForChainId(4401).length, 1);

      // The GraphQL URLs shown answer.
      const originUrl = output.match(/GraphQL {4}origin {5}(\S+)/)![1]!;
      const auxiliaryUrl = output.match(/ {13}auxiliary {2}(\S+)/)![1]!;
      for (const url of [originUrl, auxiliaryUrl]) {
        const meta = await graphql<{ _meta: { block: { number: number } } }>(
          url,
          "{ _meta { block { number } } }",
        );
        assert.ok(meta._meta.block.number > 0, url);
      }

      const done = await waitFor(/demo: all 10 flows complete in ([\d.]+) s/, 120_000);
      const seconds = Number(done[1]);
      assert.ok(seconds < 120, `ten flows in ${seconds} s`);
      assert.ok(Date.now() - runningSince < 120_000);
      // Each demo request's rows reached completion on both chains in the live view.
      const completed = new Set(
        [
          ...output.matchAll(
            /(stake|redeem) +(0x[0-9a-f]{8}…[0-9a-f]{4}) +Progressed +Progressed +complete/g,
          ),
        ].map((match) => `${match[1]} ${match[2]}`),
      );
      assert.equal([...completed].filter((row) => row.startsWith("stake")).length, 5);
      assert.equal([...completed].filter((row) => row.startsWith("redeem")).length, 5);

      // The executor's view, while it runs, as the README shows it.
      const list = spawnSync(
        "npm",
        [
          "run",
          "--silent",
          "facilitator",
          "--",
          "list",
          "--limit",
          "200",
          "--config",
          path.join(dataDir, "facilitator.json"),
        ],
        { encoding: "utf8" },
      );
      assert.equal(list.status, 0, list.stderr);
      assert.match(list.stdout, /progressMint/);
      const { stakeRequests } = await graphql<{ stakeRequests: Array<{ id: string }> }>(
        originUrl,
        "{ stakeRequests(first: 1) { id } }",
      );
      const status = spawnSync(
        "npm",
        [
          ...["run", "--silent", "facilitator", "--", "status", stakeRequests[0]!.id],
          ...["--config", path.join(dataDir, "facilitator.json")],
        ],
        { encoding: "utf8" },
      );
      assert.equal(status.status, 0, status.stderr);
      assert.match(status.stdout, /progressed/);
      const log = readFileSync(path.join(dataDir, "executor.log"), "utf8");
      assert.doesNotMatch(log, /"level":"error"/);
      assert.doesNotMatch(output, /0x[0-9a-fA-F]{64}/, "no key or other 32-byte secret printed");
      // Nor in the executor's log: its key, and the unlock secrets (public now that progress revealed them).
      const { messages } = await graphql<{ messages: Array<{ unlockSecret: string | null }> }>(
        originUrl,
        "{ messages(first: 100) { unlockSecret } }",
      );
      const secrets = messages.map((message) => message.unlockSecret!);
      assert.equal(secrets.length, 10);
      for (const secret of [devWallet(ROLE_INDEX.facilitator).privateKey, ...secrets]) {
        assert.ok(
          !log.toLowerCase().includes(secret.slice(2).toLowerCase()),
          "a secret in the executor's log",
        );
      }
    } finally {
      if (child.exitCode === null) process.kill(-child.pid!, "SIGINT");
    }
    // npm re-raises the SIGINT it was sent once the program under it has exited.
    assert.match(await exited, /^(0|SIGINT)$/, output);
    assert.match(
      output,
      /SIGINT: stopping the executor, the indexer, the anchorer and the chains…\nStopped\./,
    );
    assert.deepEqual(
      [...anvilPidsForChainId(4401), ...anvilPidsForChainId(4402)],
      [],
      "no chain left running",
    );
  },
);

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

test("npm start with its GraphQL port taken fails before starting anything, naming the port and the option", async () => {
  const holder = createServer();
  await new Promise<void>((resolve) => holder.listen(0, "127.0.0.1", resolve));
  const port = (holder.address() as AddressInfo).port;
  try {
    const dataDir = mkdtempSync(path.join(tmpdir(), "start-"));
    const run = spawnSync(
      "npm",
      [
        "start",
        "--silent",
        "--",
        "--indexer-port",
        `${port}`,
        "--data-dir",
        dataDir,
        "--origin-chain-id",
        "4403",
      ],
      { encoding: "utf8" },
    );
    assert.equal(run.status, 1, run.stdout + run.stderr);
    assert.match(
      run.stderr,
      new RegExp(
        `the indexer host cannot listen on port ${port} \\(.*EADDRINUSE.*\\); choose another with --indexer-port`,
      ),
    );
    assert.deepEqual(anvilPidsForChainId(4403), [], "no chain was started");
  } finally {
    holder.close();
  }
});
