// Several facilitators on the same requests: the turn order per request (leader.ts) and what the
// decision does with it. Every worker computes the same order from indexed data; the leader
// accepts at once, the next in order only `takeoverBlocks` later, and a non-worker never.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { getAddress, id, solidityPackedKeccak256 } from "ethers";
import { activeWorkers, turnOrder } from "../executor/decide/leader.ts";
import {
  decide,
  type ChainName,
  type Decision,
  type IndexedMessage,
  type IndexedRedeemRequest,
  type IndexedStakeRequest,
  type IndexedState,
  type IndexedWorkerChange,
  type Policy,
} from "../executor/decide/index.ts";

const address = (byte: string) => `0x${byte.repeat(20)}`;
const GATEWAY = address("a0");
const CO_GATEWAY = address("c0");
const COMPOSER = address("c1");
const REDEEM_POOL = address("d1");
const WORKER_A = address("1a");
const WORKER_B = address("2b");
const WORKER_C = address("3c");
const OUTSIDER = address("4d");
const REQUEST = id("a request made by many");
const REQUESTED_AT = 100n;
const TAKEOVER = 5n;
const FOREVER = 2n ** 64n;

const set = (worker: string, expirationHeight: bigint, block = 10n, logIndex = 0n): IndexedWorkerChange => ({
  worker,
  expirationHeight,
  block,
  logIndex,
});
const unset = (worker: string, block: bigint, logIndex = 0n) => set(worker, 0n, block, logIndex);

const THREE_WORKERS = [set(WORKER_A, FOREVER), set(WORKER_B, FOREVER, 11n), set(WORKER_C, FOREVER, 12n)];

function policy(facilitator: string): Policy {
  return {
    facilitator: getAddress(facilitator),
    gateway: getAddress(GATEWAY),
    coGateway: getAddress(CO_GATEWAY),
    composer: getAddress(COMPOSER),
    redeemPool: getAddress(REDEEM_POOL),
    confirmations: { origin: 0n, auxiliary: 0n },
    minGasPrice: 0n,
    minGasLimit: 0n,
    anchoring: null,
    takeoverBlocks: TAKEOVER,
  };
}

const TERMS = {
  amount: 250n,
  beneficiary: address("b3"),
  gasPrice: 10n ** 9n,
  gasLimit: 200_000n,
  nonce: 3n,
  requestedBlock: REQUESTED_AT,
};

function stakeRequest(status: IndexedStakeRequest["status"] = "Requested"): IndexedStakeRequest {
  return {
    id: REQUEST,
    status,
    ...TERMS,
    staker: address("b2"),
    stakerProxy: address("b1"),
    gateway: GATEWAY,
    composer: COMPOSER,
  };
}

function redeemRequest(status: IndexedRedeemRequest["status"] = "Requested"): IndexedRedeemRequest {
  return {
    id: REQUEST,
    status,
    ...TERMS,
    redeemer: address("b2"),
    redeemerProxy: address("b1"),
    cogateway: CO_GATEWAY,
    redeemPool: REDEEM_POOL,
  };
}

interface Flow {
  name: "stake" | "redeem";
  source: ChainName;
  accept: "acceptStake" | "acceptRedeem";
}
const STAKE: Flow = { name: "stake", source: "origin", accept: "acceptStake" };
const REDEEM: Flow = { name: "redeem", source: "auxiliary", accept: "acceptRedeem" };

/** One request on the flow's source chain, whose indexed head is `head`. */
function world(
  flow: Flow,
  head: bigint,
  workerChanges: IndexedWorkerChange[] = THREE_WORKERS,
  status: IndexedStakeRequest["status"] = "Requested",
  messages: IndexedMessage[] = [],
): IndexedState {
  const chain = (name: ChainName) => ({
    latestBlock: name === flow.source ? head : 500n,
    messages: name === flow.source ? messages : [],
    anchoredStateRoots: [],
    gatewayProofs: [],
    workerChanges,
  });
  return {
    origin: { ...chain("origin"), stakeRequests: flow.name === "stake" ? [stakeRequest(status)] : [] },
    auxiliary: {
      ...chain("auxiliary"),
      redeemRequests: flow.name === "redeem" ? [redeemRequest(status)] : [],
    },
  };
}

const NO_RECORDS = { intents: [], acceptances: [] };

function summary(decision: Decision) {
  return {
    actions: decision.actions.map((a) => `${a.step} on ${a.chain}`),
    skips: decision.skips.map((s) => `${s.step}: ${s.reason}`),
    waiting: decision.waiting.map((w) => `${w.step}: ${w.for}`),
  };
}

