// The decision over several gateway pairs: each request and message is decided with the pair of its
// gateway, proofs are per pair (one pair's proveGateway never stands in for another's), and
// requests for a pair not served are left alone naming the pairs that are.
import assert from "node:assert/strict";
import { test } from "node:test";
import { getAddress, id } from "ethers";
import {
  decide,
  type ExecutorRecords,
  type IndexedMessage,
  type IndexedState,
  type Policy,
} from "../executor/decide/index.ts";

const address = (byte: string) => `0x${byte.repeat(20)}`;
const FIRST = { gateway: getAddress(address("a1")), coGateway: getAddress(address("c1")) };
const SECOND = { gateway: getAddress(address("a2")), coGateway: getAddress(address("c2")) };
const FACILITATOR = address("f1");

const POLICY: Policy = {
  facilitator: getAddress(FACILITATOR),
  gateway: FIRST.gateway,
  coGateway: FIRST.coGateway,
  pairs: [FIRST, SECOND],
  composer: getAddress(address("d1")),
  redeemPool: getAddress(address("d2")),
  confirmations: { origin: 0n, auxiliary: 0n },
  minGasPrice: 0n,
  minGasLimit: 0n,
  anchoring: null,
  takeoverBlocks: 0n,
};

const terms = {
  amount: 10n,
  beneficiary: address("b3"),
  gasPrice: 1n,
  gasLimit: 1n,
  nonce: 1n,
  requestedBlock: 1n,
};

function stakeRequest(requestId: string, gateway: string) {
  return {
    ...terms,
    id: requestId,
    status: "Requested" as const,
    staker: address("b1"),
    stakerProxy: address("b2"),
    gateway: gateway.toLowerCase(),
    composer: address("d1"),
  };
}

function redeemRequest(requestId: string, cogateway: string) {
  return {
    ...terms,
    id: requestId,
    status: "Requested" as const,
    redeemer: address("b1"),
    redeemerProxy: address("b2"),
    cogateway: cogateway.toLowerCase(),
    redeemPool: address("d2"),
  };
}

/** The hash lock of our secret behind the message our accept declared. */
const lockOf = (messageHash: string) => id(`hash lock of ${messageHash}`);

function stakeOutbox(messageHash: string, gateway: string): IndexedMessage {
  return {
    id: messageHash,
    kind: "Stake",
    box: "Outbox",
    status: "Declared",
    gateway: gateway.toLowerCase(),
    sender: address("b2"),
    nonce: 1n,
    beneficiary: address("b3"),
    amount: 10n,
    gasPrice: 1n,
    gasLimit: 1n,
    hashLock: lockOf(messageHash),
    blockHeight: null,
    declaredBlock: 5n,
    confirmedBlock: null,
  };
}

const worker = { worker: FACILITATOR, expirationHeight: 10n ** 12n, block: 0n, logIndex: 0n };

function state(parts: {
  stakeRequests?: ReturnType<typeof stakeRequest>[];
  redeemRequests?: ReturnType<typeof redeemRequest>[];
  originMessages?: IndexedMessage[];
  auxiliaryProofs?: { gateway: string; remoteGateway: string; blockHeight: bigint }[];
  anchoredOnAuxiliary?: bigint[];
}): IndexedState {
  return {
    origin: {
      latestBlock: 20n,
      messages: parts.originMessages ?? [],
      anchoredStateRoots: [],
      gatewayProofs: [],
      stakeRequests: parts.stakeRequests ?? [],
      workerChanges: [worker],
    },
    auxiliary: {
      latestBlock: 20n,
      messages: [],
      anchoredStateRoots: (parts.anchoredOnAuxiliary ?? [10n]).map((blockHeight) => ({ blockHeight })),
      gatewayProofs: parts.auxiliaryProofs ?? [],
      redeemRequests: parts.redeemRequests ?? [],
      workerChanges: [worker],
    },
  };
}

const MESSAGE_1 = id("message of the first pair");
const MESSAGE_2 = id("message of the second pair");
const ours = (...intents: ExecutorRecords["intents"]): ExecutorRecords => ({
  intents,
  acceptances: [MESSAGE_1, MESSAGE_2].map((messageHash) => ({
    requestHash: id(`request of ${messageHash}`),
    hashLock: lockOf(messageHash),
    messageHash,
    holdsSecret: true,
  })),
});

