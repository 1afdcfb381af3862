// The executor: follows both subgraphs, decides the next actions from their state and its own
// books, and sends them through the transaction manager. Decisions are made from a fresh snapshot
// each time a subgraph indexes a block (and on a timer), so a missed notification delays work but
// loses none; each (subject, step) runs at most once at a time, and the books make it at most once
// ever.
import { readFileSync } from "node:fs";
import { Wallet } from "ethers";
import { connectChain } from "../chain/provider.ts";
import { hostOf } from "../chain/url-secrets.ts";
import { isAcceptStep, recordDeclaredMessage } from "./actions/declared-message.ts";
import { executeAction, type ActionContext } from "./actions/execute-action.ts";
import { BalanceWatch } from "./balances.ts";
import { openBooks } from "./bookkeeping/index.ts";
import { servedGateways, type ChainName } from "./config.ts";
import { decide, type Policy } from "./decide/index.ts";
import { decisionRecords } from "./decision-records.ts";
import { ChangeFeed } from "./feed/change-feed.ts";
import { readIndexedState, subgraphReaders, type RefusedRow } from "./feed/indexed-state.ts";
import { SubgraphLagWatch } from "./feed/subgraph-lag.ts";
import { UnshownEffects } from "./feed/unshown-effects.ts";
import { reportedHealth } from "./observability/health.ts";
import type { ExecutorHealth, RunningExecutor, StartExecutor } from "./service-api.ts";
import { checkStartup } from "./startup-checks.ts";
import { errorText } from "./transactions/rpc-errors.ts";
import { holdWriterLease } from "./writer-lease.ts";
import type { LastSeenBlocks } from "./transactions/reorg-watch.ts";
import { TransactionManager, type ChainSender } from "./transactions/tx-manager.ts";

const CHAINS: ChainName[] = ["origin", "auxiliary"];
/** New refused subgraph rows said one by one per decision; more are counted in one line. */
const REFUSALS_SAID = 20;
/** The longest pause between two tries of the start-up recovery. */
const MAX_RECOVERY_PAUSE_MS = 10_000;
/** Decide again at least this often without new blocks (bumps and retries need a clock). */
const IDLE_DECISION_MS = 2000;

export class KeystoreError extends Error {
  override name = "KeystoreError";
}

async function unlockKeystore(file: string, password: string): Promise<Wallet> {
  let json: string;
  try {
    json = readFileSync(file, "utf8");
  } catch (error) {
    throw new KeystoreError(
      `${file}: cannot read the keystore (${(error as Error).message}); \`facilitator init\` writes one`,
    );
  }
  try {
    const wallet = await Wallet.fromEncryptedJson(json, password);
    return new Wallet(wallet.privateKey);
  } catch {
    throw new KeystoreError(
      `${file}: the keystore does not open with this password (FACILITATOR_KEYSTORE_PASSWORD)`,
    );
  }
}

