// The executor as an operator runs it, in a hostile world (devnet/faults/fault-run.ts): `facilitator
// start` as a process, behind JSON-RPC proxies that fail a share of its requests to both chains,
// killed with SIGKILL at random moments and restarted, while the chains drop its mined transactions
// in reorganisations 1 to 3 blocks deep. Counted from the chains afterwards: every flow completes, no
// step is mined twice for the same message, nothing reverted, and no output holds a secret.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { parseEther } from "ethers";
import { devWallet } from "../devnet/accounts.ts";
import { runFaults } from "../devnet/faults/fault-run.ts";
import { SUBGRAPH_NAMES } from "../subgraph/hosting.ts";
import {
  KEYSTORE_PASSWORD,
  SECRETS_PASSPHRASE,
  startExecutorStack,
  type ExecutorStack,
} from "./helpers/executor-stack.ts";

const USERS = [2, 3, 4];
/** Seeded, so that a failing run can be repeated with FAULTS_SEED. */
const SEED = Number(process.env.FAULTS_SEED ?? 20261201);

let stack: ExecutorStack;

before(async () => {
  stack = await startExecutorStack();
  // The run anchors final roots itself.
  await stack.anchorer.stop();
});
after(async () => {
  await stack?.stop();
});

test(
  `stakes and redeems under RPC faults, kills and reorgs complete once (seed ${SEED})`,
  { timeout: 600_000 },
  async (t) => {
    const run = await runFaults({
      net: stack.net,
      subgraphs: {
        origin: stack.host.httpUrl(SUBGRAPH_NAMES.origin),
        auxiliary: stack.host.httpUrl(SUBGRAPH_NAMES.auxiliary),
      },
      configFile: stack.configFile,
      secrets: { keystorePassword: KEYSTORE_PASSWORD, secretsPassphrase: SECRETS_PASSPHRASE },
      users: USERS.map((user) => devWallet(user)),
      stakeAmount: parseEther("20"),
      redeemAmount: parseEther("5"),
      seed: SEED,
      faultRate: 0.2,
      timeoutMs: 420_000,
    });
    const { kills, reorgs, rpcFailures } = run;
    assert.deepEqual(
      run.completed,
      { stakes: USERS.length, redeems: USERS.length },
      `flows still open after ${kills} kills and ${reorgs} reorgs`,
    );
    assert.equal(run.settledExit, 0, run.output.slice(-4000));
    assert.ok(kills >= 3 && reorgs >= 2, `${kills} kills and ${reorgs} reorgs`);
    assert.ok(rpcFailures > 50, `${rpcFailures} requests failed at the proxies`);
    t.diagnostic(`${kills} kills, ${reorgs} reorganisations, ${rpcFailures} failed RPC requests`);
    assert.deepEqual(run.audit.duplicates, [], "no step mined twice for the same subject");
    const reasons = run.output.split("\n").filter((line) => line.includes('"msg":"transaction reverted"'));
    assert.deepEqual(
      run.audit.reverted,
      [],
      `no reverted transaction; the executor said:\n${reasons.join("\n")}`,
    );
    // The unlock secrets the chains revealed, the key, the password and the passphrase: in no output.
    assert.ok(run.secretsChecked >= USERS.length * 2 + 3, "the run's unlock secrets were read");
    assert.equal(run.secretsFound, 0, "a secret reached the output");
  },
);
