// Before the executor sends anything: each RPC URL reaches the deployment's chain, every contract of
// the deployment has code, the key is a worker of both organizations (and of the Anchors' when it
// anchors). Each failure is one line naming the field and the fix; low balances are warned about.
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { after, before, test } from "node:test";
import { encryptKeystoreJsonSync } from "ethers";
import { writeDeploymentFile } from "../chain/deployment-file.ts";
import { bindOrigin } from "../chain/mosaic-contracts.ts";
import { mined } from "../chain/receipts.ts";
import { devWallet, ROLE_INDEX } from "../devnet/accounts.ts";
import { startRpcFaultProxy } from "../devnet/faults/rpc-fault-proxy.ts";
import { readConfig } from "../executor/config.ts";
import {
  type ExecutorStack,
  KEYSTORE_PASSWORD,
  startExecutorStack,
  startLoggedExecutor,
} from "./helpers/executor-stack.ts";

let stack: ExecutorStack;
let runs = 0;

/** Starts an executor on the stack's configuration with `change` applied; its log lines. */
async function start(change: (config: Record<string, unknown>) => void, lines: string[] = []) {
  const config = JSON.parse(readFileSync(stack.configFile, "utf8")) as Record<string, unknown>;
  config.database = `file:run-${++runs}.sqlite`;
  change(config);
  const file = path.join(stack.dir, `run-${runs}.json`);
  writeFileSync(file, JSON.stringify(config));
  return startLoggedExecutor(readConfig(file), lines);
}

/** A change of the configuration: the origin chain through `url` (a fault proxy). */
function originThrough(url: string) {
  return (config: Record<string, unknown>) => {
    const chains = config.chains as Record<string, Record<string, unknown>>;
    chains.origin = { ...chains.origin, rpcUrl: url };
  };
}

function keystoreOf(index: number): string {
  const wallet = devWallet(index);
  const file = `keystore-${index}.json`;
  const json = encryptKeystoreJsonSync(
    { address: wallet.address, privateKey: wallet.privateKey },
    KEYSTORE_PASSWORD,
    {
      scrypt: { N: 1024 },
    },
  );
  writeFileSync(path.join(stack.dir, file), json);
  return file;
}

before(async () => {
  stack = await startExecutorStack();
});
after(async () => {
  await stack?.stop();
});

test("an RPC URL of another chain is refused, naming the field", async () => {
  await assert.rejects(
    start((config) => {
      const chains = config.chains as Record<string, Record<string, unknown>>;
      chains.origin!.rpcUrl = stack.net.deployment.auxiliary.rpcUrl;
    }),
    (error: Error) => {
      assert.match(
        error.message,
        new RegExp(
          `^chains\\.origin\\.rpcUrl: 127\\.0\\.0\\.1:\\d+ is chain ${stack.net.deployment.auxiliary.chainId}, but the deployment's origin chain is ${stack.net.deployment.origin.chainId}: point it at a node of chain`,
        ),
      );
      return true;
    },
  );
});

// anvil takes no authentication: what is checked is that the URL's user and password (one with a
// bare %, which Node's own reading of a URL throws on) do not make the node look unreachable.
test("an RPC URL with a user and password is checked like any other", { timeout: 60_000 }, async () => {
  await assert.rejects(
    start((config) => {
      const chains = config.chains as Record<string, Record<string, unknown>>;
      chains.origin!.rpcUrl = stack.net.deployment.auxiliary.rpcUrl.replace("//", "//facilitator:p%zz@");
    }),
    (error: Error) => {
      assert.match(error.message, /^chains\.origin\.rpcUrl: 127\.0\.0\.1:\d+ is chain /);
      assert.doesNotMatch(error.message, /facilitator|p%zz/);
      return true;
    },
  );
});

