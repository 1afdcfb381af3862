// The decision's side of the backoff: a failed intent whose next try is not due waits ("backoff")
// instead of being offered again, and is offered as a retry once due; the executor builds that
// view from the books' next-try time and the clock (decisionRecords).
import assert from "node:assert/strict";
import { test } from "node:test";
import { getAddress } from "ethers";
import type { DecisionIntent } from "../executor/bookkeeping/books.ts";
import { decide, type IndexedState, type Policy } from "../executor/decide/index.ts";
import { decisionRecords, RECENTLY_CLOSED_MS, snapshotSubjects } from "../executor/decision-records.ts";

const address = (byte: string) => `0x${byte.repeat(20)}`;
const REQUEST = `0x${"ab".repeat(32)}`;
const POLICY: Policy = {
  facilitator: getAddress(address("f1")),
  gateway: getAddress(address("a0")),
  coGateway: getAddress(address("c0")),
  composer: getAddress(address("c1")),
  redeemPool: getAddress(address("d1")),
  confirmations: { origin: 0n, auxiliary: 0n },
  minGasPrice: 0n,
  minGasLimit: 0n,
  anchoring: null,
  takeoverBlocks: 10n,
};

const STATE: IndexedState = {
  origin: {
    latestBlock: 100n,
    messages: [],
    anchoredStateRoots: [{ blockHeight: 40n }],
    gatewayProofs: [],
    stakeRequests: [
      {
        id: REQUEST,
        status: "Requested",
        amount: 250n,
        beneficiary: address("b3"),
        gasPrice: 10n ** 9n,
        gasLimit: 200_000n,
        nonce: 3n,
        staker: address("b2"),
        stakerProxy: address("b1"),
        gateway: address("a0"),
        composer: address("c1"),
        requestedBlock: 50n,
      },
    ],
    workerChanges: [{ worker: address("f1"), expirationHeight: 2n ** 64n, block: 1n, logIndex: 0n }],
  },
  auxiliary: {
    latestBlock: 90n,
    messages: [],
    anchoredStateRoots: [],
    gatewayProofs: [],
    redeemRequests: [],
    workerChanges: [],
  },
};

function booksWith(intents: DecisionIntent[]) {
  const scopes: { subjects: string[]; since: Date }[] = [];
  return {
    scopes,
    decisionIntents: async (scope: { subjects: string[]; since: Date }) => {
      scopes.push(scope);
      return intents;
    },
    heldHashLocks: async () => [],
  };
}

test("a failed intent is not offered before its next try, and is retried once due", async () => {
  const now = Date.parse("2026-12-01T10:00:00Z");
  const failed = (nextAttemptAt: Date | null): DecisionIntent => ({
    subject: REQUEST,
    step: "acceptStake",
    status: "failed",
    nextAttemptAt,
  });

  const waiting = decide(
    STATE,
    await decisionRecords(booksWith([failed(new Date(now + 5000))]), STATE, now),
    POLICY,
  );
  assert.deepEqual(waiting.actions, []);
  assert.deepEqual(
    waiting.waiting.map((wait) => [wait.subject, wait.step, wait.for]),
    [[REQUEST, "acceptStake", "backoff"]],
  );

  for (const due of [new Date(now - 1), null]) {
    const retried = decide(STATE, await decisionRecords(booksWith([failed(due)]), STATE, now), POLICY);
    assert.deepEqual(
      retried.actions.map((action) => [action.subject, action.step, action.retry]),
      [[REQUEST, "acceptStake", true]],
    );
  }
});

test("the decision asks the books for the snapshot's subjects and the recently closed", async () => {
  const now = Date.parse("2026-12-01T10:00:00Z");
  const books = booksWith([]);
  await decisionRecords(books, STATE, now);
  assert.deepEqual(books.scopes, [
    { subjects: snapshotSubjects(STATE), since: new Date(now - RECENTLY_CLOSED_MS) },
  ]);
  assert.deepEqual(snapshotSubjects(STATE), [REQUEST, "auxiliary@40"]);
});
