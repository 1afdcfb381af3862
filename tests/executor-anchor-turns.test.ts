// Several facilitators with the anchoring role: per anchored height (the slot: the latest height
// anchored in that direction) the configured anchorers take turns in the order of
// keccak256(slot ‖ anchorer); the first anchors as soon as a declaration needs it, each next one
// `takeoverBlocks` source blocks later, and none anchors once the slot has moved on.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { concat, getAddress, id, keccak256, toBeHex, zeroPadValue } from "ethers";
import { anchorTurnOrder } from "../executor/decide/anchor-turns.ts";
import {
  decide,
  type ChainName,
  type Decision,
  type IndexedMessage,
  type IndexedState,
  type Policy,
} from "../executor/decide/index.ts";

const address = (byte: string) => `0x${byte.repeat(20)}`;
const GATEWAY = address("a0");
const CO_GATEWAY = address("c0");
const ANCHORER_A = getAddress(address("f1"));
const ANCHORER_B = getAddress(address("f2"));
const OUR_LOCK = id("our hash lock");
const THEIR_LOCK = id("another facilitator's hash lock");
const SLOT = 50n;
const TAKEOVER = 5n;

/** The leader of a slot, computed here from the rule itself. */
function leaderOf(slot: bigint, anchorers: string[]): string {
  const rank = (anchorer: string) =>
    keccak256(concat([zeroPadValue(toBeHex(slot), 32), anchorer.toLowerCase()]));
  return [...anchorers].sort((a, b) => (rank(a) < rank(b) ? -1 : 1))[0]!;
}
const LEADER = leaderOf(SLOT, [ANCHORER_A, ANCHORER_B]);
const SECOND = LEADER === ANCHORER_A ? ANCHORER_B : ANCHORER_A;

function policy(facilitator: string, anchorers: string[] = [ANCHORER_A, ANCHORER_B]): Policy {
  return {
    facilitator,
    gateway: getAddress(GATEWAY),
    coGateway: getAddress(CO_GATEWAY),
    composer: getAddress(address("c1")),
    redeemPool: getAddress(address("d1")),
    confirmations: { origin: 0n, auxiliary: 0n },
    minGasPrice: 0n,
    minGasLimit: 0n,
    anchoring: { confirmations: 0n, minInterval: 0n, anchorers },
    takeoverBlocks: TAKEOVER,
  };
}

const FLOWS = [
  {
    kind: "Stake" as const,
    source: "origin" as ChainName,
    target: "auxiliary" as ChainName,
    gateway: GATEWAY,
  },
  {
    kind: "Redeem" as const,
    source: "auxiliary" as ChainName,
    target: "origin" as ChainName,
    gateway: CO_GATEWAY,
  },
];

function declared(flow: (typeof FLOWS)[number], hashLock: string): IndexedMessage {
  return {
    id: id(`${flow.kind} message`),
    kind: flow.kind,
    box: "Outbox",
    status: "Declared",
    gateway: flow.gateway,
    sender: address("b1"),
    nonce: 3n,
    beneficiary: address("b3"),
    amount: 250n,
    gasPrice: 1n,
    gasLimit: 1n,
    hashLock,
    blockHeight: null,
    declaredBlock: 100n,
    confirmedBlock: null,
  };
}

function world(flow: (typeof FLOWS)[number], message: IndexedMessage, sourceLatest: bigint): IndexedState {
  const chain = (name: ChainName) => ({
    latestBlock: name === flow.source ? sourceLatest : 500n,
    messages: name === flow.source ? [message] : [],
    anchoredStateRoots: name === flow.target ? [{ blockHeight: SLOT }] : [],
    gatewayProofs: [],
    workerChanges: [],
  });
  return {
    origin: { ...chain("origin"), stakeRequests: [] },
    auxiliary: { ...chain("auxiliary"), redeemRequests: [] },
  };
}

/** Our accept of the flow's request, which declared the flow's message under OUR_LOCK. */
const recordsOf = (flow: (typeof FLOWS)[number]) => ({
  intents: [],
  acceptances: [
    {
      requestHash: id("request"),
      hashLock: OUR_LOCK,
      messageHash: declared(flow, OUR_LOCK).id,
      holdsSecret: true,
    },
  ],
});

