// The faults benchmark: the fault suite's run (devnet/faults/fault-run.ts) at a larger size. N stakes,
// then N redeems by the same users, handled by `facilitator start` as a process behind JSON-RPC
// proxies failing a share of its requests, killed at random and restarted, while its transactions
// are reorganised out; counted from the chains: flows completed, duplicate effects, reverts, secrets
// in the output, and the faults it met.
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { encryptKeystoreJsonSync, parseEther } from "ethers";
import { writeDeploymentFile, type Deployment } from "../chain/deployment-file.ts";
import { devWallet, FIRST_USER_INDEX, ROLE_INDEX } from "../devnet/accounts.ts";
import type { ExecutorSecrets } from "../devnet/faults/executor-process.ts";
import { runFaults } from "../devnet/faults/fault-run.ts";
import { startDevNetwork } from "../devnet/network.ts";
import { startIndexerHost } from "../indexer/host.ts";
import { builtSubgraphs } from "../subgraph/cached-build.ts";
import { mosaicSubgraphs, SUBGRAPH_NAMES } from "../subgraph/hosting.ts";
import { indexerFaultsTo, type BenchContext, type Benchmark } from "./benchmark.ts";
import type { Figure } from "./results.ts";

export const faultsBenchmark: Benchmark = {
  name: "faults",
  description: "stakes then redeems under RPC faults, SIGKILLs and reorganisations, counted from the chains",
  run: benchmarkFaults,
};

/**
 * Development accounts per chain: the users are #2 onward, funded by anvil and the network's token
 * grant. More than about 50 and devnet/anvil.ts does not see anvil start.
 */
export const FAULT_ACCOUNTS = 40;
/** The most flows: one user each. */
export const MAX_FAULT_FLOWS = FAULT_ACCOUNTS - FIRST_USER_INDEX;
/** Share of the executor's RPC requests that fail, as in the fault suite. */
const FAULT_RATE = 0.2;