test("requests are accepted at the gateway of their own pair", () => {
  const decision = decide(
    state({
      stakeRequests: [stakeRequest(id("stake 2"), SECOND.gateway)],
      redeemRequests: [redeemRequest(id("redeem 2"), SECOND.coGateway)],
    }),
    { intents: [], acceptances: [] },
    POLICY,
  );
  const accepts = decision.actions.map((action) =>
    action.step === "acceptStake"
      ? ["acceptStake", action.gateway]
      : action.step === "acceptRedeem"
        ? ["acceptRedeem", action.cogateway]
        : [action.step],
  );
  assert.deepEqual(accepts, [
    ["acceptStake", SECOND.gateway],
    ["acceptRedeem", SECOND.coGateway],
  ]);
});

test("a request for a gateway not served is left alone, naming the served ones", () => {
  const onlyFirst: Policy = { ...POLICY, pairs: [FIRST] };
  const decision = decide(
    state({
      stakeRequests: [stakeRequest(id("stake 2"), SECOND.gateway)],
      redeemRequests: [redeemRequest(id("redeem 2"), SECOND.coGateway)],
    }),
    { intents: [], acceptances: [] },
    onlyFirst,
  );
  assert.deepEqual(decision.actions, []);
  assert.deepEqual(
    decision.skips.map((skip) => [skip.step, skip.reason]),
    [
      ["acceptStake", "unsupportedGateway"],
      ["acceptRedeem", "unsupportedGateway"],
    ],
  );
  assert.match(
    decision.skips[0]!.detail,
    new RegExp(`${SECOND.gateway.toLowerCase()} is not served \\(only ${FIRST.gateway}\\)`),
  );
  const both = decide(
    state({ stakeRequests: [stakeRequest(id("stake 3"), address("e0"))] }),
    { intents: [], acceptances: [] },
    POLICY,
  );
  assert.match(
    both.skips[0]!.detail,
    new RegExp(`not served \\(only ${FIRST.gateway}, ${SECOND.gateway}\\)`),
  );
});

test("each pair proves its own gateway: two proofs at one height, under two keys", () => {
  const decision = decide(
    state({
      originMessages: [stakeOutbox(MESSAGE_1, FIRST.gateway), stakeOutbox(MESSAGE_2, SECOND.gateway)],
    }),
    ours(),
    POLICY,
  );
  const proofs = decision.actions.flatMap((action) =>
    action.step === "proveGateway" ? [[action.subject, action.gateway, action.remoteGateway]] : [],
  );
  assert.deepEqual(proofs, [
    ["origin@10", FIRST.coGateway, FIRST.gateway],
    [`origin@10:${SECOND.gateway.toLowerCase()}`, SECOND.coGateway, SECOND.gateway],
  ]);
});

test("a proof of one pair confirms that pair's messages only", () => {
  const decision = decide(
    state({
      originMessages: [stakeOutbox(MESSAGE_1, FIRST.gateway), stakeOutbox(MESSAGE_2, SECOND.gateway)],
      auxiliaryProofs: [
        {
          gateway: SECOND.coGateway.toLowerCase(),
          remoteGateway: SECOND.gateway.toLowerCase(),
          blockHeight: 10n,
        },
      ],
    }),
    // The first pair's proof at that height is ours and in flight.
    ours({ subject: "origin@10", step: "proveGateway", status: "sent" }),
    POLICY,
  );
  const steps = decision.actions.map((action) =>
    action.step === "confirmStakeIntent" ? [action.step, action.subject, action.coGateway] : [action.step],
  );
  assert.deepEqual(steps, [["confirmStakeIntent", MESSAGE_2, SECOND.coGateway]]);
  assert.ok(
    decision.waiting.some((wait) => wait.subject === MESSAGE_1 && wait.for === "proof"),
    "the first pair's message waits for its own proof",
  );
});

test("messages of both pairs waiting for an anchor get one anchor", () => {
  const anchoring: Policy = { ...POLICY, anchoring: { confirmations: 0n, minInterval: 0n } };
  const decision = decide(
    state({
      originMessages: [stakeOutbox(MESSAGE_1, FIRST.gateway), stakeOutbox(MESSAGE_2, SECOND.gateway)],
      anchoredOnAuxiliary: [],
    }),
    ours(),
    anchoring,
  );
  assert.deepEqual(
    decision.actions.map((action) => [action.step, action.subject]),
    [["anchor", "origin@20"]],
  );
});