describe("the workers at a block", () => {
  test("each worker's latest change at or below the block counts, while its expiration is above it", () => {
    const changes = [
      set(WORKER_A, FOREVER, 10n),
      set(WORKER_B, 150n, 10n, 1n),
      set(WORKER_C, FOREVER, 20n),
      unset(WORKER_C, 120n),
      // Unset then set again in one block: the later log wins.
      unset(WORKER_A, 130n, 0n),
      set(WORKER_A, FOREVER, 130n, 3n),
    ];
    assert.deepEqual(activeWorkers(changes, 5n).sort(), []);
    assert.deepEqual(activeWorkers(changes, 100n).sort(), [WORKER_A, WORKER_B, WORKER_C].sort());
    assert.deepEqual(activeWorkers(changes, 125n).sort(), [WORKER_A, WORKER_B].sort());
    assert.deepEqual(activeWorkers(changes, 130n).sort(), [WORKER_A, WORKER_B].sort());
    // The Organization counts a worker while block.number < expirationHeight.
    assert.deepEqual(activeWorkers(changes, 149n).sort(), [WORKER_A, WORKER_B].sort());
    assert.deepEqual(activeWorkers(changes, 150n), [WORKER_A]);
    assert.deepEqual(activeWorkers([...changes].reverse(), 130n).sort(), [WORKER_A, WORKER_B].sort());
  });

  test("addresses in any case are one worker", () => {
    const changes = [
      set(getAddress(WORKER_A), FOREVER, 10n),
      unset(WORKER_A.toUpperCase().replace("0X", "0x"), 20n),
    ];
    assert.deepEqual(activeWorkers(changes, 15n), [WORKER_A]);
    assert.deepEqual(activeWorkers(changes, 20n), []);
  });
});

describe("the turn order of a request", () => {
  test("workers ordered by keccak256(requestHash ‖ worker), the same from any input order or case", () => {
    const workers = [WORKER_A, WORKER_B, WORKER_C];
    const expected = [...workers].sort((x, y) => {
      const kx = solidityPackedKeccak256(["bytes32", "address"], [REQUEST, x]);
      const ky = solidityPackedKeccak256(["bytes32", "address"], [REQUEST, y]);
      return kx < ky ? -1 : 1;
    });
    assert.deepEqual(turnOrder(REQUEST, workers), expected);
    assert.deepEqual(
      turnOrder(
        REQUEST,
        [...workers].reverse().map((w) => getAddress(w)),
      ),
      expected,
    );
  });

  test("the order depends on the request: each worker leads some requests", () => {
    const leaders = new Set<string>();
    for (let i = 0; i < 30; i++)
      leaders.add(turnOrder(id(`request ${i}`), [WORKER_A, WORKER_B, WORKER_C])[0]!);
    assert.equal(leaders.size, 3);
  });
});

