// A transaction of ours confirmed on its chain whose effect the subgraph never shows (it indexed
// the block without that event) left the executor waiting for ever with its health ok. Here the
// origin subgraph's indexer reads its chain through a proxy that leaves every StakeIntentDeclared
// out of the node's eth_getLogs answers: the executor's acceptStake is confirmed, the request stays
// "Requested" in the subgraph, and once the subgraph is read well past the transaction's block
// /health is degraded naming it, a warning says it once, and nothing is sent again.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { parseEther, parseUnits } from "ethers";
import { gatewayPairs } from "../chain/deployment-file.ts";
import { bindPairOnOrigin } from "../chain/mosaic-contracts.ts";
import { devWallet } from "../devnet/accounts.ts";
import { freePort } from "../devnet/anvil.ts";
import { UNSHOWN_MARGIN_BLOCKS, UnshownEffects, type WaitKey } from "../executor/feed/unshown-effects.ts";
import { createLogger } from "../executor/observability/logger.ts";
import type { RunningExecutor } from "../executor/service-api.ts";
import { type ExecutorStack, startExecutorStack, startLoggedExecutor } from "./helpers/executor-stack.ts";
import { startLogDroppingProxy, type LogDroppingProxy } from "./helpers/log-dropping-proxy.ts";
import { requestStake } from "./helpers/manual-flows.ts";
import { until } from "./helpers/wait-until.ts";

test("a wait for indexing is said once the subgraph is read past the block, its confirmations and the margin, and again when it ends", async () => {
  const lines: string[] = [];
  const asked: string[] = [];
  const mined: Record<string, { minedBlock: number; hash: string } | null> = {
    "0xaa": { minedBlock: 100, hash: "0x01" },
    "0xbb": null,
  };
  let booksDown = false;
  const watch = new UnshownEffects({
    confirmed: ({ subject }) => {
      asked.push(subject);
      if (booksDown) return Promise.reject(new Error("the books do not answer"));
      const found = mined[subject];
      return Promise.resolve(found ? { chain: "auxiliary", ...found } : null);
    },
    confirmations: { origin: 50, auxiliary: 3 },
    logger: createLogger({ level: "info", write: (line) => void lines.push(line) }),
  });
  const waits: WaitKey[] = [
    { subject: "0xaa", step: "progressMint" },
    { subject: "0xbb", step: "acceptRedeem" },
  ];
  const due = 100 + 3 + UNSHOWN_MARGIN_BLOCKS;
  booksDown = true;
  await watch.update(waits, { origin: 10_000, auxiliary: due });
  assert.deepEqual(watch.sentences(), [], "books that do not answer: nothing said, asked again later");
  booksDown = false;
  await watch.update(waits, { origin: 10_000, auxiliary: due - 1 });
  assert.deepEqual(watch.sentences(), [], "one block short (the origin chain's read block does not count)");
  await watch.update(waits, { origin: 0, auxiliary: due });
  await watch.update(waits, { origin: 0, auxiliary: due + 7 });
  assert.deepEqual(watch.sentences(), [
    `the auxiliary subgraph, read at block ${due + 7}, does not show progressMint of 0xaa (transaction 0x01, confirmed in block 100): it may have missed that block's events; compare it with the chain, and have it index that block again`,
  ]);
  // The confirmed transaction is read once while it is waited on; a key without one, each time.
  assert.deepEqual(asked, ["0xaa", "0xbb", "0xaa", "0xbb", "0xbb", "0xbb"]);
  await watch.update([waits[1]!], { origin: 0, auxiliary: due + 8 });
  assert.deepEqual(watch.sentences(), []);
  const said = lines.map((line) => JSON.parse(line) as { msg: string; subgraphBlock: number });
  assert.deepEqual(
    said.map(({ msg, subgraphBlock }) => `${msg} at ${subgraphBlock}`),
    [
      `the subgraph does not show our confirmed transaction at ${due}`,
      `the subgraph shows our confirmed transaction now at ${due + 8}`,
    ],
  );
});

let stack: ExecutorStack;
let proxy: LogDroppingProxy;
let executor: RunningExecutor;
const lines: string[] = [];

before(async () => {
  // The indexer's proxy is started first, for the port the origin chain will have.
  const originPort = await freePort();
  proxy = await startLogDroppingProxy(`http://127.0.0.1:${originPort}`);
  stack = await startExecutorStack({
    network: { originPort },
    indexerRpcUrls: { origin: proxy.url },
    config: { feed: { mode: "polling", pollIntervalMs: 200 } },
  });
  executor = await startLoggedExecutor(stack.config, lines);
});
after(async () => {
  await executor?.stop();
  await stack?.stop();
  await proxy?.stop();
});

test("a confirmed accept the subgraph does not show degrades /health, is said once and is not sent again", async () => {
  const { deployment } = stack.net;
  const gateway = bindPairOnOrigin(gatewayPairs(deployment)[0]!, stack.net.origin.provider).gateway;
  const declared = gateway.interface.getEvent("StakeIntentDeclared")!.topicHash;
  proxy.drop = (log) => log.topics[0] === declared;
  const user = devWallet(2);
  const stake = await requestStake(stack.net, user, {
    amount: parseEther("2"),
    beneficiary: user.address,
    gasPrice: parseUnits("1", "gwei"),
    gasLimit: 200_000n,
  });
  const degraded = await until(
    "/health degraded by the unshown accept",
    async () => {
      const health = executor.health();
      return health.lastError?.startsWith("subgraph missing our transactions") ? health : undefined;
    },
    90_000,
  );
  assert.equal(degraded.status, "degraded");
  const accept = (await executor.books.intentsFor(stake.stakeRequestHash)).find(
    (intent) => intent.step === "acceptStake",
  );
  assert.equal(accept?.status, "confirmed");
  assert.match(
    degraded.lastError!,
    new RegExp(
      `the origin subgraph, read at block \\d+, does not show acceptStake of ${stake.stakeRequestHash} \\(transaction ${accept!.minedHash}, confirmed in block ${accept!.minedBlock}\\)`,
    ),
  );
  assert.ok(
    proxy.dropped.some((log) => log.transactionHash === accept!.minedHash),
    "its log was left out",
  );
  // More decisions over more blocks: said once, one attempt, and the health stays degraded.
  const afterSaid = await stack.net.origin.provider.getBlockNumber();
  await until("more origin blocks decided on", async () =>
    (executor.health().feeds.origin.lastBlock ?? 0) >= afterSaid + 3 ? true : undefined,
  );
  const warnings = lines.filter((line) =>
    line.includes("the subgraph does not show our confirmed transaction"),
  );
  assert.equal(warnings.length, 1, warnings.join("\n"));
  const [again] = (await executor.books.intentsFor(stake.stakeRequestHash)).filter(
    (intent) => intent.step === "acceptStake",
  );
  assert.equal(again?.attempts.length, 1);
  assert.equal(executor.health().status, "degraded");
});
