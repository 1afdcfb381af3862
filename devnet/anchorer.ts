// Keeps state roots flowing both ways on the development network, as the organization does on
// real chains: whenever a chain has moved past the height last anchored for it, its head (minus
// `confirmations`) is anchored on the other chain's Anchor by the organization's owner, on a timer
// and, when asked (`newHeads`), as soon as the source node announces a head, so that the anchor
// lands in the target chain's next block. The two directions run independently, and a send does
// not wait for the previous anchor to be mined: its heights rise with the owner's nonces, so the
// Anchor takes them in order.
import { Interface, parseUnits, toQuantity, type JsonRpcProvider } from "ethers";
import { anchorContract, latestAnchoredHeight } from "../chain/anchoring.ts";
import { headBlockNumber } from "../chain/blocks.ts";
import type { Deployment } from "../chain/deployment-file.ts";
import { mosaicAbi } from "../chain/mosaic-artifacts.ts";
import { followNewHeads, webSocketUrlOf, type NewHeads } from "../chain/new-heads.ts";
import { receiptOf } from "../chain/receipts.ts";
import { devWallet, ROLE_INDEX } from "./accounts.ts";

type ChainName = "origin" | "auxiliary";
type DirectionName = "origin→auxiliary" | "auxiliary→origin";

export interface AnchorerOptions {
  deployment: Deployment;
  providers: { origin: JsonRpcProvider; auxiliary: JsonRpcProvider };
  /** How often each direction looks for a new head without a notification (default 1 s). */
  intervalMs?: number;
  confirmations?: number;
  /**
   * Also anchor each new head with work in it as soon as the source node announces it (`newHeads`
   * over the deployment's RPC URL on ws://, which anvil serves on the same port). Off by default:
   * the timer alone sends at most one anchor per interval each way, which keeps the Anchors' ring
   * of 100 roots from turning over fast under automine.
   */
  newHeads?: boolean;
  /** Called once an anchor is sent (it is mined in the target chain's next block, normally). */
  onAnchor?: (direction: DirectionName, height: number) => void;
  onError?: (error: Error) => void;
}

export interface Anchorer {
  /** Anchors both directions once, if there is anything new, and waits until those anchors are mined. */
  anchorOnce(): Promise<void>;
  stop(): Promise<void>;
}

/** How long an anchor may take to be mined before it counts as lost. */
const RECEIPT_TIMEOUT_MS = 30_000;
const ANCHOR = new Interface(mosaicAbi("Anchor"));
/** Above what anchorStateRoot takes when it also evicts the oldest root of the Anchor's ring. */
const ANCHOR_GAS_LIMIT = 300_000n;
const TIP = parseUnits("1", "gwei");

interface RawBlock {
  stateRoot: string;
  transactions: Array<{ from: string }>;
}

interface Direction {
  name: DirectionName;
  source: ChainName;
  target: ChainName;
  /** The highest height sent to the target's Anchor; undefined: read it from the Anchor. */
  sent: number | undefined;
  /** The pass under way; passes of one direction never overlap, so heights rise with nonces. */
  pass: Promise<void>;
  /** Anchors sent and not yet seen in a block. */
  unmined: Array<{ height: number; hash: string; at: number }>;
  /** What asked for a pass while one was under way: one more pass follows it. */
  wanted: Trigger | undefined;
  running: boolean;
}

/** A timer tick anchors any new head; a notification only a head with work in it (see `active`). */
type Trigger = { kind: "timer" } | { kind: "head"; number: number };

/** Blocks checked for work before a notified head is anchored; past that many, it is anchored. */
const ACTIVITY_WINDOW = 4;