test("a contract of the deployment without code is refused, naming the entry", async () => {
  const deployment = structuredClone(stack.net.deployment);
  deployment.origin.contracts.ostComposer = devWallet(9).address;
  writeDeploymentFile(path.join(stack.dir, "no-code.json"), deployment);
  await assert.rejects(
    start((config) => {
      config.deploymentFile = "no-code.json";
    }),
    /deployment file: origin\.contracts\.ostComposer: 0x[0-9a-fA-F]{40} has no code on chain \d+: fix the address/,
  );
});

test("a key that is not a worker of the organizations is refused, with the fix", async () => {
  const outsider = devWallet(7).address;
  await assert.rejects(
    start((config) => {
      config.keystore = keystoreOf(7);
    }),
    (error: Error) => {
      assert.ok(
        error.message.startsWith(`keystore: ${outsider} is not a worker of the OSTComposer's organization`),
        error.message,
      );
      assert.match(error.message, /setWorker\(/);
      return true;
    },
  );
});

test("the anchoring role without the Anchors' organization rights is refused", async () => {
  await assert.rejects(
    start((config) => {
      config.anchoring = { confirmations: 0, minInterval: 0 };
    }),
    /anchoring: 0x[0-9a-fA-F]{40} is neither owner nor admin of the origin Anchor's organization/,
  );
});

// In one fault run, 4 of 22 executor starts failed: a node dropping 20% of requests made one of the
// checks' reads (each contract's code, the pairs, the roles) fail after the provider's own retries.
test("a node that stops answering during the checks: they are tried again, then left to the work", async () => {
  const proxy = await startRpcFaultProxy(stack.config.chains.origin.rpcUrl);
  try {
    const throughProxy = originThrough(proxy.url);
    // One read's three attempts fail: the checks' second try goes through.
    proxy.fail("eth_getCode", "http500", 3);
    const lines: string[] = [];
    const executor = await start(throughProxy, lines);
    await executor.stop();
    assert.equal(proxy.failed("eth_getCode"), 3);
    assert.ok(!lines.some((line) => line.includes("checks are left to the work")), lines.join("\n"));

    // Every read fails: the executor starts all the same, and says so.
    proxy.fail("eth_getCode", "http500", Infinity);
    const failing: string[] = [];
    const degraded = await start(throughProxy, failing);
    await degraded.stop();
    const warning = failing.find((line) => line.includes("checks are left to the work"));
    assert.ok(warning, failing.join("\n"));
    assert.match(warning, /"chain":"origin"/);
  } finally {
    await proxy.stop();
  }
});

test("a URL that does not say its chain id at its first use during the checks is tried again", async () => {
  const proxy = await startRpcFaultProxy(stack.config.chains.origin.rpcUrl);
  try {
    const throughProxy = originThrough(proxy.url);
    // The URL's chain id check answers; then the provider's own check of the URL, at the checks'
    // first read, fails in each of that read's three attempts, as a node failing a share of
    // requests does now and then.
    proxy.fail("eth_chainId", "http500", 3, 1);
    const lines: string[] = [];
    const executor = await start(throughProxy, lines);
    await executor.stop();
    assert.equal(proxy.failed("eth_chainId"), 3);
    assert.ok(!lines.some((line) => line.includes("checks are left to the work")), lines.join("\n"));
  } finally {
    await proxy.stop();
  }
});

test("a key without base token for a bounty starts with a warning", async () => {
  const facilitator = devWallet(ROLE_INDEX.facilitator, stack.net.origin.provider);
  const baseToken = bindOrigin(stack.net.deployment, facilitator).baseToken;
  const balance = await baseToken.balanceOf(facilitator.address);
  await mined(baseToken.transfer(devWallet(9).address, balance));
  const lines: string[] = [];
  const executor = await start(() => undefined, lines);
  await executor.stop();
  const warning = lines.find((line) => line.includes("low balance: the key cannot pay a stake's bounty"));
  assert.ok(warning, lines.join("\n"));
  assert.match(warning, /"chain":"origin"/);
});