for (const flow of [STAKE, REDEEM]) {
  describe(`${flow.name}: who accepts a request, and when`, () => {
    const [first, second, third] = turnOrder(REQUEST, [WORKER_A, WORKER_B, WORKER_C]) as [
      string,
      string,
      string,
    ];
    const accept = { actions: [`${flow.accept} on ${flow.source}`], skips: [], waiting: [] };
    const waitForLeader = { actions: [], skips: [], waiting: [`${flow.accept}: leader`] };
    const notAWorker = { actions: [], skips: [`${flow.accept}: notAWorker`], waiting: [] };
    const rows: {
      name: string;
      facilitator: string;
      head: bigint;
      changes?: IndexedWorkerChange[];
      expected: object;
    }[] = [
      {
        name: "the leader accepts at the request's block",
        facilitator: first,
        head: REQUESTED_AT,
        expected: accept,
      },
      {
        name: "the second waits for the leader",
        facilitator: second,
        head: REQUESTED_AT + TAKEOVER - 1n,
        expected: waitForLeader,
      },
      {
        name: "the second takes over after takeoverBlocks",
        facilitator: second,
        head: REQUESTED_AT + TAKEOVER,
        expected: accept,
      },
      {
        name: "the third still waits then",
        facilitator: third,
        head: REQUESTED_AT + TAKEOVER,
        expected: waitForLeader,
      },
      {
        name: "the third takes over after twice takeoverBlocks",
        facilitator: third,
        head: REQUESTED_AT + 2n * TAKEOVER,
        expected: accept,
      },
      {
        name: "a facilitator that is not a worker leaves it alone",
        facilitator: OUTSIDER,
        head: 1000n,
        expected: notAWorker,
      },
      {
        name: "a worker added after the request is not in its order",
        facilitator: OUTSIDER,
        head: 1000n,
        changes: [...THREE_WORKERS, set(OUTSIDER, FOREVER, REQUESTED_AT + 1n)],
        expected: notAWorker,
      },
      {
        name: "a leader whose key was unset since may not accept any more",
        facilitator: first,
        head: REQUESTED_AT + 3n,
        changes: [...THREE_WORKERS, unset(first, REQUESTED_AT + 2n)],
        expected: notAWorker,
      },
      {
        name: "a worker unset before the request drops out of the order: the next one leads",
        facilitator: second,
        head: REQUESTED_AT,
        changes: [...THREE_WORKERS, unset(first, REQUESTED_AT - 1n)],
        expected: accept,
      },
    ];
    for (const row of rows) {
      test(row.name, () => {
        const state = world(flow, row.head, row.changes);
        assert.deepEqual(summary(decide(state, NO_RECORDS, policy(row.facilitator))), row.expected);
      });
    }

    test("the wait names the leader and the block of our turn", () => {
      const decision = decide(world(flow, REQUESTED_AT), NO_RECORDS, policy(third));
      assert.match(
        decision.waiting[0]?.detail ?? "",
        new RegExp(`${first}.*block ${REQUESTED_AT + 2n * TAKEOVER}`),
      );
    });

    test("a request another worker accepted is left alone by everyone else", () => {
      const declared: IndexedMessage = {
        id: id("their message"),
        kind: flow.name === "stake" ? "Stake" : "Redeem",
        box: "Outbox",
        status: "Declared",
        gateway: flow.name === "stake" ? GATEWAY : CO_GATEWAY,
        sender: address("b1"),
        nonce: 3n,
        beneficiary: TERMS.beneficiary,
        amount: TERMS.amount,
        gasPrice: TERMS.gasPrice,
        gasLimit: TERMS.gasLimit,
        hashLock: id("their hash lock"),
        blockHeight: null,
        declaredBlock: REQUESTED_AT + 1n,
        confirmedBlock: null,
      };
      for (const facilitator of [second, third]) {
        const decision = decide(
          world(flow, REQUESTED_AT + 3n * TAKEOVER, THREE_WORKERS, "Accepted", [declared]),
          NO_RECORDS,
          policy(facilitator),
        );
        assert.deepEqual(decision.actions, []);
        assert.deepEqual(
          decision.skips.map((skip) => skip.reason),
          ["notAcceptedByUs"],
        );
      }
    });
  });
}

describe("proofs are shared work", () => {
  test("a GatewayProven that another facilitator sent at a usable height is used, not proven again", () => {
    for (const flow of [STAKE, REDEEM]) {
      const target: ChainName = flow.source === "origin" ? "auxiliary" : "origin";
      const [sourceGateway, targetGateway] =
        flow.name === "stake" ? [GATEWAY, CO_GATEWAY] : [CO_GATEWAY, GATEWAY];
      const ourLock = id("our hash lock");
      const declared: IndexedMessage = {
        id: id("our message"),
        kind: flow.name === "stake" ? "Stake" : "Redeem",
        box: "Outbox",
        status: "Declared",
        gateway: sourceGateway,
        sender: address("b1"),
        nonce: 3n,
        beneficiary: TERMS.beneficiary,
        amount: TERMS.amount,
        gasPrice: TERMS.gasPrice,
        gasLimit: TERMS.gasLimit,
        hashLock: ourLock,
        blockHeight: null,
        declaredBlock: 101n,
        confirmedBlock: null,
      };
      const state = world(flow, 200n, THREE_WORKERS, "Accepted", [declared]);
      state[target].anchoredStateRoots = [{ blockHeight: 120n }];
      // Sent by someone else: no proveGateway intent of ours exists for it.
      state[target].gatewayProofs = [
        { gateway: targetGateway, remoteGateway: sourceGateway, blockHeight: 120n },
      ];
      const decision = decide(
        state,
        {
          intents: [{ subject: REQUEST, step: flow.accept, status: "confirmed" }],
          acceptances: [
            { requestHash: REQUEST, hashLock: ourLock, messageHash: declared.id, holdsSecret: true },
          ],
        },
        policy(WORKER_A),
      );
      assert.deepEqual(summary(decision).actions, [
        `${flow.name === "stake" ? "confirmStakeIntent" : "confirmRedeemIntent"} on ${target}`,
      ]);
      const confirm = decision.actions[0] as { blockHeight?: bigint };
      assert.equal(confirm.blockHeight, 120n);
    }
  });
});