export const startExecutor: StartExecutor = async (config, secrets, { logger, metrics, ...leaseHooks }) => {
  const wallet = await unlockKeystore(config.keystoreFile, secrets.keystorePassword);
  const books = await openBooks({
    url: config.databaseUrl,
    passphrase: secrets.secretsPassphrase,
    retry: config.retry,
  });
  // One writer per key: nothing is recovered, written or sent before this process holds the lease.
  await holdWriterLease(books, wallet.address, logger, leaseHooks).catch(async (error: unknown) => {
    await books.close();
    throw error;
  });
  // A URL down at start is asked its chain id when it first answers, and left unused if it is of
  // another chain (the start-up check asks the ones that answer now).
  const connect = (chain: ChainName) => {
    const { rpcUrls, rpcTimeoutMs } = config.chains[chain];
    const expected = config.deployment[chain].chainId;
    return connectChain(rpcUrls, expected, {
      timeoutMs: rpcTimeoutMs,
      checkChainId: true,
      onWrongChain: (index, chainId) =>
        logger.error("an RPC URL is of another chain: it is not used", {
          field: rpcUrls.length > 1 ? `chains.${chain}.rpcUrls[${index}]` : `chains.${chain}.rpcUrl`,
          host: hostOf(rpcUrls[index]!),
          chainId: chainId.toString(),
          expected,
        }),
    });
  };
  const providers = { origin: connect("origin"), auxiliary: connect("auxiliary") };
  try {
    await checkStartup({
      deployment: config.deployment,
      rpcUrls: { origin: config.chains.origin.rpcUrls, auxiliary: config.chains.auxiliary.rpcUrls },
      providers,
      facilitator: wallet.address,
      anchoring: config.anchoring !== null,
      anchorers: config.anchoring?.anchorers,
      logger,
      pairs: servedGateways(config),
    });
  } catch (error) {
    await books.close();
    for (const chain of CHAINS) providers[chain].destroy();
    throw error;
  }
  const senders = Object.fromEntries(
    CHAINS.map((chain): [ChainName, ChainSender] => [
      chain,
      {
        name: chain,
        chainId: config.deployment[chain].chainId,
        provider: providers[chain],
        wallet: wallet.connect(providers[chain]),
        confirmations: config.chains[chain].confirmations,
      },
    ]),
  ) as Record<ChainName, ChainSender>;
  const transactions = new TransactionManager({ books, senders, gas: config.gas, logger, metrics });
  // Read before the first decision, so a key too poor to accept says so at start.
  const balances = new BalanceWatch({
    pair: servedGateways(config)[0]!,
    providers,
    facilitator: wallet.address,
    gas: config.gas,
    logger,
    metrics,
  });
  await balances.readOnce();
  const readers = subgraphReaders(config.chains);
  const pairs = servedGateways(config);
  const policy: Policy = {
    facilitator: wallet.address,
    gateway: pairs[0]!.gateway,
    coGateway: pairs[0]!.coGateway,
    pairs,
    composer: config.deployment.origin.contracts.ostComposer,
    redeemPool: config.deployment.auxiliary.contracts.redeemPool,
    confirmations: {
      origin: BigInt(config.chains.origin.confirmations),
      auxiliary: BigInt(config.chains.auxiliary.confirmations),
    },
    minGasPrice: config.gas.minRequestGasPrice,
    minGasLimit: config.gas.minRequestGasLimit,
    anchoring: config.anchoring && {
      confirmations: BigInt(config.anchoring.confirmations),
      minInterval: BigInt(config.anchoring.minInterval),
      anchorers: config.anchoring.anchorers,
    },
    takeoverBlocks: BigInt(config.takeoverBlocks),
    completeReverts: config.completeReverts,
  };
  const context: ActionContext = {
    deployment: config.deployment,
    providers,
    pairs,
    books,
    transactions,
    facilitator: wallet.address,
    logger,
    metrics,
  };

  const health: ExecutorHealth = {
    status: "starting",
    feeds: { origin: { mode: "polling", lastBlock: null }, auxiliary: { mode: "polling", lastBlock: null } },
    lastDecisionAt: null,
    lastError: null,
  };
  /** The blocks the latest decision read each subgraph at. */
  const decidedAt: Record<ChainName, number | null> = { origin: null, auxiliary: null };
  const running = new Map<string, Promise<void>>();
  /** The skips of the latest decision, so each is logged and recorded once while it lasts. */
  let skipped = new Set<string>();
  /** The same for the subgraphs' rows refused (indexed-state.ts). */
  let refusedRows = new Set<string>();
  const unshown = new UnshownEffects({
    confirmed: async ({ subject, step }) => {
      const intent = await transactions.intentOf({ subject, step });
      const chain = CHAINS.find((name) => config.deployment[name].chainId === intent?.chainId);
      if (intent?.status !== "confirmed" || intent.minedBlock === null || !intent.minedHash || !chain)
        return null;
      return { chain, minedBlock: Number(intent.minedBlock), hash: intent.minedHash };
    },
    minedIn: async (chain, hash) => (await providers[chain].getTransactionReceipt(hash))?.blockNumber ?? null,
    confirmations: {
      origin: config.chains.origin.confirmations,
      auxiliary: config.chains.auxiliary.confirmations,
    },
    logger,
  });
  let unshownLook: Promise<void> | undefined;
  let stopping = false;
  let deciding = false;
  let again = false;

  const track = (key: { subject: string; step: string }, work: () => Promise<unknown>) => {
    const id = `${key.subject}|${key.step}`;
    if (running.has(id) || stopping) return;
    const started = work()
      .then(async (outcome) => {
        logger.info("action finished", { subject: key.subject, step: key.step, outcome });
        if ((outcome as { status?: string } | undefined)?.status === "failed") await reportFailure(key);
      })
      .catch((error: Error) => {
        metrics.errors.inc({ kind: "action" });
        logger.error("action failed", { subject: key.subject, step: key.step, error });
      })
      .finally(() => {
        running.delete(id);
        schedule();
      });
    running.set(id, started);
  };

  /** Says when a failed intent is tried next, or that it was given up. */
  async function reportFailure(key: { subject: string; step: string }): Promise<void> {
    const intent = (await books.intentsFor(key.subject)).find((item) => item.step === key.step);
    if (intent?.status === "abandoned") {
      metrics.abandons.inc({ step: key.step });
      logger.warn("intent abandoned", {
        subject: key.subject,
        step: key.step,
        failures: intent.failures,
        reason: `${intent.errorKind}: ${intent.errorMessage}`,
      });
    } else if (intent?.status === "failed") {
      logger.info("retrying later", {
        subject: key.subject,
        step: key.step,
        failures: intent.failures,
        nextAttemptAt: intent.nextAttemptAt,
      });
    }
  }

  async function decideOnce(): Promise<void> {
    const snapshot = await readIndexedState(readers.origin, readers.auxiliary);
    if (!snapshot) return;
    refusedRows = await reportRefusedRows(snapshot.refused, refusedRows);
    // An anchor's root comes from our node: its height counts from that node's head too.
    // A node that does not answer holds back no other step: its chain's height counts from the
    // subgraph's head, and the anchor's blockDepth check asks the node again before it is sent.
    if (policy.anchoring !== null) {
      await Promise.all(
        CHAINS.map(async (chain) => {
          const head = await providers[chain].getBlockNumber().catch(() => undefined);
          if (head !== undefined) snapshot.state[chain].nodeBlock = BigInt(head);
        }),
      );
    }
    const records = await decisionRecords(books, snapshot.state);
    const decision = decide(snapshot.state, records, policy, balances.funds());
    metrics.decisions.inc();
    metrics.queue.set({ state: "planned" }, decision.actions.length);
    metrics.queue.set({ state: "inFlight" }, running.size);
    metrics.queue.set({ state: "waiting" }, decision.waiting.length);
    metrics.queue.set({ state: "skipped" }, decision.skips.length);
    const current = new Set(decision.skips.map((skip) => `${skip.subject}|${skip.reason}`));
    for (const skip of decision.skips) {
      const id = `${skip.subject}|${skip.reason}`;
      if (skipped.has(id)) continue;
      skipped.add(id);
      if (skip.reason === "untrustedInput") metrics.untrustedInput.inc({ reason: "requestContract" });
      logger.info("left alone", {
        subject: skip.subject,
        step: skip.step,
        reason: skip.reason,
        detail: skip.detail,
      });
      await books.recordSkip(skip.subject, `${skip.reason}: ${skip.detail}`);
    }
    // Only the skips that still hold are remembered: one that ends and comes back is said again.
    skipped = current;
    for (const action of decision.actions) {
      if (action.retry && !running.has(`${action.subject}|${action.step}`)) {
        metrics.retries.inc({ step: action.step });
      }
      track(action, () => executeAction(context, action));
    }
    // Looked at beside the decisions, one look at a time: books or a node slow to answer it hold
    // back no decision and no stop.
    unshownLook ??= unshown
      .update(
        decision.waiting.filter((wait) => wait.for === "indexing"),
        { origin: snapshot.blocks.origin.number, auxiliary: snapshot.blocks.auxiliary.number },
      )
      .catch((error: Error) => logger.warn("unshown effects not looked at", { error: error.message }))
      .finally(() => (unshownLook = undefined));
    for (const chain of CHAINS) {
      await books.saveCursor(chain, {
        number: BigInt(snapshot.blocks[chain].number),
        hash: snapshot.blocks[chain].hash,
      });
      decidedAt[chain] = snapshot.blocks[chain].number;
    }
    health.lastDecisionAt = new Date().toISOString();
    health.status = "ok";
    health.lastError = null;
  }

  /**
   * Says each refused row once while it lasts (the untrusted-input metric; a warning and, for a
   * flow's hash, the skip `list` shows, for the first REFUSALS_SAID new ones of a decision); returns
   * the rows that still hold.
   */
  async function reportRefusedRows(rows: RefusedRow[], said: Set<string>): Promise<Set<string>> {
    const current = new Set<string>();
    let unsaid = 0;
    for (const row of rows) {
      const id = `${row.chain}|${row.entity}|${row.id}|${row.detail}`;
      current.add(id);
      if (said.has(id)) continue;
      metrics.untrustedInput.inc({ reason: "subgraphRow" });
      // A subgraph can answer any number of them: a few are said, the rest counted.
      if (++unsaid > REFUSALS_SAID) continue;
      logger.warn("subgraph row refused", { ...row });
      // Only a flow's own hash is a subject `status` and `list` look up.
      if (/^0x[0-9a-f]{64}$/.test(row.id))
        await books.recordSkip(
          row.id,
          `untrustedInput: the ${row.chain} subgraph's ${row.entity} row ${row.id}: ${row.detail}`,
        );
    }
    if (unsaid > REFUSALS_SAID)
      logger.warn("subgraph rows refused", { more: unsaid - REFUSALS_SAID, said: REFUSALS_SAID });
    return current;
  }

  function schedule(): void {
    if (stopping || recovering) return;
    if (deciding) {
      again = true;
      return;
    }
    deciding = true;
    decideOnce()
      .catch((error: Error) => {
        metrics.errors.inc({ kind: "decision" });
        // Said once while the same fault lasts (a subgraph down says the same thing every cycle).
        if (health.lastError !== error.message) logger.warn("decision postponed", { error: error.message });
        health.status = "degraded";
        health.lastError = error.message;
      })
      .finally(() => {
        deciding = false;
        if (again) {
          again = false;
          schedule();
        }
      });
  }

  // An accept followed after a restart or a reorganisation rather than sent by a decision: once
  // confirmed, its declared message is taken from its receipt all the same (declared-message.ts).
  async function follow(key: { subject: string; step: string }) {
    const outcome = await transactions.follow(key);
    if (outcome.status !== "confirmed" || !isAcceptStep(key.step)) return outcome;
    const intent = await transactions.intentOf(key);
    if (intent)
      await recordDeclaredMessage(
        context,
        { subject: key.subject, step: key.step, calldata: intent.calldata },
        outcome.hash,
      );
    return outcome;
  }

  // What a stop left behind is taken up before any decision. A node or the books failing here does
  // not stop the service: it is tried again with a growing pause, and health says degraded meanwhile.
  let recovering = true;
  let wakeRecovery = () => {};
  async function recover(): Promise<void> {
    // An intent planned but never signed was interrupted: nothing left, so it may be planned again.
    for (const intent of await books.intentStatuses()) {
      if (intent.status !== "planned") continue;
      const [full] = (await books.intentsFor(intent.subject)).filter((item) => item.step === intent.step);
      if (full && full.attempts.length === 0) {
        await books.markFailed(intent, { kind: "interrupted", message: "stopped before it was signed" });
      }
    }
    const released = await transactions.releaseUnsignedNonces();
    if (released > 0) logger.info("released nonces that were allocated but never signed", { released });
    for (const intent of await books.inFlight()) {
      logger.info("resuming", { subject: intent.subject, step: intent.step, status: intent.status });
      track(intent, () => follow(intent));
    }
    // A nonce whose transaction the node refused, and whose intent is not sent again, would hold back
    // every later transaction of the facilitator on that chain: such gaps are filled on a timer.
    transactions.watchNonceGaps();
    // A confirmed transaction that a reorganisation took out of the chain is sent again and followed;
    // the first looks reach back below the blocks the last run had seen, for reorganisations while
    // the executor was away.
    const lastSeen: LastSeenBlocks = {};
    for (const chain of CHAINS) lastSeen[chain] = (await books.readCursor(chain))?.number;
    transactions.watchReorgs((intent) => track(intent, () => follow(intent)), { lastSeen });
  }
  async function recoverUntilDone(): Promise<void> {
    for (let failures = 0; !stopping; failures++) {
      try {
        await recover();
        recovering = false;
        schedule();
        return;
      } catch (error) {
        const message = `start-up recovery: ${errorText(error)}`;
        metrics.errors.inc({ kind: "startup" });
        if (failures === 0) logger.warn("start-up recovery failed; retrying", { error: message });
        health.status = "degraded";
        health.lastError = message;
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, Math.min(MAX_RECOVERY_PAUSE_MS, 500 * 2 ** failures));
          wakeRecovery = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      }
    }
  }
  const recovery = recoverUntilDone();

  const feeds = CHAINS.map((chain) => {
    const feed = new ChangeFeed({
      name: chain,
      reader: readers[chain],
      wsUrl: config.chains[chain].subgraph.wsUrl,
      mode: config.feed.mode,
      pollIntervalMs: config.feed.pollIntervalMs,
      onBlock: (block) => {
        health.feeds[chain] = { mode: feed.current, lastBlock: block.number };
        metrics.feedBlock.set({ feed: chain }, block.number);
        schedule();
      },
      onNotice: (message) => logger.warn(message),
    });
    feed.start();
    return feed;
  });
  const lag = new SubgraphLagWatch({
    nodeHead: (chain) => providers[chain].getBlockNumber(),
    subgraphHead: (chain) => {
      const heads = [health.feeds[chain].lastBlock, decidedAt[chain]].filter((block) => block !== null);
      return heads.length === 0 ? null : Math.max(...heads);
    },
    maxLagBlocks: {
      origin: config.chains.origin.subgraph.maxLagBlocks,
      auxiliary: config.chains.auxiliary.subgraph.maxLagBlocks,
    },
    metrics,
    logger,
  });
  const timer = setInterval(schedule, IDLE_DECISION_MS);
  balances.start();
  lag.start();
  schedule();
  logger.info("executor started", { facilitator: wallet.address, feed: config.feed.mode });

  const executor: RunningExecutor = {
    facilitator: wallet.address,
    books,
    readers,
    health: () =>
      reportedHealth(health, {
        followers: transactions.followerHealth(),
        lowBalances: balances.lowBalances(),
        behind: lag.behind(),
        unshown: unshown.sentences(),
        nodeBlocks: { origin: lag.nodeBlock("origin"), auxiliary: lag.nodeBlock("auxiliary") },
      }),
    funds: () => balances.funds(),
    stop() {
      stopped ??= shutDown();
      return stopped;
    },
  };
  let stopped: Promise<void> | undefined;
  async function shutDown(): Promise<void> {
    stopping = true;
    health.status = "stopping";
    clearInterval(timer);
    transactions.stop();
    await balances.stop();
    await lag.stop();
    // A look under way may end (its books and nodes are still open), or is left after 5 s.
    let lookTimer: NodeJS.Timeout | undefined;
    await Promise.race([unshownLook, new Promise((resolve) => (lookTimer = setTimeout(resolve, 5000)))]);
    clearTimeout(lookTimer);
    wakeRecovery();
    await recovery;
    await Promise.all(feeds.map((feed) => feed.stop()));
    // In-flight sends finish recording; followers return at their next poll.
    await Promise.allSettled([...running.values()]);
    await transactions.drained();
    while (deciding) await new Promise((resolve) => setTimeout(resolve, 20));
    await books.close();
    for (const chain of CHAINS) providers[chain].destroy();
    logger.info("executor stopped");
  }
  return executor;
};
