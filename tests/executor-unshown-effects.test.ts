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
import {
  UNSHOWN_MARGIN_BLOCKS,
  UNSHOWN_SAID,
  UnshownEffects,
  type WaitKey,
} from "../executor/feed/unshown-effects.ts";
import { createLogger } from "../executor/observability/logger.ts";
import type { RunningExecutor } from "../executor/service-api.ts";
import { type ExecutorStack, startExecutorStack, startLoggedExecutor } from "./helpers/executor-stack.ts";
import { startLogDroppingProxy, type LogDroppingProxy } from "./helpers/log-dropping-proxy.ts";
import { requestStake } from "./helpers/manual-flows.ts";
import { until } from "./helpers/wait-until.ts";

test("a wait for indexing is said once the subgraph is read past the block, its confirmations and the margin, and when it ends", async () => {
  const lines: string[] = [];
  const asked: string[] = [];
  // In the books: 0xaa and 0xcc confirmed in block 100, 0xdd in 101; 0xbb none. On the chain:
  // 0xaa's transaction in block 100, 0xcc's gone, 0xdd's mined again in block 104.
  const books: Record<string, { minedBlock: number; hash: string } | null> = {
    "0xaa": { minedBlock: 100, hash: "0x01" },
    "0xbb": null,
    "0xcc": { minedBlock: 100, hash: "0x03" },
    "0xdd": { minedBlock: 101, hash: "0x04" },
  };
  const chain: Record<string, number | null> = { "0x01": 100, "0x03": null, "0x04": 104 };
  let booksDown = false;
  const watch = new UnshownEffects({
    confirmed: ({ subject }) => {
      asked.push(subject);
      if (booksDown) return Promise.reject(new Error("the books do not answer"));
      const found = books[subject];
      return Promise.resolve(found ? { chain: "auxiliary", ...found } : null);
    },
    minedIn: (_chain, hash) => Promise.resolve(chain[hash] ?? null),
    confirmations: { origin: 50, auxiliary: 3 },
    logger: createLogger({ level: "info", write: (line) => void lines.push(line) }),
  });
  const waits: WaitKey[] = ["0xaa", "0xbb", "0xcc", "0xdd"].map((subject) => ({
    subject,
    step: "progressMint",
  }));
  const due = 100 + 3 + UNSHOWN_MARGIN_BLOCKS;
  booksDown = true;
  await watch.update(waits, { origin: 10_000, auxiliary: due });
  assert.deepEqual(watch.sentences(), [], "books that do not answer: nothing said, asked again later");
  booksDown = false;
  await watch.update(waits, { origin: 10_000, auxiliary: due - 1 });
  assert.deepEqual(watch.sentences(), [], "one block short (the origin chain's read block does not count)");
  assert.deepEqual(asked.splice(0), ["0xaa", "0xbb", "0xcc", "0xdd", "0xaa", "0xbb", "0xcc", "0xdd"]);
  await watch.update(waits, { origin: 0, auxiliary: due });
  const aa = `the auxiliary subgraph, read at block ${due + 3}, does not show progressMint of 0xaa (transaction 0x01, confirmed in block 100): it may have missed that block's events; compare it with the chain, and have it index that block again`;
  // Due: the books asked again for 0xaa and 0xcc (0xbb has nothing in them, 0xdd is not due), then
  // the chain: 0xcc's transaction is gone (the reorganisation watch's to send again).
  assert.deepEqual(asked.splice(0), ["0xaa", "0xbb", "0xcc"]);
  await watch.update(waits, { origin: 0, auxiliary: due + 3 });
  assert.deepEqual(watch.sentences(), [aa]);
  await watch.update(waits, { origin: 0, auxiliary: 104 + 3 + UNSHOWN_MARGIN_BLOCKS });
  assert.equal(watch.sentences().length, 2, "0xdd due from its new block");
  await watch.update([waits[1]!], { origin: 0, auxiliary: 200 });
  assert.deepEqual(watch.sentences(), []);
  const said = lines.map((line) => JSON.parse(line) as { msg: string; subject: string; minedBlock: number });
  assert.deepEqual(
    said.map(({ msg, subject, minedBlock }) => `${msg}: ${subject} ${minedBlock}`),
    [
      "the subgraph does not show our confirmed transaction: 0xaa 100",
      "the subgraph does not show our confirmed transaction: 0xdd 104",
      "a wait for the subgraph to show our transaction ended: 0xaa 100",
      "a wait for the subgraph to show our transaction ended: 0xdd 104",
    ],
  );
});

test("many waits at once: the first few said one by one and named in /health, the rest counted", async () => {
  const lines: string[] = [];
  let read = 0;
  const watch = new UnshownEffects({
    confirmed: () => {
      read++;
      return Promise.resolve({ chain: "origin", minedBlock: 10, hash: "0x01" });
    },
    minedIn: () => Promise.resolve(10),
    confirmations: { origin: 0, auxiliary: 0 },
    logger: createLogger({ level: "info", write: (line) => void lines.push(line) }),
  });
  const waits = Array.from({ length: UNSHOWN_SAID + 5 }, (_, n) => ({
    subject: `0x${n}`,
    step: "acceptStake",
  }));
  await watch.update(waits, { origin: 100, auxiliary: 0 });
  assert.equal(read, waits.length, "the books read once for a wait due at its first look");
  const said = lines.map((line) => JSON.parse(line) as { msg: string; more?: number });
  assert.equal(
    said.filter(({ msg }) => msg === "the subgraph does not show our confirmed transaction").length,
    UNSHOWN_SAID,
  );
  assert.deepEqual(said.at(-1), { ...said.at(-1), msg: "more confirmed transactions not shown", more: 5 });
  const sentences = watch.sentences();
  assert.equal(sentences.length, 4);
  assert.equal(sentences[3], `${UNSHOWN_SAID + 2} more`);
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
