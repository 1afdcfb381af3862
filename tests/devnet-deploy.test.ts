// `npm run devnet:deploy` as a user runs it, onto chains that are already running and make a block a
// second (as the anvil containers of docker-compose.yml's local-chains profile do): the deployment
// file, the contracts, the tokens; and its refusals.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { readDeploymentFile } from "../chain/deployment-file.ts";
import { bindAuxiliary, bindOrigin } from "../chain/mosaic-contracts.ts";
import { connectChain } from "../chain/provider.ts";
import { devWallet, FIRST_USER_INDEX, ROLE_INDEX } from "../devnet/accounts.ts";
import { freePort, startAnvil, type AnvilChain } from "../devnet/anvil.ts";
import { DEV_TOKEN_GRANT } from "../devnet/deploy-onto-chains.ts";

const ORIGIN_CHAIN_ID = 4701;
const AUXILIARY_CHAIN_ID = 4702;
const UNFUNDED_CHAIN_ID = 4703;

let origin: AnvilChain;
let auxiliary: AnvilChain;
const directory = mkdtempSync(path.join(tmpdir(), "devnet-deploy-"));

before(async () => {
  [origin, auxiliary] = await Promise.all([
    startAnvil({ name: "origin", chainId: ORIGIN_CHAIN_ID, blockTime: 1 }),
    startAnvil({ name: "auxiliary", chainId: AUXILIARY_CHAIN_ID, blockTime: 1 }),
  ]);
});

after(async () => {
  await Promise.all([origin?.stop(), auxiliary?.stop()]);
});

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  seconds: number;
}

