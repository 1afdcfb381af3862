// The executor as an operator runs it, in a hostile world: `facilitator start` as a process, behind
// JSON-RPC proxies that fail a share of its requests to both chains (HTTP 500, no answer, or the
// request forwarded and the answer dropped), killed with SIGKILL at random moments and restarted as a
// supervisor would, while the chains drop its mined transactions in reorganisations 1 to 3 blocks
// deep. Counted from the chains afterwards: every flow completes, no step is mined twice for the same
// message, nothing reverted, and no output holds a secret.
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { after, before, test } from "node:test";
import { parseEther, parseUnits, type JsonRpcProvider } from "ethers";
import { startAnchorer, type Anchorer } from "../devnet/anchorer.ts";
import { devWallet, ROLE_INDEX } from "../devnet/accounts.ts";
import { auditChains } from "./helpers/chain-audit.ts";
import { spawnExecutor, type ExecutorProcess } from "./helpers/executor-process.ts";
import {
  KEYSTORE_PASSWORD,
  SECRETS_PASSPHRASE,
  startExecutorStack,
  type ExecutorStack,
} from "./helpers/executor-stack.ts";
import { progressedOnBoth } from "./helpers/executor-watch.ts";
import { reorgWithout } from "./helpers/reorgs.ts";
import { graphql } from "./helpers/graphql-client.ts";
import { requestRedeem, requestStake } from "./helpers/manual-flows.ts";
import { seededRandom, startRpcFaultProxy, type RpcFaultProxy } from "./helpers/rpc-fault-proxy.ts";
import { SUBGRAPH_NAMES } from "../subgraph/hosting.ts";

type ChainName = "origin" | "auxiliary";
const CHAINS: ChainName[] = ["origin", "auxiliary"];
const USERS = [2, 3, 4];
const FAULT_RATE = 0.2;
const SEED = Number(process.env.FAULTS_SEED ?? 20261201);
const facilitator = devWallet(ROLE_INDEX.facilitator);

let stack: ExecutorStack;
let anchorer: Anchorer | undefined;
const proxies: Partial<Record<ChainName, RpcFaultProxy>> = {};
let running: ExecutorProcess | undefined;
const outputs: string[] = [];
let configFile: string;

/** Seeded, so that a failing run can be repeated with FAULTS_SEED. */
const next = seededRandom(SEED);

const provider = (chain: ChainName): JsonRpcProvider => stack.net[chain].provider;

function startRun(): ExecutorProcess {
  const run = spawnExecutor(configFile);
  void run.exited.then(() => outputs.push(run.output()));
  return run;
}

before(async () => {
  stack = await startExecutorStack();
  await stack.anchorer.stop();
  // The organization anchors final roots only: a root that a reorg replaces would fail every proof.
  anchorer = startAnchorer({
    deployment: stack.net.deployment,
    providers: { origin: provider("origin"), auxiliary: provider("auxiliary") },
    // As an organization does, not on every block: the Anchors keep 100 roots, and a proof queued
    // behind a nonce gap for longer than 100 anchors would find its root gone and revert.
    intervalMs: 1000,
    confirmations: 4,
  });
  const config = JSON.parse(readFileSync(stack.configFile, "utf8")) as {
    chains: Record<string, Record<string, unknown>>;
  };
  for (const chain of CHAINS) {
    const proxy = await startRpcFaultProxy(stack.net.deployment[chain].rpcUrl);
    proxy.chaos({ rate: FAULT_RATE, seed: SEED + chain.length });
    proxies[chain] = proxy;
    config.chains[chain]!.rpcUrl = proxy.url;
    config.chains[chain]!.rpcTimeoutMs = 1000;
  }
  configFile = path.join(stack.dir, "faults.json");
  writeFileSync(configFile, JSON.stringify(config));
});
after(async () => {
  running?.child.kill("SIGKILL");
  await running?.exited;
  await anchorer?.stop();
  for (const proxy of Object.values(proxies)) await proxy.stop();
  await stack?.stop();
});

