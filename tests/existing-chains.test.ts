// The README's "Running against existing chains", command by command as a user types them: two
// chains already running, the contracts deployed onto them, both subgraphs built and indexed, the
// executor initialised and started as a service; a user's stake then completes, and `status` says
// so. The state roots are anchored by an anchorer in the test, standing in for the organization.
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { parseEther, parseUnits } from "ethers";
import { readDeploymentFile } from "../chain/deployment-file.ts";
import { connectChain } from "../chain/provider.ts";
import { devWallet, ROLE_INDEX } from "../devnet/accounts.ts";
import { startAnchorer, type Anchorer } from "../devnet/anchorer.ts";
import { freePort, startAnvil, type AnvilChain } from "../devnet/anvil.ts";
import { requestStake, type MosaicChains } from "../devnet/user-requests.ts";
import { graphql } from "./helpers/graphql-client.ts";

const dir = mkdtempSync(path.join(tmpdir(), "existing-chains-"));
const deploymentFile = path.join(dir, "deployment.json");
const configFile = path.join(dir, "facilitator.json");
const env = {
  ...process.env,
  FACILITATOR_KEY: devWallet(ROLE_INDEX.facilitator).privateKey,
  FACILITATOR_KEYSTORE_PASSWORD: "a password for this test",
};
let chains: AnvilChain[] = [];
const services: ChildProcess[] = [];
let anchorer: Anchorer | undefined;
let chainsView: MosaicChains | undefined;

/** Runs a command to its end; not spawnSync, which would stop this process from draining anvil's output. */
async function npm(args: string[]): Promise<string> {
  const child = spawn("npm", ["run", "--silent", ...args], { env, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.once("close", resolve));
  assert.equal(code, 0, `npm run ${args.join(" ")}:\n${stdout}\n${stderr}`);
  return stdout;
}

function service(args: string[]): { process: ChildProcess; output: () => string } {
  // Its own process group, signalled whole as a supervisor or Ctrl-C does.
  const child = spawn("npm", ["run", "--silent", ...args], {
    env,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  services.push(child);
  return { process: child, output: () => output };
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** How the process ended: its exit code, or the signal that ended it. */
const stopped = (child: ChildProcess) =>
  new Promise<string>((resolve) =>
    child.exitCode !== null || child.signalCode !== null
      ? resolve(String(child.signalCode ?? child.exitCode))
      : child.once("close", (code, signal) => resolve(String(signal ?? code))),
  );

before(async () => {
  chains = await Promise.all([
    startAnvil({ name: "origin", chainId: 4511, accounts: 10 }),
    startAnvil({ name: "auxiliary", chainId: 4512, accounts: 10 }),
  ]);
});

after(async () => {
  await anchorer?.stop();
  for (const child of services) {
    if (child.exitCode === null && child.signalCode === null) process.kill(-child.pid!, "SIGTERM");
    await stopped(child);
  }
  for (const side of [chainsView?.origin, chainsView?.auxiliary]) {
    (side?.provider as ReturnType<typeof connectChain> | undefined)?.destroy();
  }
  await Promise.all(chains.map((chain) => chain.stop()));
});

test(
  "existing chains: deploy, build, index, init, start; a stake completes",
  { timeout: 300_000 },
  async () => {
    const [origin, auxiliary] = chains as [AnvilChain, AnvilChain];
    await npm([
      "devnet:deploy",
      "--",
      ...["--origin-rpc-url", origin.rpcUrl, "--auxiliary-rpc-url", auxiliary.rpcUrl],
      ...["--deployment-file", deploymentFile],
    ]);
    const deployment = readDeploymentFile(deploymentFile);
    assert.equal(deployment.origin.chainId, 4511);

    await npm(["subgraph:build", "--", "--deployment", deploymentFile]);

    const port = await freePort();
    const indexer = service([
      "indexer",
      "--",
      ...["--deployment", deploymentFile, "--port", `${port}`, "--data-dir", path.join(dir, "index")],
    ]);
    const url = (name: string) => `http://127.0.0.1:${port}/subgraphs/name/${name}`;
    await until(
      "the indexer answers",
      async () => (await graphql(url("mosaic-origin"), "{ _meta { block { number } } }"))._meta,
      60_000,
    );

    const init = await npm([
      "facilitator",
      "--",
      "init",
      ...["--config", configFile, "--deployment", deploymentFile, "--private-key-env", "FACILITATOR_KEY"],
      ...["--origin-subgraph", url("mosaic-origin"), "--auxiliary-subgraph", url("mosaic-auxiliary")],
      ...["--origin-subgraph-ws", url("mosaic-origin").replace("http", "ws")],
      ...["--auxiliary-subgraph-ws", url("mosaic-auxiliary").replace("http", "ws")],
    ]);
    assert.ok(init.includes(devWallet(ROLE_INDEX.facilitator).address), init);
    assert.ok(!init.includes(env.FACILITATOR_KEY.slice(2)), "init does not echo the key");

    const executor = service(["facilitator", "--", "start", "--config", configFile]);

    chainsView = {
      deployment,
      origin: { provider: connectChain(origin.rpcUrl, origin.chainId) },
      auxiliary: { provider: connectChain(auxiliary.rpcUrl, auxiliary.chainId) },
    };
    anchorer = startAnchorer({
      deployment,
      providers: {
        origin: chainsView.origin.provider as ReturnType<typeof connectChain>,
        auxiliary: chainsView.auxiliary.provider as ReturnType<typeof connectChain>,
      },
      intervalMs: 300,
    });
    const staker = devWallet(2);
    const stake = await requestStake(chainsView, staker, {
      amount: parseEther("10"),
      beneficiary: staker.address,
      gasPrice: parseUnits("1", "gwei"),
      gasLimit: 200_000n,
    });

    const status = await until(
      "the stake progressed on both chains",
      async () => {
        const out = await npm([
          "facilitator",
          "--",
          "status",
          stake.stakeRequestHash,
          "--config",
          configFile,
          "--json",
        ]);
        return /"stage": ?"progressed"/.test(out) ? out : undefined;
      },
      120_000,
    );
    assert.match(status, /progressMint/);

    process.kill(-executor.process.pid!, "SIGTERM");
    // npm passes the signal on and, once the executor has exited, ends by it.
    assert.match(await stopped(executor.process), /^(0|SIGTERM)$/, executor.output());
    assert.match(executor.output(), /"msg":"stopped"/, "the executor stopped cleanly");
    process.kill(-indexer.process.pid!, "SIGINT");
    await stopped(indexer.process);
    assert.doesNotMatch(executor.output(), /"level":"error"/, executor.output());
  },
);