/** `npm run devnet:deploy --silent -- <args>`, as a user types it. */
async function devnetDeploy(args: string[]): Promise<Run> {
  const started = Date.now();
  const child = spawn("npm", ["run", "devnet:deploy", "--silent", "--", ...args], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
  return { code, stdout, stderr, seconds: (Date.now() - started) / 1000 };
}

test("deploys onto two running chains that mine a block a second, and writes the deployment file", async () => {
  const deploymentFile = path.join(directory, "deployment.json");
  // A node behind a password (anvil takes none): the summary shows the URL without it.
  const originUrl = origin.rpcUrl.replace("//", "//deployer:a-node-password@");
  const run = await devnetDeploy([
    "--origin-rpc-url",
    originUrl,
    "--auxiliary-rpc-url",
    auxiliary.rpcUrl,
    "--deployment-file",
    deploymentFile,
  ]);
  assert.equal(run.code, 0, `${run.stdout}\n${run.stderr}`);
  assert.ok(run.seconds < 30, `a few blocks, not one per transaction (took ${run.seconds} s)`);

  const deployment = readDeploymentFile(deploymentFile);
  assert.equal(deployment.origin.chainId, ORIGIN_CHAIN_ID);
  assert.equal(deployment.auxiliary.chainId, AUXILIARY_CHAIN_ID);
  assert.equal(deployment.origin.rpcUrl, originUrl);
  assert.equal(deployment.auxiliary.rpcUrl, auxiliary.rpcUrl);
  for (const shown of [
    deployment.origin.contracts.gateway,
    deployment.auxiliary.contracts.coGateway,
    `deployment file  ${deploymentFile}`,
    "users #2-#19",
  ]) {
    assert.ok(run.stdout.includes(shown), `the summary shows ${shown}:\n${run.stdout}`);
  }
  assert.doesNotMatch(run.stdout, /0x[0-9a-fA-F]{64}/, "no private key (or other 32-byte secret) is printed");
  assert.ok(!`${run.stdout}${run.stderr}`.includes("a-node-password"), run.stdout);
  assert.ok(run.stdout.includes(`chain ${ORIGIN_CHAIN_ID}  ${origin.rpcUrl}  `), run.stdout);

  const originProvider = connectChain(origin.rpcUrl, ORIGIN_CHAIN_ID);
  const auxiliaryProvider = connectChain(auxiliary.rpcUrl, AUXILIARY_CHAIN_ID);
  try {
    assert.notEqual(await originProvider.getCode(deployment.origin.contracts.gateway), "0x");
    assert.notEqual(await auxiliaryProvider.getCode(deployment.auxiliary.contracts.coGateway), "0x");
    const onOrigin = bindOrigin(deployment, originProvider);
    const onAuxiliary = bindAuxiliary(deployment, auxiliaryProvider);
    assert.equal(await onOrigin.gateway.getFunction("activated")(), true, "the gateway is activated");
    assert.equal(
      await onAuxiliary.utilityToken.getFunction("coGateway")(),
      deployment.auxiliary.contracts.coGateway,
    );
    for (const index of [FIRST_USER_INDEX, 19]) {
      assert.equal(
        await onOrigin.valueToken.balanceOf(devWallet(index).address),
        DEV_TOKEN_GRANT,
        `user #${index} has value tokens`,
      );
    }
    assert.equal(
      await onOrigin.baseToken.balanceOf(devWallet(ROLE_INDEX.facilitator).address),
      DEV_TOKEN_GRANT,
      "the facilitator has base tokens",
    );

    // Again onto the same chains: a new set of contracts, and the file is overwritten, saying so.
    const again = await devnetDeploy([
      ...["--origin-rpc-url", origin.rpcUrl, "--auxiliary-rpc-url", auxiliary.rpcUrl],
      ...["--deployment-file", deploymentFile, "--accounts", "3"],
    ]);
    assert.equal(again.code, 0, `${again.stdout}\n${again.stderr}`);
    assert.match(again.stdout, /overwriting the file that was there/);
    const second = readDeploymentFile(deploymentFile);
    assert.notEqual(second.origin.contracts.gateway, deployment.origin.contracts.gateway);
    assert.ok(second.origin.deploymentBlock > deployment.origin.deploymentBlock);
    assert.equal(
      await bindOrigin(second, originProvider).valueToken.balanceOf(devWallet(FIRST_USER_INDEX).address),
      DEV_TOKEN_GRANT,
    );
  } finally {
    originProvider.destroy();
    auxiliaryProvider.destroy();
  }
});

test("refuses an unreachable URL, naming the option and the URL", async () => {
  const deploymentFile = path.join(directory, "unreachable.json");
  const nobody = `http://127.0.0.1:${await freePort()}`;
  const run = await devnetDeploy([
    ...["--origin-rpc-url", origin.rpcUrl, "--auxiliary-rpc-url", nobody],
    ...["--deployment-file", deploymentFile],
  ]);
  assert.equal(run.code, 1);
  assert.match(
    run.stderr,
    new RegExp(
      `--auxiliary-rpc-url ${nobody.replace(/\./g, "\\.")}: cannot reach it \\(connect ECONNREFUSED`,
    ),
  );
  assert.match(run.stderr, /Is the chain running\?/);
  assert.ok(!existsSync(deploymentFile), "no deployment file is written");
});

test("refuses one chain given twice", async () => {
  const deploymentFile = path.join(directory, "twice.json");
  const run = await devnetDeploy([
    ...["--origin-rpc-url", origin.rpcUrl, "--auxiliary-rpc-url", origin.rpcUrl],
    ...["--deployment-file", deploymentFile],
  ]);
  assert.equal(run.code, 1);
  assert.match(
    run.stderr,
    new RegExp(`both have chain id ${ORIGIN_CHAIN_ID}: they must be two different chains`),
  );
  assert.ok(!existsSync(deploymentFile), "no deployment file is written");
});

test("refuses a chain whose owner account has no ether, naming the chain, its URL and the fix", async () => {
  const unfunded = await startAnvil({ name: "unfunded", chainId: UNFUNDED_CHAIN_ID });
  const deploymentFile = path.join(directory, "unfunded.json");
  const provider = connectChain(unfunded.rpcUrl, UNFUNDED_CHAIN_ID);
  try {
    await provider.send("anvil_setBalance", [devWallet(ROLE_INDEX.owner).address, "0x0"]);
    const run = await devnetDeploy([
      ...["--origin-rpc-url", unfunded.rpcUrl, "--auxiliary-rpc-url", auxiliary.rpcUrl],
      ...["--deployment-file", deploymentFile],
    ]);
    assert.equal(run.code, 1);
    assert.match(
      run.stderr,
      new RegExp(
        `origin chain ${UNFUNDED_CHAIN_ID} at ${unfunded.rpcUrl.replace(/\./g, "\\.")}: the owner 0x[0-9a-fA-F]{40} \\(account #0 of anvil's test mnemonic\\) has no ether`,
      ),
    );
    assert.match(run.stderr, /start anvil with its default mnemonic/);
    assert.equal(
      await provider.getTransactionCount(devWallet(ROLE_INDEX.owner).address),
      0,
      "nothing was sent",
    );
    assert.ok(!existsSync(deploymentFile), "no deployment file is written");
  } finally {
    provider.destroy();
    await unfunded.stop();
  }
});

test("--help tells the options, and a bad option is refused naming it", async () => {
  const [help, unknown, accounts, websocket] = await Promise.all([
    devnetDeploy(["--help"]),
    devnetDeploy(["--colour"]),
    devnetDeploy(["--accounts", "many"]),
    devnetDeploy(["--origin-rpc-url", "ws://127.0.0.1:8545"]),
  ]);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /Usage: npm run devnet:deploy -- \[options\]/);
  for (const option of ["--origin-rpc-url <url>", "--auxiliary-rpc-url <url>", "--deployment-file <path>"]) {
    assert.ok(help.stdout.includes(option), `--help names ${option}`);
  }
  assert.match(help.stdout, /--accounts <n>/);
  assert.match(help.stdout, /default http:\/\/127\.0\.0\.1:8545/);

  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /Unknown option '--colour'/);
  assert.equal(accounts.code, 2);
  assert.match(accounts.stderr, /--accounts must be a whole number from 2 to 1000, got "many"/);
  assert.equal(websocket.code, 2);
  assert.match(
    websocket.stderr,
    /--origin-rpc-url must be an http:\/\/ or https:\/\/ URL, got "ws:\/\/127\.0\.0\.1:8545"/,
  );
});
