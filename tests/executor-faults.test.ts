// The executor as an operator runs it, in a hostile world, through `npm run bench -- --only faults`
// (bench/faults.ts, devnet/faults/fault-run.ts): `facilitator start` as a process, behind JSON-RPC
// proxies that fail a share of its requests to both chains, killed with SIGKILL at random moments and
// restarted, while the chains drop its mined transactions in reorganisations 1 to 3 blocks deep.
// Counted from the chains afterwards: every flow completes, no step is mined twice for the same
// message, nothing reverted, no output holds a secret, and the settling run stops cleanly. The
// benchmark's figures, merged into a results file, are what the test reads.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { readResults } from "../bench/results.ts";

const FLOWS = 3;
/** Seeded, so that a failing run can be repeated with FAULTS_SEED. */
const SEED = Number(process.env.FAULTS_SEED ?? 20261201);

/**
 * The run's output with what it said at its time limit (each open flow as `facilitator status` sees
 * it, where every flow stands, the executor's last warnings) moved to the top: a failure's message
 * may be shown cut after its first lines.
 */
function diagnosisFirst(said: string): string {
  const lines = said.split("\n");
  const from = lines.findIndex((line) => / s passed with \w+ still open$/.test(line));
  if (from < 0) return said;
  const to = lines.findIndex((line, index) => index > from && /^figure\s/.test(line));
  const diagnosis = lines.slice(from, to < 0 ? undefined : to);
  return [...diagnosis, "", "The whole run:", ...lines].join("\n");
}

test(
  `stakes and redeems under RPC faults, kills and reorgs complete once (seed ${SEED})`,
  { timeout: 720_000 },
  (t) => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "executor-faults-"));
    const resultsFile = path.join(dir, "results.json");
    try {
      const args = ["--only", "faults", "--fault-flows", `${FLOWS}`, "--fault-seed", `${SEED}`];
      const run = spawnSync("npm", ["run", "--silent", "bench", "--", ...args, "--results", resultsFile], {
        encoding: "utf8",
        timeout: 700_000,
      });
      // The deployment's addresses left out: a failure's message starts with what the run met.
      const said = (run.stdout + run.stderr)
        .split("\n")
        .filter((line) => !/^\[faults [\d.]+s\] (origin|auxiliary): \w+ at 0x[0-9a-fA-F]{40}$/.test(line))
        .join("\n");
      assert.equal(run.status, 0, diagnosisFirst(said));
      const figures = readResults(resultsFile);
      const value = (name: string) => {
        const found = figures.find((item) => item.name === `executor.faults.${name}`);
        assert.ok(found, `executor.faults.${name} written`);
        assert.deepEqual([found.parameters.flows, found.parameters.seed], [FLOWS, SEED]);
        return found.value;
      };
      const kills = value("kills");
      const reorgs = value("reorgs");
      const rpcFailures = value("rpc-failures");
      t.diagnostic(`${kills} kills, ${reorgs} reorganisations, ${rpcFailures} failed RPC requests`);
      assert.equal(
        value("flows.completed"),
        FLOWS * 2,
        `flows still open after ${kills} kills and ${reorgs} reorgs\n${diagnosisFirst(said)}`,
      );
      assert.equal(value("unclean-stops"), 0, `the settling run did not stop cleanly\n${said}`);
      assert.ok(kills >= 3 && reorgs >= 2, `${kills} kills and ${reorgs} reorgs`);
      assert.ok(rpcFailures > 50, `${rpcFailures} requests failed at the proxies`);
      assert.equal(value("duplicates"), 0, `a step was mined twice for the same subject\n${said}`);
      // The progress lines name each reverted transaction and the executor's reason.
      assert.equal(value("reverted"), 0, `a transaction reverted\n${said}`);
      // The unlock secrets the chains revealed, the key, the password and the passphrase: in no output.
      assert.ok(value("secrets.checked") >= FLOWS * 2 + 3, "the run's unlock secrets were read");
      assert.equal(value("secrets"), 0, "a secret reached the output");
      assert.ok(value("seconds") > 0);
      assert.match(run.stdout, /executor\.faults\.flows\.completed/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
);
