// The decision's side of the facilitator's balances: a new request whose bounty or accept gas the
// key cannot pay is left alone ("insufficientFunds", naming what is short and by how much); work
// already under way (an accept in flight, a confirmation, a progress) is not held back.
import assert from "node:assert/strict";
import { test } from "node:test";
import { getAddress, id, parseEther } from "ethers";
import {
  decide,
  type Decision,
  type Funds,
  type IndexedMessage,
  type IndexedRedeemRequest,
  type IndexedStakeRequest,
  type IndexedState,
  type IntentRecord,
  type Policy,
} from "../executor/decide/index.ts";

const address = (byte: string) => `0x${byte.repeat(20)}`;
const GATEWAY = address("a0");
const CO_GATEWAY = address("c0");
const POLICY: Policy = {
  facilitator: getAddress(address("f1")),
  gateway: getAddress(GATEWAY),
  coGateway: getAddress(CO_GATEWAY),
  composer: getAddress(address("c1")),
  redeemPool: getAddress(address("d1")),
  confirmations: { origin: 0n, auxiliary: 0n },
  minGasPrice: 0n,
  minGasLimit: 0n,
  anchoring: null,
  takeoverBlocks: 10n,
};
/** The facilitator is the organizations' only worker: every request is its turn (leader.ts). */
const WORKERS = [{ worker: POLICY.facilitator, expirationHeight: 10n ** 9n, block: 1n, logIndex: 0n }];
const OUR_LOCK = id("our hash lock");

/** Enough of everything: a base token bounty of 1, a base coin bounty of 0.01, gas 0.004 per accept. */
const FUNDED: Funds = {
  origin: {
    ether: parseEther("10"),
    baseToken: parseEther("100"),
    bounty: parseEther("1"),
    gasCost: parseEther("0.004"),
  },
  auxiliary: { ether: parseEther("10"), bounty: parseEther("0.01"), gasCost: parseEther("0.004") },
};

function stakeRequest(name: string): IndexedStakeRequest {
  return {
    id: id(name),
    status: "Requested",
    amount: 250n,
    beneficiary: address("b3"),
    gasPrice: 10n ** 9n,
    gasLimit: 200_000n,
    nonce: 3n,
    staker: address("b2"),
    stakerProxy: address("b1"),
    gateway: GATEWAY,
    composer: address("c1"),
    requestedBlock: 50n,
  };
}

function redeemRequest(name: string): IndexedRedeemRequest {
  return {
    id: id(name),
    status: "Requested",
    amount: 100n,
    beneficiary: address("b3"),
    gasPrice: 10n ** 9n,
    gasLimit: 200_000n,
    nonce: 5n,
    redeemer: address("b2"),
    redeemerProxy: address("b1"),
    cogateway: CO_GATEWAY,
    redeemPool: address("d1"),
    requestedBlock: 50n,
  };
}

/** A stake of ours declared on origin and confirmed on auxiliary: both progress steps are due. */
const DECLARED: IndexedMessage = {
  id: id("our stake message"),
  kind: "Stake",
  box: "Outbox",
  status: "Declared",
  gateway: GATEWAY,
  sender: address("b1"),
  nonce: 3n,
  beneficiary: address("b3"),
  amount: 250n,
  gasPrice: 10n ** 9n,
  gasLimit: 200_000n,
  hashLock: OUR_LOCK,
  blockHeight: null,
  declaredBlock: 20n,
  confirmedBlock: null,
};
const CONFIRMED: IndexedMessage = {
  ...DECLARED,
  box: "Inbox",
  status: "Confirmed",
  gateway: CO_GATEWAY,
  blockHeight: 30n,
  declaredBlock: null,
  confirmedBlock: 40n,
};

function world(parts: {
  stakes?: IndexedStakeRequest[];
  redeems?: IndexedRedeemRequest[];
  ourStake?: boolean;
}): IndexedState {
  return {
    origin: {
      latestBlock: 100n,
      messages: parts.ourStake ? [DECLARED] : [],
      anchoredStateRoots: [],
      gatewayProofs: [],
      stakeRequests: parts.stakes ?? [],
      workerChanges: WORKERS,
    },
    auxiliary: {
      latestBlock: 100n,
      messages: parts.ourStake ? [CONFIRMED] : [],
      anchoredStateRoots: [],
      gatewayProofs: [],
      redeemRequests: parts.redeems ?? [],
      workerChanges: WORKERS,
    },
  };
}

const records = (intents: IntentRecord[] = []) => ({
  intents,
  acceptances: [
    { requestHash: id("our stake request"), hashLock: OUR_LOCK, messageHash: DECLARED.id, holdsSecret: true },
  ],
});

function summary(decision: Decision) {
  return {
    actions: decision.actions.map((action) => `${action.step} ${action.subject}`),
    skips: decision.skips.map((skip) => `${skip.step} ${skip.subject}: ${skip.reason}`),
    waiting: decision.waiting.map((wait) => `${wait.step} ${wait.subject}: ${wait.for}`),
  };
}

