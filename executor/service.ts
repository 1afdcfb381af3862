// The executor: follows both subgraphs, decides the next actions from their state and its own
// books, and sends them through the transaction manager. Decisions are made from a fresh snapshot
// each time a subgraph indexes a block (and on a timer), so a missed notification delays work but
// loses none; each (subject, step) runs at most once at a time, and the books make it at most once
// ever.
import { readFileSync } from "node:fs";
import { Wallet } from "ethers";
import { connectChain } from "../chain/provider.ts";
import { executeAction, type ActionContext } from "./actions/execute-action.ts";
import { openBooks } from "./bookkeeping/index.ts";
import { servedGateways, type ChainName } from "./config.ts";
import { decide, type ExecutorRecords, type IntentStatus, type Policy } from "./decide/index.ts";
import { ChangeFeed } from "./feed/change-feed.ts";
import { readIndexedState, SubgraphReader } from "./feed/indexed-state.ts";
import type { ExecutorHealth, RunningExecutor, StartExecutor } from "./service-api.ts";
import { isNonceGapIntent } from "./transactions/nonce-gaps.ts";
import { TransactionManager, type ChainSender } from "./transactions/tx-manager.ts";

const CHAINS: ChainName[] = ["origin", "auxiliary"];
const DECISION_STATUSES = new Set<string>([
  "planned",
  "sending",
  "sent",
  "mined",
  "confirmed",
  "failed",
  "abandoned",
]);
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

export const startExecutor: StartExecutor = async (config, secrets, { logger, metrics }) => {
  const wallet = await unlockKeystore(config.keystoreFile, secrets.keystorePassword);
  const books = await openBooks({ url: config.databaseUrl, passphrase: secrets.secretsPassphrase });
  const providers = {
    origin: connectChain(config.chains.origin.rpcUrl, config.deployment.origin.chainId),
    auxiliary: connectChain(config.chains.auxiliary.rpcUrl, config.deployment.auxiliary.chainId),
  };
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
  const readers = {
    origin: new SubgraphReader(config.chains.origin.subgraph.httpUrl),
    auxiliary: new SubgraphReader(config.chains.auxiliary.subgraph.httpUrl),
  };
  const { gateway, coGateway } = servedGateways(config);
  const policy: Policy = {
    facilitator: wallet.address,
    gateway,
    coGateway,
    minGasPrice: config.gas.minRequestGasPrice,
    minGasLimit: config.gas.minRequestGasLimit,
    anchoring: config.anchoring && {
      confirmations: BigInt(config.anchoring.confirmations),
      minInterval: BigInt(config.anchoring.minInterval),
    },
  };
  const context: ActionContext = {
    deployment: config.deployment,
    providers,
    books,
    transactions,
    facilitator: wallet.address,
    logger,
  };

  const health: ExecutorHealth = {
    status: "starting",
    feeds: { origin: { mode: "polling", lastBlock: null }, auxiliary: { mode: "polling", lastBlock: null } },
    lastDecisionAt: null,
    lastError: null,
  };
  const running = new Map<string, Promise<void>>();
  const skipped = new Set<string>();
  let stopping = false;
  let deciding = false;
  let again = false;

  const track = (key: { subject: string; step: string }, work: () => Promise<unknown>) => {
    const id = `${key.subject}|${key.step}`;
    if (running.has(id) || stopping) return;
    const started = work()
      .then((outcome) => logger.info("action finished", { subject: key.subject, step: key.step, outcome }))
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

  async function decideOnce(): Promise<void> {
    const snapshot = await readIndexedState(readers.origin, readers.auxiliary);
    if (!snapshot) return;
    const records: ExecutorRecords = {
      intents: (await books.intentStatuses())
        // The transaction manager's own no-ops that fill nonce gaps are no flow step.
        .filter((intent) => DECISION_STATUSES.has(intent.status) && !isNonceGapIntent(intent))
        .map((intent) => ({
          subject: intent.subject,
          step: intent.step as never,
          status: intent.status as IntentStatus,
        })),
      acceptances: (await books.heldHashLocks()).map(({ subject, hashLock }) => ({
        requestHash: subject,
        hashLock,
        holdsSecret: true,
      })),
    };
    const decision = decide(snapshot.state, records, policy);
    metrics.decisions.inc();
    metrics.queue.set({ state: "planned" }, decision.actions.length);
    metrics.queue.set({ state: "inFlight" }, running.size);
    metrics.queue.set({ state: "waiting" }, decision.waiting.length);
    metrics.queue.set({ state: "skipped" }, decision.skips.length);
    for (const skip of decision.skips) {
      const id = `${skip.subject}|${skip.reason}`;
      if (skipped.has(id)) continue;
      skipped.add(id);
      logger.info("left alone", {
        subject: skip.subject,
        step: skip.step,
        reason: skip.reason,
        detail: skip.detail,
      });
      await books.recordSkip(skip.subject, `${skip.reason}: ${skip.detail}`);
    }
    for (const action of decision.actions) track(action, () => executeAction(context, action));
    for (const chain of CHAINS) {
      await books.saveCursor(chain, {
        number: BigInt(snapshot.blocks[chain].number),
        hash: snapshot.blocks[chain].hash,
      });
    }
    health.lastDecisionAt = new Date().toISOString();
    health.status = "ok";
    health.lastError = null;
  }

  function schedule(): void {
    if (stopping) return;
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
    track(intent, () => transactions.follow(intent));
  }
  // A nonce whose transaction the node refused, and whose intent is not sent again, would hold back
  // every later transaction of the facilitator on that chain: such gaps are filled on a timer.
  transactions.watchNonceGaps();

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
  const timer = setInterval(schedule, IDLE_DECISION_MS);
  schedule();
  logger.info("executor started", { facilitator: wallet.address, feed: config.feed.mode });

  const executor: RunningExecutor = {
    facilitator: wallet.address,
    books,
    readers,
    health: () => ({ ...health, feeds: { ...health.feeds } }),
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