test(
  `stakes and redeems under RPC faults, kills and reorgs complete once (seed ${SEED})`,
  { timeout: 600_000 },
  async () => {
    const terms = { gasPrice: parseUnits("1", "gwei"), gasLimit: 200_000n };
    let kills = 0;
    let reorgs = 0;
    let phase: "Stake" | "Redeem" = "Stake";
    await Promise.all(
      USERS.map((user) =>
        requestStake(stack.net, devWallet(user), {
          amount: parseEther("20"),
          beneficiary: devWallet(user).address,
          ...terms,
        }),
      ),
    );
    const deadline = Date.now() + 420_000;
    running = startRun();
    for (;;) {
      if ((await progressedOnBoth(stack, phase)).size === USERS.length) {
        if (phase === "Redeem") break;
        phase = "Redeem";
        await Promise.all(
          USERS.map((user) =>
            requestRedeem(stack.net, devWallet(user), {
              amount: parseEther("5"),
              beneficiary: devWallet(user).address,
              ...terms,
            }),
          ),
        );
      }
      assert.ok(Date.now() < deadline, `flows still open after ${kills} kills and ${reorgs} reorgs`);
      await new Promise((resolve) => setTimeout(resolve, 500 + next() * 2500));
      const roll = next();
      if (roll < 0.3) {
        running.child.kill("SIGKILL");
        await running.exited;
        kills++;
        running = startRun();
      } else if (roll < 0.6) {
        // Whichever chain has a transaction of ours in its last blocks.
        for (const chain of next() < 0.5 ? CHAINS : [...CHAINS].reverse()) {
          if ((await reorgWithout(provider(chain), facilitator.address, 1 + Math.floor(next() * 3))) > 0) {
            reorgs++;
            break;
          }
        }
      }
    }
    // A last run without faults settles the books, and stops as a supervisor stops it.
    for (const proxy of Object.values(proxies)) proxy.clear();
    running.child.kill("SIGKILL");
    await running.exited;
    running = startRun();
    await new Promise((resolve) => setTimeout(resolve, 5000));
    running.child.kill("SIGTERM");
    assert.equal(await running.exited, 0, running.output());
    running = undefined;

    assert.ok(kills >= 3 && reorgs >= 2, `${kills} kills and ${reorgs} reorgs`);
    const failed = (proxies.origin?.failed() ?? 0) + (proxies.auxiliary?.failed() ?? 0);
    assert.ok(failed > 50, `${failed} requests failed at the proxies`);
    assert.equal((await progressedOnBoth(stack, "Stake")).size, USERS.length);
    assert.equal((await progressedOnBoth(stack, "Redeem")).size, USERS.length);
    const audit = await auditChains(
      { origin: provider("origin"), auxiliary: provider("auxiliary") },
      facilitator.address,
    );
    assert.deepEqual(audit.duplicates, [], "no step mined twice for the same subject");
    const reasons = outputs
      .join("\n")
      .split("\n")
      .filter((line) => line.includes('"msg":"transaction reverted"'));
    assert.deepEqual(
      audit.reverted,
      [],
      `no reverted transaction; the executor said:\n${reasons.join("\n")}`,
    );

    // The secrets of the run, as the chains revealed them, and the keys: in no output.
    const revealed = await graphql<{ messages: { unlockSecret: string | null }[] }>(
      stack.host.httpUrl(SUBGRAPH_NAMES.origin),
      `
        {
          messages(first: 100, where: { unlockSecret_not: null }) {
            unlockSecret
          }
        }
      `,
    );
    const secrets = [
      ...revealed.messages.map((message) => message.unlockSecret!.slice(2)),
      facilitator.privateKey.slice(2),
      KEYSTORE_PASSWORD,
      SECRETS_PASSPHRASE,
    ];
    assert.ok(secrets.length >= USERS.length * 2 + 3, "the run's unlock secrets were read");
    const all = outputs.join("\n").toLowerCase();
    for (const secret of secrets)
      assert.ok(!all.includes(secret.toLowerCase()), "a secret reached the output");
  },
);
