// Several facilitators on the same requests, without talking to each other: every worker computes
// the same order of workers per request from shared, indexed data (the request hash and the
// organization's workers at the request's block), and the worker at position p may accept once
// the request's chain has reached requestedBlock + p * takeoverBlocks. The leader (position 0)
// accepts at once; each next worker takes over when those before it have let its turn come.
import { concat, keccak256 } from "ethers";
import type { Context } from "./context.ts";
import type { IntentKey, SkipReason, WaitingFor } from "./decision.ts";
import { sameHex, type ChainName, type IndexedWorkerChange } from "./state.ts";

/**
 * The workers at `block`: per worker its latest change at or below the block, when that change
 * leaves it a worker there (the Organization counts a worker while block.number < expirationHeight).
 */
export function activeWorkers(changes: readonly IndexedWorkerChange[], block: bigint): string[] {
  const latest = new Map<string, IndexedWorkerChange>();
  for (const change of changes) {
    if (change.block > block) continue;
    const worker = change.worker.toLowerCase();
    const seen = latest.get(worker);
    const later =
      !seen || change.block > seen.block || (change.block === seen.block && change.logIndex > seen.logIndex);
    if (later) latest.set(worker, change);
  }
  return [...latest.entries()]
    .filter(([, change]) => change.expirationHeight > block)
    .map(([worker]) => worker);
}

/** The workers in the order of their turns for one request: keccak256(requestHash ‖ worker) ascending. */
export function turnOrder(requestHash: string, workers: readonly string[]): string[] {
  const ranked = workers.map((worker) => ({
    worker: worker.toLowerCase(),
    rank: keccak256(concat([requestHash, worker])),
  }));
  ranked.sort((a, b) => (a.rank < b.rank ? -1 : a.rank > b.rank ? 1 : 0));
  return ranked.map(({ worker }) => worker);
}

export interface TurnInput {
  requestHash: string;
  requestedBlock: bigint;
  /** The latest indexed block of the request's chain. */
  head: bigint;
  workerChanges: readonly IndexedWorkerChange[];
  facilitator: string;
  takeoverBlocks: bigint;
}

/** Why this facilitator does not accept the request now; undefined when it is its turn. */
export type NotOurTurn =
  { kind: "skip"; reason: SkipReason; detail: string } | { kind: "wait"; for: WaitingFor; detail: string };

export function notOurTurn(input: TurnInput): NotOurTurn | undefined {
  const { requestHash, requestedBlock, head, workerChanges, facilitator, takeoverBlocks } = input;
  const order = turnOrder(requestHash, activeWorkers(workerChanges, requestedBlock));
  const position = order.findIndex((worker) => sameHex(worker, facilitator));
  if (position < 0) {
    return {
      kind: "skip",
      reason: "notAWorker",
      detail: `${facilitator} was not a worker of the organization at the request's block ${requestedBlock} (${order.length} workers were)`,
    };
  }
  // A worker whose key expired since may not accept any more: the contract would refuse it.
  if (!activeWorkers(workerChanges, head).some((worker) => sameHex(worker, facilitator))) {
    return {
      kind: "skip",
      reason: "notAWorker",
      detail: `${facilitator} is no longer a worker of the organization at block ${head}`,
    };
  }
  const turnBlock = requestedBlock + BigInt(position) * takeoverBlocks;
  if (head >= turnBlock) return undefined;
  return {
    kind: "wait",
    for: "leader",
    detail: `${order[0]} leads; our turn (position ${position}) comes at block ${turnBlock}`,
  };
}

/**
 * Notes why this facilitator leaves the request alone for now (a skip or a wait) and returns true,
 * or returns false when it is its turn to accept.
 */
export function holdBack(
  { state, policy, decision }: Context,
  key: IntentKey,
  request: { id: string; requestedBlock: bigint },
  chain: ChainName,
): boolean {
  const held = notOurTurn({
    requestHash: request.id,
    requestedBlock: request.requestedBlock,
    head: state[chain].latestBlock,
    workerChanges: state[chain].workerChanges,
    facilitator: policy.facilitator,
    takeoverBlocks: policy.takeoverBlocks,
  });
  if (held?.kind === "skip") decision.skips.push({ ...key, reason: held.reason, detail: held.detail });
  if (held?.kind === "wait") decision.waiting.push({ ...key, for: held.for, detail: held.detail });
  return held !== undefined;
}