export function startAnchorer(options: AnchorerOptions): Anchorer {
  const { deployment, providers } = options;
  const confirmations = options.confirmations ?? 0;
  const directions: Direction[] = [
    { name: "origin→auxiliary", source: "origin", target: "auxiliary" },
    { name: "auxiliary→origin", source: "auxiliary", target: "origin" },
  ].map((direction) => ({
    ...(direction as { name: DirectionName; source: ChainName; target: ChainName }),
    sent: undefined,
    unmined: [],
    pass: Promise.resolve(),
    wanted: undefined,
    running: false,
  }));
  const owner = devWallet(ROLE_INDEX.owner);
  let stopped = false;

  /**
   * Sends an anchor of the source's head if it is above the last one sent; its hash, or null. The
   * reads a send needs go out at once, and the transaction is signed here: two round trips from a
   * head to its anchor in the target node's pool.
   */
  async function anchorDirection(direction: Direction, trigger: Trigger): Promise<string | null> {
    const source = providers[direction.source];
    const target = providers[direction.target];
    const anchorAddress = deployment[direction.target].contracts.anchor;
    const [head, sent] = await Promise.all([
      trigger.kind === "head" ? trigger.number : headBlockNumber(source),
      direction.sent ?? latestAnchoredHeight(anchorContract(anchorAddress, target)),
    ]);
    direction.sent = sent;
    const height = head - confirmations;
    if (height < 1 || height <= sent) return null;
    const [blocks, nonce, baseFee] = await Promise.all([
      blocksAbove(direction, sent, height),
      target.send("eth_getTransactionCount", [owner.address, "pending"]) as Promise<string>,
      target.send("eth_getBlockByNumber", ["latest", false]) as Promise<{ baseFeePerGas?: string | null }>,
    ]);
    const block = blocks.at(-1);
    if (!block) throw new Error(`block ${height} does not exist yet (the chain's head is lower)`);
    if (trigger.kind === "head" && !blocks.some((one) => hasWork(one))) return null;
    const fees =
      baseFee.baseFeePerGas == null
        ? // A chain without a base fee (before London) takes legacy transactions only.
          { type: 0, gasPrice: BigInt((await target.send("eth_gasPrice", [])) as string) }
        : // Twice the latest base fee, as wallets do: room for it to rise before the next block.
          { type: 2, maxFeePerGas: BigInt(baseFee.baseFeePerGas) * 2n + TIP, maxPriorityFeePerGas: TIP };
    const raw = await owner.signTransaction({
      ...fees,
      chainId: deployment[direction.target].chainId,
      nonce: Number(nonce),
      to: anchorAddress,
      data: ANCHOR.encodeFunctionData("anchorStateRoot", [height, block.stateRoot]),
      gasLimit: ANCHOR_GAS_LIMIT,
    });
    const hash = (await target.send("eth_sendRawTransaction", [raw])) as string;
    direction.sent = height;
    direction.unmined.push({ height, hash, at: Date.now() });
    options.onAnchor?.(direction.name, height);
    return hash;
  }

  /**
   * The source's blocks above `sent` up to `height`, with their transactions: the last one's state
   * root is anchored. Past ACTIVITY_WINDOW blocks only the last one is read (the head has work
   * enough behind it).
   */
  async function blocksAbove(direction: Direction, sent: number, height: number): Promise<RawBlock[]> {
    const from = height - sent > ACTIVITY_WINDOW ? height : sent + 1;
    const numbers = Array.from({ length: height - from + 1 }, (_, index) => from + index);
    const blocks = await Promise.all(
      numbers.map(
        (number) =>
          providers[direction.source].send("eth_getBlockByNumber", [
            toQuantity(number),
            true,
          ]) as Promise<RawBlock | null>,
      ),
    );
    if (blocks.some((block) => block === null)) return [];
    return height - sent > ACTIVITY_WINDOW
      ? [{ ...blocks[0]!, transactions: [{ from: "work" }] }]
      : (blocks as RawBlock[]);
  }

  /**
   * Whether a block holds a transaction not sent by the owner. Blocks of anchors alone are left to
   * the timer: under automine each anchor makes a block on the other chain, and anchoring every one
   * of those at once would send anchors back and forth unceasingly.
   */
  function hasWork(block: RawBlock): boolean {
    return block.transactions.some(
      (transaction) => transaction.from.toLowerCase() !== owner.address.toLowerCase(),
    );
  }

  /**
   * Looks at the receipts of the anchors sent before (one read each, usually one): a reverted or
   * lost one is reported, and the Anchor is read again before the next send.
   */
  async function settleSent(direction: Direction): Promise<void> {
    const still: Direction["unmined"] = [];
    for (const sent of direction.unmined) {
      const receipt = await providers[direction.target].getTransactionReceipt(sent.hash);
      const lost = !receipt && Date.now() - sent.at > RECEIPT_TIMEOUT_MS;
      if (!receipt && !lost) still.push(sent);
      if (lost || (receipt && receipt.status !== 1)) {
        direction.sent = undefined;
        const what = lost ? `was not mined within ${RECEIPT_TIMEOUT_MS / 1000} s` : "reverted";
        options.onError?.(new Error(`anchorStateRoot(${sent.height}) on ${direction.target} ${what}`));
      }
    }
    direction.unmined = still;
  }

  /** Runs a pass of the direction now, or right after the one under way. */
  function pass(direction: Direction, trigger: Trigger): Promise<string | null> {
    const run = direction.pass.then(async () => {
      if (stopped) return null;
      try {
        const hash = await anchorDirection(direction, trigger);
        // After the send, off its path: what became of the anchors sent before.
        await settleSent(direction);
        return hash;
      } catch (error) {
        direction.sent = undefined;
        options.onError?.(error as Error);
        return null;
      }
    });
    direction.pass = run.then(() => undefined);
    return run;
  }

  /** A head or a tick: a pass, unless one is under way (then one more after it, for both asks). */
  function onHead(direction: Direction, trigger: Trigger): void {
    if (stopped) return;
    if (direction.running) {
      direction.wanted = merged(direction.wanted, trigger);
      return;
    }
    direction.running = true;
    void pass(direction, trigger).finally(() => {
      direction.running = false;
      const next = direction.wanted;
      direction.wanted = undefined;
      if (next) onHead(direction, next);
    });
  }

  const subscriptions: NewHeads[] = [];
  if (options.newHeads) {
    for (const direction of directions) {
      subscriptions.push(
        followNewHeads({
          url: webSocketUrlOf(deployment[direction.source].rpcUrl),
          onHead: (head) => onHead(direction, { kind: "head", number: head.number }),
          // Not said: the timer below keeps anchoring without notifications.
          onError: () => undefined,
        }),
      );
    }
  }
  const timer = setInterval(() => {
    for (const direction of directions) onHead(direction, { kind: "timer" });
  }, options.intervalMs ?? 1000);

  return {
    async anchorOnce() {
      const sent = await Promise.all(directions.map((direction) => pass(direction, { kind: "timer" })));
      await Promise.all(
        sent.map(
          (hash, index) =>
            hash &&
            receiptOf(providers[directions[index]!.target], hash, RECEIPT_TIMEOUT_MS).catch((error: Error) =>
              options.onError?.(error),
            ),
        ),
      );
    },
    async stop() {
      stopped = true;
      clearInterval(timer);
      for (const subscription of subscriptions) subscription.stop();
      await Promise.all(directions.map((direction) => direction.pass));
    },
  };
}

/** Two asks for a pass as one: a tick wins (it anchors any head); else the later head. */
function merged(wanted: Trigger | undefined, trigger: Trigger): Trigger {
  if (wanted?.kind === "timer" || trigger.kind === "timer") return { kind: "timer" };
  return wanted && wanted.number > trigger.number ? wanted : trigger;
}