export async function benchmarkFaults({ options, stops, progress }: BenchContext): Promise<Figure[]> {
  const { faultFlows: flows, faultSeed: seed } = options;
  const dataDir = mkdtempSync(path.join(os.tmpdir(), "mosaic-bench-faults-"));
  let keepDataDir = false;
  stops.add(`the data directory ${dataDir}`, () => {
    if (!keepDataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  progress(`starting two chains (automine, ${FAULT_ACCOUNTS} accounts) and the indexer host in ${dataDir}`);
  const manifests = await builtSubgraphs(progress);
  const net = await startDevNetwork({ accounts: FAULT_ACCOUNTS, progress });
  stops.add("the development network", () => net.stop());
  const host = await startIndexerHost({
    subgraphs: mosaicSubgraphs(net.deployment, manifests, path.join(dataDir, "index")),
    subscriptions: true,
    pollIntervalMs: 100,
    // An indexer that stops following a chain holds every flow up: its faults go to the progress.
    onLog: indexerFaultsTo(progress),
  });
  stops.add("the indexer host", () => host.stop());
  // A fresh password and passphrase, held in memory and handed to each executor process.
  const secrets: ExecutorSecrets = {
    keystorePassword: randomBytes(24).toString("base64url"),
    secretsPassphrase: randomBytes(24).toString("base64url"),
  };
  const configFile = writeExecutorFiles(dataDir, net.deployment, secrets, {
    origin: { httpUrl: host.httpUrl(SUBGRAPH_NAMES.origin), wsUrl: host.wsUrl(SUBGRAPH_NAMES.origin) },
    auxiliary: {
      httpUrl: host.httpUrl(SUBGRAPH_NAMES.auxiliary),
      wsUrl: host.wsUrl(SUBGRAPH_NAMES.auxiliary),
    },
  });

  const users = Array.from({ length: flows }, (_, n) => devWallet(FIRST_USER_INDEX + n));
  progress(
    `${flows} stakes, then ${flows} redeems, seed ${seed}, ${FAULT_RATE * 100}% of RPC requests failed`,
  );
  try {
    const run = await runFaults({
      net,
      subgraphs: {
        origin: host.httpUrl(SUBGRAPH_NAMES.origin),
        auxiliary: host.httpUrl(SUBGRAPH_NAMES.auxiliary),
      },
      configFile,
      secrets,
      users,
      stakeAmount: parseEther("20"),
      redeemAmount: parseEther("5"),
      seed,
      faultRate: FAULT_RATE,
      // The fault suite's 7 minutes for 3 flows, and more for each flow beyond.
      timeoutMs: 420_000 + flows * 30_000,
      progress,
      stops,
    });
    const open = flows * 2 - run.completed.stakes - run.completed.redeems;
    if (open > 0) {
      // What the executor said about the flows it did not complete, and all of it kept for a look.
      keepDataDir = true;
      writeFileSync(path.join(dataDir, "executor.log"), run.output);
      const warnings = run.output.split("\n").filter((line) => /"level":"(warn|error|fatal)"/.test(line));
      progress(`${open} flows still open; the executor's last warnings:\n${warnings.slice(-30).join("\n")}`);
      progress(`kept ${dataDir} (the books, executor.log) for a look`);
    }
    if (run.audit.duplicates.length > 0) progress(`duplicates: ${run.audit.duplicates.join(", ")}`);
    for (const reverted of run.audit.reverted) {
      progress(`reverted: ${reverted.chain} block ${reverted.block} ${reverted.step} ${reverted.subject}`);
    }
    if (run.audit.reverted.length > 0) {
      const reasons = run.output.split("\n").filter((line) => line.includes('"msg":"transaction reverted"'));
      for (const reason of reasons) progress(`the executor said: ${reason}`);
    }
    if (run.settledExit !== 0) {
      progress(
        `the settling run exited with ${run.settledExit}; its output ends:\n${run.output.slice(-4000)}`,
      );
    }
    const parameters = { flows, seed, faultRate: FAULT_RATE };
    const figure = (name: string, value: number, unit: string): Figure => ({
      name: `executor.faults.${name}`,
      value,
      unit,
      parameters,
    });
    return [
      figure("flows.completed", run.completed.stakes + run.completed.redeems, "flows"),
      figure("duplicates", run.audit.duplicates.length, "steps"),
      figure("reverted", run.audit.reverted.length, "transactions"),
      figure("secrets", run.secretsFound, "secrets"),
      figure("secrets.checked", run.secretsChecked, "secrets"),
      figure("unclean-stops", run.settledExit === 0 ? 0 : 1, "runs"),
      figure("kills", run.kills, "kills"),
      figure("reorgs", run.reorgs, "reorgs"),
      figure("rpc-failures", run.rpcFailures, "requests"),
      figure("seconds", run.seconds, "s"),
    ];
  } catch (error) {
    keepDataDir = true;
    progress(`kept ${dataDir} for a look`);
    throw error;
  }
}

/** The deployment file, the facilitator's keystore and the executor's configuration; the configuration's path. */
function writeExecutorFiles(
  dir: string,
  deployment: Deployment,
  secrets: ExecutorSecrets,
  subgraphs: Record<"origin" | "auxiliary", { httpUrl: string; wsUrl: string }>,
): string {
  writeDeploymentFile(path.join(dir, "deployment.json"), deployment);
  const facilitator = devWallet(ROLE_INDEX.facilitator);
  // Light scrypt: the key is anvil's public test key, the keystore only keeps the format real.
  const keystore = encryptKeystoreJsonSync(
    { address: facilitator.address, privateKey: facilitator.privateKey },
    secrets.keystorePassword,
    { scrypt: { N: 1024 } },
  );
  writeFileSync(path.join(dir, "keystore.json"), keystore, { mode: 0o600 });
  const configFile = path.join(dir, "facilitator.json");
  writeFileSync(
    configFile,
    JSON.stringify(
      {
        deploymentFile: "deployment.json",
        keystore: "keystore.json",
        database: "file:books.sqlite",
        chains: { origin: { subgraph: subgraphs.origin }, auxiliary: { subgraph: subgraphs.auxiliary } },
        feed: { mode: "auto", pollIntervalMs: 200 },
        gas: { resubmitAfterSeconds: 5 },
        http: { port: 0 },
      },
      null,
      2,
    ),
  );
  return configFile;
}