const anchors = (decision: Decision) =>
  decision.actions.flatMap((action) =>
    action.step === "anchor" ? [`${action.subject} on ${action.chain}`] : [],
  );
const anchorWaits = (decision: Decision) =>
  decision.waiting.filter((wait) => wait.step === "anchor").map((wait) => `${wait.subject}: ${wait.for}`);

describe("anchor turns", () => {
  for (const flow of FLOWS) {
    test(`${flow.kind}: the slot's leader anchors once a declaration needs it, guarded against a newer anchor`, () => {
      const decision = decide(world(flow, declared(flow, OUR_LOCK), 101n), recordsOf(flow), policy(LEADER));
      assert.deepEqual(anchors(decision), [`${flow.source}@101 on ${flow.target}`]);
      const anchor = decision.actions.find((action) => action.step === "anchor")!;
      assert.deepEqual(anchor.preconditions, [
        { check: "latestAnchoredBelow", chain: flow.target, blockHeight: 101n },
        { check: "blockDepth", chain: flow.source, blockHeight: 101n, confirmations: 0n },
        { check: "latestAnchoredBelow", chain: flow.target, blockHeight: SLOT + 1n },
      ]);
    });

    test(`${flow.kind}: the next anchorer waits its turn, takeoverBlocks after the leader's`, () => {
      const decision = decide(world(flow, declared(flow, OUR_LOCK), 104n), recordsOf(flow), policy(SECOND));
      assert.deepEqual(anchors(decision), []);
      assert.deepEqual(anchorWaits(decision), [`${flow.source}@104: anchorTurn`]);
      const wait = decision.waiting.find((item) => item.for === "anchorTurn")!;
      assert.match(wait.detail, new RegExp(`${LEADER.toLowerCase()} anchors first after height ${SLOT}`));
      assert.match(wait.detail, /our turn \(position 1\) comes at origin height 105|auxiliary height 105/);
    });

    test(`${flow.kind}: the next anchorer takes over once its turn has come`, () => {
      const decision = decide(world(flow, declared(flow, OUR_LOCK), 105n), recordsOf(flow), policy(SECOND));
      assert.deepEqual(anchors(decision), [`${flow.source}@105 on ${flow.target}`]);
    });

    test(`${flow.kind}: among anchorers, a message another facilitator accepted is anchored for too`, () => {
      const decision = decide(world(flow, declared(flow, THEIR_LOCK), 101n), recordsOf(flow), policy(LEADER));
      assert.deepEqual(anchors(decision), [`${flow.source}@101 on ${flow.target}`]);
    });
  }

  test("alone (no anchorers listed): only our own messages are anchored for, with no turns", () => {
    const flow = FLOWS[0]!;
    const alone = policy(SECOND, []);
    assert.deepEqual(
      anchors(decide(world(flow, declared(flow, THEIR_LOCK), 101n), recordsOf(flow), alone)),
      [],
    );
    const ours = decide(world(flow, declared(flow, OUR_LOCK), 101n), recordsOf(flow), alone);
    assert.deepEqual(anchors(ours), [`origin@101 on auxiliary`]);
    assert.deepEqual(
      ours.actions[0]!.preconditions.map((precondition) => precondition.check),
      ["latestAnchoredBelow", "blockDepth"],
      "no guard against another anchorer's turn",
    );
  });

  test("the order is the same for every anchorer: any case, any order of the list, this one included or not", () => {
    const expected = [LEADER.toLowerCase(), SECOND.toLowerCase()];
    assert.deepEqual(anchorTurnOrder(SLOT, [ANCHORER_B, ANCHORER_A.toLowerCase()]), expected);
    assert.deepEqual(anchorTurnOrder(SLOT, [ANCHORER_A, ANCHORER_B, ANCHORER_A]), expected);
  });

  test("the leader changes with the slot", () => {
    const leaders = new Set(
      Array.from({ length: 20 }, (_, slot) => anchorTurnOrder(BigInt(slot + 1), [ANCHORER_A, ANCHORER_B])[0]),
    );
    assert.equal(leaders.size, 2);
  });
});