const withOrigin = (change: Partial<Funds["origin"]>): Funds => ({
  ...FUNDED,
  origin: { ...FUNDED.origin, ...change },
});
const withAuxiliary = (change: Partial<Funds["auxiliary"]>): Funds => ({
  ...FUNDED,
  auxiliary: { ...FUNDED.auxiliary, ...change },
});

const STAKE = stakeRequest("stake 1");
const REDEEM = redeemRequest("redeem 1");

const rows: {
  name: string;
  funds: Funds;
  intents?: IntentRecord[];
  stakes?: IndexedStakeRequest[];
  expected: ReturnType<typeof summary>;
  /** Each skip's detail must match, in order. */
  details?: RegExp[];
}[] = [
  {
    name: "funded: both requests are accepted",
    funds: FUNDED,
    expected: { actions: [`acceptStake ${STAKE.id}`, `acceptRedeem ${REDEEM.id}`], skips: [], waiting: [] },
  },
  {
    name: "no base token for a stake's bounty: the stake is left alone, the redeem accepted",
    funds: withOrigin({ baseToken: parseEther("0.25") }),
    expected: {
      actions: [`acceptRedeem ${REDEEM.id}`],
      skips: [`acceptStake ${STAKE.id}: insufficientFunds`],
      waiting: [],
    },
    details: [/base token on origin: 0\.25 held, 1\.0 needed for a stake's bounty \(short by 0\.75\)/],
  },
  {
    name: "no ether for an accept's gas on origin: the stake is left alone",
    funds: withOrigin({ ether: parseEther("0.001") }),
    expected: {
      actions: [`acceptRedeem ${REDEEM.id}`],
      skips: [`acceptStake ${STAKE.id}: insufficientFunds`],
      waiting: [],
    },
    details: [/ether on origin: 0\.001 held, 0\.004 needed for an accept's gas \(short by 0\.003\)/],
  },
  {
    name: "no ether for a redeem's bounty and gas on auxiliary: the redeem is left alone",
    funds: withAuxiliary({ ether: parseEther("0.01") }),
    expected: {
      actions: [`acceptStake ${STAKE.id}`],
      skips: [`acceptRedeem ${REDEEM.id}: insufficientFunds`],
      waiting: [],
    },
    details: [
      /ether on auxiliary: 0\.01 held, 0\.014 needed for a redeem's bounty and an accept's gas \(short by 0\.004\)/,
    ],
  },
  {
    name: "funds for one stake of two: the first is accepted, the second left alone",
    funds: withOrigin({ baseToken: parseEther("1.5") }),
    stakes: [STAKE, stakeRequest("stake 2")],
    expected: {
      actions: [`acceptStake ${STAKE.id}`, `acceptRedeem ${REDEEM.id}`],
      skips: [`acceptStake ${id("stake 2")}: insufficientFunds`],
      waiting: [],
    },
    details: [/base token on origin: 0\.5 held, 1\.0 needed/],
  },
  {
    name: "a failed accept due again is not retried without the funds",
    funds: withOrigin({ baseToken: 0n }),
    intents: [{ subject: STAKE.id, step: "acceptStake", status: "failed" }],
    expected: {
      actions: [`acceptRedeem ${REDEEM.id}`],
      skips: [`acceptStake ${STAKE.id}: insufficientFunds`],
      waiting: [],
    },
  },
  {
    name: "an accept already in flight keeps going: it waits, it is not skipped",
    funds: withOrigin({ baseToken: 0n, ether: 0n }),
    intents: [{ subject: STAKE.id, step: "acceptStake", status: "sent" }],
    expected: {
      actions: [`acceptRedeem ${REDEEM.id}`],
      skips: [],
      waiting: [`acceptStake ${STAKE.id}: inFlight`],
    },
  },
];

for (const row of rows) {
  test(`funds: ${row.name}`, () => {
    const decision = decide(
      world({ stakes: row.stakes ?? [STAKE], redeems: [REDEEM] }),
      records(row.intents),
      POLICY,
      row.funds,
    );
    assert.deepEqual(summary(decision), row.expected);
    for (const [index, pattern] of (row.details ?? []).entries()) {
      assert.match(decision.skips[index]?.detail ?? "", pattern);
    }
  });
}

test("funds: a message under way is still confirmed and progressed with no funds for new work", () => {
  const broke: Funds = {
    origin: { ...FUNDED.origin, ether: 0n, baseToken: 0n },
    auxiliary: { ...FUNDED.auxiliary, ether: 0n },
  };
  const decision = decide(world({ stakes: [STAKE], ourStake: true }), records(), POLICY, broke);
  assert.deepEqual(summary(decision), {
    actions: [`progressStake ${DECLARED.id}`, `progressMint ${DECLARED.id}`],
    skips: [`acceptStake ${STAKE.id}: insufficientFunds`],
    waiting: [],
  });
});

test("funds: without a balance reading the decision is as before", () => {
  const decision = decide(world({ stakes: [STAKE], redeems: [REDEEM] }), records(), POLICY);
  assert.deepEqual(summary(decision).actions, [`acceptStake ${STAKE.id}`, `acceptRedeem ${REDEEM.id}`]);
});
