// The executor's decision as a table: indexed states of both chains plus the executor's records, and
// the actions, skips and waits they must lead to, for both flows at every step.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { getAddress, id } from "ethers";
import {
  decide,
  type AcceptanceRecord,
  type Action,
  type ChainName,
  type Decision,
  type ExecutorRecords,
  type IndexedMessage,
  type IndexedRedeemRequest,
  type IndexedStakeRequest,
  type IndexedState,
  type IntentRecord,
  type IntentStatus,
  type MessageStatus,
  type Policy,
} from "../executor/decide/index.ts";

// The subgraphs answer in lower case; the policy holds checksummed addresses, as a deployment file does.
const address = (byte: string) => `0x${byte.repeat(20)}`;
const FACILITATOR = address("f1");
const GATEWAY = address("a0");
const CO_GATEWAY = address("c0");
const OTHER_GATEWAY = address("0e");
const COMPOSER = address("c1");
const REDEEM_POOL = address("d1");
const PROXY = address("b1");
const REQUESTER = address("b2");
const BENEFICIARY = address("b3");
const OUR_LOCK = id("hash lock of our secret");
const THEIR_LOCK = id("hash lock of another facilitator");

const POLICY: Policy = {
  facilitator: getAddress(FACILITATOR),
  gateway: getAddress(GATEWAY),
  coGateway: getAddress(CO_GATEWAY),
  composer: getAddress(COMPOSER),
  redeemPool: getAddress(REDEEM_POOL),
  confirmations: { origin: 0n, auxiliary: 0n },
  minGasPrice: 10n ** 9n,
  minGasLimit: 100_000n,
  anchoring: null,
  takeoverBlocks: 10n,
};
const ANCHORING: Policy = { ...POLICY, anchoring: { confirmations: 2n, minInterval: 0n } };

/** One flow's fixtures: where its requests, boxes, anchors and proofs live. */
interface Flow {
  name: "stake" | "redeem";
  source: ChainName;
  target: ChainName;
  accept: "acceptStake" | "acceptRedeem";
  confirm: "confirmStakeIntent" | "confirmRedeemIntent";
  progressSource: "progressStake" | "progressRedeem";
  progressTarget: "progressMint" | "progressUnstake";
  request(id: string, terms?: Partial<Terms>): IndexedStakeRequest | IndexedRedeemRequest;
  sourceGateway: string;
  targetGateway: string;
}

interface Terms {
  status: IndexedStakeRequest["status"];
  gasPrice: bigint;
  gasLimit: bigint;
  gateway: string;
  /** The composer or pool the subgraph says the request was made at. */
  contract?: string;
}

const TERMS: Terms = { status: "Requested", gasPrice: 2n * 10n ** 9n, gasLimit: 200_000n, gateway: "" };

const STAKE: Flow = {
  name: "stake",
  source: "origin",
  target: "auxiliary",
  accept: "acceptStake",
  confirm: "confirmStakeIntent",
  progressSource: "progressStake",
  progressTarget: "progressMint",
  sourceGateway: GATEWAY,
  targetGateway: CO_GATEWAY,
  request: (requestId, terms = {}) => {
    const { status, gasPrice, gasLimit, gateway, contract } = { ...TERMS, gateway: GATEWAY, ...terms };
    return {
      id: requestId,
      status,
      amount: 250n,
      beneficiary: BENEFICIARY,
      gasPrice,
      gasLimit,
      nonce: 3n,
      staker: REQUESTER,
      stakerProxy: PROXY,
      gateway,
      composer: contract ?? COMPOSER,
      requestedBlock: 90n,
    };
  },
};

const REDEEM: Flow = {
  name: "redeem",
  source: "auxiliary",
  target: "origin",
  accept: "acceptRedeem",
  confirm: "confirmRedeemIntent",
  progressSource: "progressRedeem",
  progressTarget: "progressUnstake",
  sourceGateway: CO_GATEWAY,
  targetGateway: GATEWAY,
  request: (requestId, terms = {}) => {
    const { status, gasPrice, gasLimit, gateway, contract } = { ...TERMS, gateway: CO_GATEWAY, ...terms };
    return {
      id: requestId,
      status,
      amount: 100n,
      beneficiary: BENEFICIARY,
      gasPrice,
      gasLimit,
      nonce: 5n,
      redeemer: REQUESTER,
      redeemerProxy: PROXY,
      cogateway: gateway,
      redeemPool: contract ?? REDEEM_POOL,
      requestedBlock: 90n,
    };
  },
};

function outbox(
  flow: Flow,
  messageHash: string,
  fields: { status?: MessageStatus; declaredBlock?: bigint; hashLock?: string } = {},
): IndexedMessage {
  return {
    id: messageHash,
    kind: flow.name === "stake" ? "Stake" : "Redeem",
    box: "Outbox",
    status: fields.status ?? "Declared",
    gateway: flow.sourceGateway,
    sender: PROXY,
    nonce: flow.name === "stake" ? 3n : 5n,
    beneficiary: BENEFICIARY,
    amount: flow.name === "stake" ? 250n : 100n,
    gasPrice: TERMS.gasPrice,
    gasLimit: TERMS.gasLimit,
    hashLock: fields.hashLock ?? OUR_LOCK,
    blockHeight: null,
    declaredBlock: fields.declaredBlock ?? 100n,
    confirmedBlock: null,
  };
}

function inbox(
  flow: Flow,
  declared: IndexedMessage,
  status: MessageStatus,
  blockHeight: bigint,
  confirmedBlock = 490n,
): IndexedMessage {
  return {
    ...declared,
    box: "Inbox",
    status,
    gateway: flow.targetGateway,
    blockHeight,
    declaredBlock: null,
    confirmedBlock,
  };
}

interface World {
  requests?: (IndexedStakeRequest | IndexedRedeemRequest)[];
  outbox?: IndexedMessage[];
  inbox?: IndexedMessage[];
  /** Heights of the source chain anchored on the target chain. */
  anchored?: bigint[];
  /** Heights of the source chain at which the target chain proved the source gateway. */
  proven?: bigint[];
  sourceLatest?: bigint;
}

/** This facilitator is the only worker of both organizations, from before every request. */
const WORKERS = [{ worker: FACILITATOR, expirationHeight: 2n ** 64n, block: 1n, logIndex: 0n }];

function world(flow: Flow, parts: World): IndexedState {
  const chain = (name: ChainName) => ({
    latestBlock: name === flow.source ? (parts.sourceLatest ?? 200n) : 500n,
    messages: name === flow.source ? (parts.outbox ?? []) : (parts.inbox ?? []),
    anchoredStateRoots:
      name === flow.target ? (parts.anchored ?? []).map((blockHeight) => ({ blockHeight })) : [],
    gatewayProofs:
      name === flow.target
        ? (parts.proven ?? []).map((blockHeight) => ({
            gateway: flow.targetGateway,
            remoteGateway: flow.sourceGateway,
            blockHeight,
          }))
        : [],
  });
  const requests = parts.requests ?? [];
  return {
    origin: { ...chain("origin"), stakeRequests: stakeRequests(requests), workerChanges: WORKERS },
    auxiliary: { ...chain("auxiliary"), redeemRequests: redeemRequests(requests), workerChanges: WORKERS },
  };
}

const stakeRequests = (requests: (IndexedStakeRequest | IndexedRedeemRequest)[]) =>
  requests.filter((request): request is IndexedStakeRequest => "staker" in request);
const redeemRequests = (requests: (IndexedStakeRequest | IndexedRedeemRequest)[]) =>
  requests.filter((request): request is IndexedRedeemRequest => "redeemer" in request);

const REQUEST = id("request 1");
const MESSAGE = id("message 1");
const OURS: AcceptanceRecord = {
  requestHash: REQUEST,
  hashLock: OUR_LOCK,
  messageHash: MESSAGE,
  holdsSecret: true,
};

function records(intents: IntentRecord[] = [], acceptances = [OURS]): ExecutorRecords {
  return { intents, acceptances };
}

/** A decision in one line per entry, so that a table row states all of it. */
function summary(decision: Decision) {
  return {
    actions: decision.actions.map((a) => `${a.step} ${a.subject} on ${a.chain}${a.retry ? " (retry)" : ""}`),
    skips: decision.skips.map((s) => `${s.step} ${s.subject}: ${s.reason}`),
    waiting: decision.waiting.map((w) => `${w.step} ${w.subject}: ${w.for}`),
  };
}

/** The action types whose step can be one of `S` (ProgressAction's step is itself a union). */
type ActionOf<S extends Action["step"], A extends Action = Action> = A extends Action
  ? [Extract<S, A["step"]>] extends [never]
    ? never
    : A
  : never;

function only<S extends Action["step"]>(decision: Decision, step: S): ActionOf<S> {
  const matching = decision.actions.filter((action) => action.step === step);
  assert.equal(matching.length, 1, `one ${step} in ${JSON.stringify(summary(decision))}`);
  return matching[0] as ActionOf<S>;
}

const at = (chain: ChainName, height: bigint) => `${chain}@${height}`;

for (const flow of [STAKE, REDEEM]) {
  const declared = outbox(flow, MESSAGE);
  const accepted = flow.request(REQUEST, { status: "Accepted" });
  const acceptDone: IntentRecord = { subject: REQUEST, step: flow.accept, status: "confirmed" };

  describe(`${flow.name}: every step of the flow`, () => {
    const rows: {
      name: string;
      world: World;
      intents?: IntentRecord[];
      expected: ReturnType<typeof summary>;
    }[] = [
      {
        name: "a request only: accept it",
        world: { requests: [flow.request(REQUEST)] },
        expected: { actions: [`${flow.accept} ${REQUEST} on ${flow.source}`], skips: [], waiting: [] },
      },
      {
        name: "accepted, nothing anchored at or above the declaration: wait for an anchor",
        world: { requests: [accepted], outbox: [declared], anchored: [50n] },
        intents: [acceptDone],
        expected: { actions: [], skips: [], waiting: [`${flow.confirm} ${MESSAGE}: anchor`] },
      },
      {
        name: "anchored but not proven: prove the gateway at the anchored height",
        world: { requests: [accepted], outbox: [declared], anchored: [50n, 120n] },
        intents: [acceptDone],
        expected: {
          actions: [`proveGateway ${at(flow.source, 120n)} on ${flow.target}`],
          skips: [],
          waiting: [`${flow.confirm} ${MESSAGE}: proof`],
        },
      },
      {
        name: "proven but not confirmed: confirm the intent",
        world: { requests: [accepted], outbox: [declared], anchored: [50n, 120n], proven: [120n] },
        intents: [acceptDone, { subject: at(flow.source, 120n), step: "proveGateway", status: "confirmed" }],
        expected: { actions: [`${flow.confirm} ${MESSAGE} on ${flow.target}`], skips: [], waiting: [] },
      },
      {
        name: "confirmed: progress both sides at once",
        world: {
          requests: [accepted],
          outbox: [declared],
          inbox: [inbox(flow, declared, "Confirmed", 120n)],
          anchored: [120n],
          proven: [120n],
        },
        intents: [acceptDone, { subject: MESSAGE, step: flow.confirm, status: "confirmed" }],
        expected: {
          actions: [
            `${flow.progressSource} ${MESSAGE} on ${flow.source}`,
            `${flow.progressTarget} ${MESSAGE} on ${flow.target}`,
          ],
          skips: [],
          waiting: [],
        },
      },
      {
        name: "progressed on the source chain only: progress the target side",
        world: {
          outbox: [outbox(flow, MESSAGE, { status: "Progressed" })],
          inbox: [inbox(flow, declared, "Confirmed", 120n)],
        },
        expected: {
          actions: [`${flow.progressTarget} ${MESSAGE} on ${flow.target}`],
          skips: [],
          waiting: [],
        },
      },
      {
        name: "progressed on the target chain only: progress the source side",
        world: { outbox: [declared], inbox: [inbox(flow, declared, "Progressed", 120n)] },
        expected: {
          actions: [`${flow.progressSource} ${MESSAGE} on ${flow.source}`],
          skips: [],
          waiting: [],
        },
      },
      {
        name: "fully done: nothing",
        world: {
          requests: [accepted],
          outbox: [outbox(flow, MESSAGE, { status: "Progressed" })],
          inbox: [inbox(flow, declared, "Progressed", 120n)],
          anchored: [120n],
          proven: [120n],
        },
        expected: { actions: [], skips: [], waiting: [] },
      },
      {
        name: "revoked and rejected requests: nothing; a revert whose intent was never confirmed: skipped (reverts are tested in executor-reverts-decide)",
        world: {
          requests: [
            flow.request(id("revoked"), { status: "Revoked" }),
            flow.request(id("rejected"), { status: "Rejected" }),
          ],
          outbox: [outbox(flow, MESSAGE, { status: "RevocationDeclared" })],
          anchored: [120n],
        },
        expected: {
          actions: [],
          skips: [
            `${flow.name === "stake" ? "confirmRevertStakeIntent" : "confirmRevertRedeemIntent"} ${MESSAGE}: revertUnconfirmed`,
          ],
          waiting: [],
        },
      },
    ];
    for (const row of rows) {
      test(row.name, () => {
        assert.deepEqual(summary(decide(world(flow, row.world), records(row.intents), POLICY)), row.expected);
      });
    }
  });

  describe(`${flow.name}: what each action carries`, () => {
    test("accept: the request's terms, a new secret, and a re-check that the request is still open", () => {
      const decision = decide(world(flow, { requests: [flow.request(REQUEST)] }), records([], []), POLICY);
      const action = only(decision, flow.accept);
      assert.equal(action.from, POLICY.facilitator);
      assert.deepEqual(action.secret, { kind: "generate" });
      assert.equal(action.gasPrice, TERMS.gasPrice);
      assert.equal(action.gasLimit, TERMS.gasLimit);
      assert.equal(action.beneficiary, BENEFICIARY);
      assert.deepEqual(action.preconditions, [
        { check: "requestTerms", chain: flow.source, requestHash: REQUEST },
        { check: "requestOpen", chain: flow.source, requestHash: REQUEST },
      ]);
      // The gateway is the policy's (the deployment's), not the subgraph's lower-case copy.
      if (action.step === "acceptStake") {
        assert.deepEqual([action.staker, action.gateway, action.nonce], [REQUESTER, POLICY.gateway, 3n]);
      } else {
        assert.deepEqual(
          [action.redeemer, action.cogateway, action.nonce],
          [REQUESTER, POLICY.coGateway, 5n],
        );
      }
      assert.ok(!("composer" in action) && !("redeemPool" in action), "no address from the subgraph");
    });

    test("proveGateway: the target chain's gateway proves the source gateway at the anchored height", () => {
      const decision = decide(world(flow, { outbox: [declared], anchored: [120n] }), records(), POLICY);
      const action = only(decision, "proveGateway");
      assert.equal(action.chain, flow.target);
      assert.equal(action.gateway, getAddress(flow.targetGateway));
      assert.equal(action.remoteGateway, getAddress(flow.sourceGateway));
      assert.equal(action.blockHeight, 120n);
      assert.deepEqual(action.preconditions, [
        { check: "stateRootAnchored", chain: flow.target, blockHeight: 120n },
        { check: "storageRoot", chain: flow.target, blockHeight: 120n, proven: false },
      ]);
    });

    test("confirm: the message's proxy, nonce and terms, our hash lock and the proven height", () => {
      const decision = decide(
        world(flow, { outbox: [declared], anchored: [120n], proven: [120n] }),
        records(),
        POLICY,
      );
      const action = only(decision, flow.confirm);
      assert.equal(action.messageHash, MESSAGE);
      assert.equal(action.hashLock, OUR_LOCK);
      assert.equal(action.blockHeight, 120n);
      assert.equal(action.gasPrice, TERMS.gasPrice);
      if (action.step === "confirmStakeIntent") {
        assert.deepEqual(
          [action.coGateway, action.staker, action.stakerNonce],
          [POLICY.coGateway, PROXY, 3n],
        );
      } else {
        assert.deepEqual(
          [action.gateway, action.redeemer, action.redeemerNonce],
          [POLICY.gateway, PROXY, 5n],
        );
      }
      assert.deepEqual(action.preconditions, [
        { check: "storageRoot", chain: flow.target, blockHeight: 120n, proven: true },
        {
          check: "messageStatus",
          chain: flow.source,
          box: "outbox",
          messageHash: MESSAGE,
          oneOf: ["Declared"],
        },
        {
          check: "messageStatus",
          chain: flow.target,
          box: "inbox",
          messageHash: MESSAGE,
          oneOf: ["Undeclared"],
        },
      ]);
    });

    test("progress: our hash lock; the source side re-checks the confirmation before revealing the secret", () => {
      const confirmed = world(flow, {
        outbox: [declared],
        inbox: [inbox(flow, declared, "Confirmed", 120n)],
      });
      const decision = decide(confirmed, records(), POLICY);
      const source = only(decision, flow.progressSource);
      const target = only(decision, flow.progressTarget);
      assert.deepEqual(
        [source.chain, source.gateway, source.hashLock, target.chain, target.gateway, target.hashLock],
        [
          flow.source,
          getAddress(flow.sourceGateway),
          OUR_LOCK,
          flow.target,
          getAddress(flow.targetGateway),
          OUR_LOCK,
        ],
      );
      assert.deepEqual(
        source.preconditions.map((p) =>
          p.check === "messageStatus" ? `${p.chain} ${p.box} ${p.oneOf}` : p.check,
        ),
        [`${flow.source} outbox Declared`, `${flow.target} inbox Declared,Progressed`],
      );
    });

    describe("the next step builds only on our own steps once they are confirmed", () => {
      const proofMined: IntentRecord = {
        subject: at(flow.source, 120n),
        step: "proveGateway",
        status: "mined",
      };
      test("our proof is indexed but only mined: the confirmation waits for it", () => {
        const state = world(flow, { outbox: [declared], anchored: [120n], proven: [120n] });
        assert.deepEqual(summary(decide(state, records([acceptDone, proofMined]), POLICY)), {
          actions: [],
          skips: [],
          waiting: [`${flow.confirm} ${MESSAGE}: proof`],
        });
      });

      test("our accept is indexed but only mined: nothing is proven or confirmed for its message", () => {
        const state = world(flow, { outbox: [declared], anchored: [120n], proven: [120n] });
        const acceptMined: IntentRecord = { subject: REQUEST, step: flow.accept, status: "mined" };
        assert.deepEqual(summary(decide(state, records([acceptMined]), POLICY)), {
          actions: [],
          skips: [],
          waiting: [`${flow.confirm} ${MESSAGE}: finality`],
        });
      });
    });

    describe("progress waits until the confirmation has the target chain's confirmations on top", () => {
      const deep: Policy = { ...POLICY, confirmations: { origin: 5n, auxiliary: 5n } };
      // The target chain's latest indexed block is 500 in every world.
      const rows: { name: string; confirmedBlock: bigint | null; expected: ReturnType<typeof summary> }[] = [
        {
          name: "4 blocks on top of 5: both sides wait (either one reveals the secret)",
          confirmedBlock: 496n,
          expected: {
            actions: [],
            skips: [],
            waiting: [
              `${flow.progressSource} ${MESSAGE}: finality`,
              `${flow.progressTarget} ${MESSAGE}: finality`,
            ],
          },
        },
        {
          name: "5 blocks on top: both sides are offered",
          confirmedBlock: 495n,
          expected: {
            actions: [
              `${flow.progressSource} ${MESSAGE} on ${flow.source}`,
              `${flow.progressTarget} ${MESSAGE} on ${flow.target}`,
            ],
            skips: [],
            waiting: [],
          },
        },
        {
          name: "the confirmation's block not indexed: wait",
          confirmedBlock: null,
          expected: {
            actions: [],
            skips: [],
            waiting: [
              `${flow.progressSource} ${MESSAGE}: finality`,
              `${flow.progressTarget} ${MESSAGE}: finality`,
            ],
          },
        },
      ];
      for (const row of rows) {
        test(row.name, () => {
          const state = world(flow, {
            outbox: [declared],
            inbox: [{ ...inbox(flow, declared, "Confirmed", 120n), confirmedBlock: row.confirmedBlock }],
          });
          assert.deepEqual(summary(decide(state, records(), deep)), row.expected);
        });
      }

      test("both sides re-check on-chain that the confirmation holds at that depth", () => {
        const state = world(flow, {
          outbox: [declared],
          inbox: [inbox(flow, declared, "Confirmed", 120n, 400n)],
        });
        const decision = decide(state, records(), deep);
        for (const action of [only(decision, flow.progressSource), only(decision, flow.progressTarget)]) {
          assert.deepEqual(action.preconditions.at(-1), {
            check: "messageStatus",
            chain: flow.target,
            box: "inbox",
            messageHash: MESSAGE,
            oneOf: ["Declared", "Progressed"],
            depth: 5,
          });
        }
      });
    });
  });

  describe(`${flow.name}: requests the policy leaves alone`, () => {
    const rows: { name: string; terms: Partial<Terms>; reason: string }[] = [
      { name: "another gateway", terms: { gateway: OTHER_GATEWAY }, reason: "unsupportedGateway" },
      {
        name: "a composer or pool the deployment does not name (the subgraph is a hint)",
        terms: { contract: address("66") },
        reason: "untrustedInput",
      },
      {
        name: "gas price below the minimum",
        terms: { gasPrice: 10n ** 9n - 1n },
        reason: "gasPriceBelowPolicy",
      },
      { name: "gas limit below the minimum", terms: { gasLimit: 99_999n }, reason: "gasLimitBelowPolicy" },
    ];
    for (const row of rows) {
      test(row.name, () => {
        const decision = decide(
          world(flow, { requests: [flow.request(REQUEST, row.terms)] }),
          records(),
          POLICY,
        );
        assert.deepEqual(summary(decision), {
          actions: [],
          skips: [`${flow.accept} ${REQUEST}: ${row.reason}`],
          waiting: [],
        });
      });
    }

    test("the minimum itself is enough", () => {
      const atMinimum = flow.request(REQUEST, { gasPrice: POLICY.minGasPrice, gasLimit: POLICY.minGasLimit });
      assert.equal(decide(world(flow, { requests: [atMinimum] }), records(), POLICY).actions.length, 1);
    });
  });

  describe(`${flow.name}: messages this executor cannot finish`, () => {
    test("accepted by another facilitator: skipped, neither proven, confirmed nor anchored for", () => {
      const theirs = outbox(flow, MESSAGE, { hashLock: THEIR_LOCK });
      const decision = decide(
        world(flow, { requests: [accepted], outbox: [theirs], anchored: [120n], sourceLatest: 300n }),
        records([{ subject: REQUEST, step: flow.accept, status: "failed" }]),
        ANCHORING,
      );
      assert.deepEqual(summary(decision), {
        actions: [],
        skips: [`${flow.confirm} ${MESSAGE}: notAcceptedByUs`],
        waiting: [],
      });
    });

    test("accepted by us but the secret is not held: skipped", () => {
      const decision = decide(
        world(flow, { outbox: [declared], inbox: [inbox(flow, declared, "Confirmed", 120n)] }),
        records([], [{ ...OURS, holdsSecret: false }]),
        POLICY,
      );
      assert.deepEqual(summary(decision), {
        actions: [],
        skips: [`${flow.progressSource} ${MESSAGE}: secretNotHeld`],
        waiting: [],
      });
    });

    test("declared by someone else under our (public) hash lock: neither confirmed nor progressed, ours is", () => {
      // Our accept's hash lock is public once sent: anyone may declare a message of their own under
      // it. Progressing that one would reveal our secret while ours is still open.
      const reused = outbox(flow, id("their message under our hash lock"));
      const decision = decide(
        world(flow, {
          outbox: [declared, reused],
          inbox: [inbox(flow, declared, "Confirmed", 120n), inbox(flow, reused, "Confirmed", 120n)],
          anchored: [120n],
          proven: [120n],
        }),
        records([{ subject: MESSAGE, step: flow.confirm, status: "confirmed" }]),
        POLICY,
      );
      assert.deepEqual(summary(decision), {
        actions: [
          `${flow.progressSource} ${MESSAGE} on ${flow.source}`,
          `${flow.progressTarget} ${MESSAGE} on ${flow.target}`,
        ],
        skips: [`${flow.progressSource} ${reused.id}: notAcceptedByUs`],
        waiting: [],
      });
      assert.match(decision.skips[0]!.detail, /declared by someone else under the hash lock of our accept/);

      const unconfirmed = decide(
        world(flow, { outbox: [reused], anchored: [120n], proven: [120n] }),
        records(),
        POLICY,
      );
      assert.deepEqual(summary(unconfirmed), {
        actions: [],
        skips: [`${flow.confirm} ${reused.id}: notAcceptedByUs`],
        waiting: [],
      });
    });

    test("books from before the declared message was kept: the hash lock alone says ours", () => {
      const decision = decide(
        world(flow, { outbox: [declared], anchored: [120n], proven: [120n] }),
        records([], [{ ...OURS, messageHash: null }]),
        POLICY,
      );
      assert.deepEqual(summary(decision).actions, [`${flow.confirm} ${MESSAGE} on ${flow.target}`]);
    });

    test("a message at another gateway is not looked at", () => {
      const elsewhere = { ...declared, gateway: OTHER_GATEWAY };
      const decision = decide(world(flow, { outbox: [elsewhere], anchored: [120n] }), records(), POLICY);
      assert.deepEqual(summary(decision), { actions: [], skips: [], waiting: [] });
    });
  });
}

describe("choosing the proof height over several pending messages", () => {
  const flow = STAKE;
  const m100 = outbox(flow, id("declared at 100"), { declaredBlock: 100n, hashLock: id("lock 100") });
  const m110 = outbox(flow, id("declared at 110"), { declaredBlock: 110n, hashLock: id("lock 110") });
  const m130 = outbox(flow, id("declared at 130"), { declaredBlock: 130n, hashLock: id("lock 130") });
  const acceptances = [m100, m110, m130].map((m, i) => ({
    requestHash: id(`request ${i}`),
    hashLock: m.hashLock ?? "",
    messageHash: m.id,
    holdsSecret: true,
  }));
  const messages = [m100, m110, m130];
  const proof = (height: bigint, status: IntentStatus): IntentRecord => ({
    subject: at("origin", height),
    step: "proveGateway",
    status,
  });

  const rows: {
    name: string;
    anchored: bigint[];
    proven?: bigint[];
    intents?: IntentRecord[];
    expected: ReturnType<typeof summary>;
  }[] = [
    {
      name: "one proof at the highest anchored height serves every message declared at or below it",
      anchored: [90n, 105n, 115n, 125n],
      expected: {
        actions: [`proveGateway ${at("origin", 125n)} on auxiliary`],
        skips: [],
        waiting: [
          `confirmStakeIntent ${m100.id}: proof`,
          `confirmStakeIntent ${m110.id}: proof`,
          `confirmStakeIntent ${m130.id}: anchor`,
        ],
      },
    },
    {
      name: "a proven height that covers only some messages: confirm those, prove a higher one for the rest",
      anchored: [105n, 125n],
      proven: [105n],
      expected: {
        actions: [
          `confirmStakeIntent ${m100.id} on auxiliary`,
          `proveGateway ${at("origin", 125n)} on auxiliary`,
        ],
        skips: [],
        waiting: [`confirmStakeIntent ${m110.id}: proof`, `confirmStakeIntent ${m130.id}: anchor`],
      },
    },
    {
      name: "a proof in flight covers what it will cover: no second proof",
      anchored: [105n, 125n],
      intents: [proof(125n, "sent")],
      expected: {
        actions: [],
        skips: [],
        waiting: [
          `confirmStakeIntent ${m100.id}: proof`,
          `confirmStakeIntent ${m110.id}: proof`,
          `confirmStakeIntent ${m130.id}: anchor`,
        ],
      },
    },
    {
      name: "a failed proof is retried at the same height while it is not proven",
      anchored: [125n],
      intents: [proof(125n, "failed")],
      expected: {
        actions: [`proveGateway ${at("origin", 125n)} on auxiliary (retry)`],
        skips: [],
        waiting: [
          `confirmStakeIntent ${m100.id}: proof`,
          `confirmStakeIntent ${m110.id}: proof`,
          `confirmStakeIntent ${m130.id}: anchor`,
        ],
      },
    },
    {
      name: "an abandoned height is not chosen again: the next highest anchored one is",
      anchored: [105n, 115n, 125n],
      intents: [proof(125n, "abandoned")],
      expected: {
        actions: [`proveGateway ${at("origin", 115n)} on auxiliary`],
        skips: [],
        waiting: [
          `confirmStakeIntent ${m100.id}: proof`,
          `confirmStakeIntent ${m110.id}: proof`,
          `confirmStakeIntent ${m130.id}: anchor`,
        ],
      },
    },
    {
      name: "all proven: every covered message is confirmed, none proven again",
      anchored: [105n, 125n, 140n],
      proven: [105n, 125n, 140n],
      expected: {
        actions: messages.map((m) => `confirmStakeIntent ${m.id} on auxiliary`),
        skips: [],
        waiting: [],
      },
    },
  ];
  for (const row of rows) {
    test(row.name, () => {
      const state = world(flow, { outbox: messages, anchored: row.anchored, proven: row.proven ?? [] });
      assert.deepEqual(summary(decide(state, records(row.intents, acceptances), POLICY)), row.expected);
    });
  }

  test("a confirmation uses the highest proven height at or above its declaration", () => {
    const state = world(flow, { outbox: [m100], anchored: [105n, 125n], proven: [105n, 125n] });
    const action = only(decide(state, records([], acceptances), POLICY), "confirmStakeIntent");
    assert.equal(action.blockHeight, 125n);
  });

  test("a proof by anyone else at the other gateway pair does not count", () => {
    const state = world(flow, { outbox: [m100], anchored: [120n] });
    state.auxiliary.gatewayProofs.push({
      gateway: CO_GATEWAY,
      remoteGateway: OTHER_GATEWAY,
      blockHeight: 120n,
    });
    assert.deepEqual(
      decide(state, records([], acceptances), POLICY).actions.map((a) => a.step),
      ["proveGateway"],
    );
  });
});

describe("intents of ours: an effect is never attempted twice", () => {
  // Each step of the stake flow, in the state where the step is due.
  const declared = outbox(STAKE, MESSAGE);
  const due: { step: Action["step"]; subject: string; world: World }[] = [
    { step: "acceptStake", subject: REQUEST, world: { requests: [STAKE.request(REQUEST)] } },
    {
      step: "confirmStakeIntent",
      subject: MESSAGE,
      world: { outbox: [declared], anchored: [120n], proven: [120n] },
    },
    {
      step: "progressStake",
      subject: MESSAGE,
      world: { outbox: [declared], inbox: [inbox(STAKE, declared, "Progressed", 120n)] },
    },
    {
      step: "progressMint",
      subject: MESSAGE,
      world: {
        outbox: [outbox(STAKE, MESSAGE, { status: "Progressed" })],
        inbox: [inbox(STAKE, declared, "Confirmed", 120n)],
      },
    },
  ];
  const outcomes: {
    status: IntentStatus;
    expected: (step: string, subject: string) => ReturnType<typeof summary>;
  }[] = [
    ...(["planned", "sending", "sent", "mined"] as const).map((status) => ({
      status,
      expected: (step: string, subject: string) => ({
        actions: [],
        skips: [],
        waiting: [`${step} ${subject}: inFlight`],
      }),
    })),
    {
      status: "confirmed",
      expected: (step, subject) => ({ actions: [], skips: [], waiting: [`${step} ${subject}: indexing`] }),
    },
    {
      status: "abandoned",
      expected: (step, subject) => ({ actions: [], skips: [`${step} ${subject}: abandoned`], waiting: [] }),
    },
  ];
  for (const { step, subject, world: parts } of due) {
    for (const { status, expected } of outcomes) {
      test(`${step} ${status}: not sent again`, () => {
        const decision = decide(world(STAKE, parts), records([{ subject, step, status }]), POLICY);
        const sameKey = (entry: { step: string; subject: string }) =>
          entry.step === step && entry.subject === subject;
        assert.deepEqual(
          {
            actions: decision.actions.filter(sameKey),
            skips: summary({ ...decision, skips: decision.skips.filter(sameKey) }).skips,
            waiting: summary({ ...decision, waiting: decision.waiting.filter(sameKey) }).waiting,
          },
          expected(step, subject),
        );
      });
    }
    test(`${step} failed while the chain shows no effect: retried`, () => {
      const decision = decide(world(STAKE, parts), records([{ subject, step, status: "failed" }]), POLICY);
      const action = decision.actions.find((a) => a.step === step && a.subject === subject);
      assert.equal(action?.retry, true);
    });
  }

  // A proof's key is a height: the messages it covers wait on it, and an abandoned height is not
  // proven again (only a new anchor can then serve the message).
  const proofOutcomes: { status: IntentStatus; confirmWaits: string }[] = [
    ...(["planned", "sending", "sent", "mined", "confirmed"] as const).map((status) => ({
      status,
      confirmWaits: "proof",
    })),
    { status: "abandoned", confirmWaits: "anchor" },
  ];
  for (const { status, confirmWaits } of proofOutcomes) {
    test(`proveGateway ${status}: not sent again`, () => {
      const decision = decide(
        world(STAKE, { outbox: [declared], anchored: [120n] }),
        records([{ subject: at("origin", 120n), step: "proveGateway", status }]),
        POLICY,
      );
      assert.deepEqual(summary(decision), {
        actions: [],
        skips: [],
        waiting: [`confirmStakeIntent ${MESSAGE}: ${confirmWaits}`],
      });
    });
  }

  test("a failed acceptance is retried with the secret already stored for the request", () => {
    const decision = decide(
      world(STAKE, { requests: [STAKE.request(REQUEST)] }),
      records([{ subject: REQUEST, step: "acceptStake", status: "failed" }]),
      POLICY,
    );
    assert.deepEqual(only(decision, "acceptStake").secret, { kind: "reuse", hashLock: OUR_LOCK });
  });

  test("a failed acceptance after which another facilitator accepted the request: not retried", () => {
    const decision = decide(
      world(STAKE, {
        requests: [STAKE.request(REQUEST, { status: "Accepted" })],
        outbox: [outbox(STAKE, MESSAGE, { hashLock: THEIR_LOCK })],
      }),
      records([{ subject: REQUEST, step: "acceptStake", status: "failed" }]),
      POLICY,
    );
    assert.deepEqual(decision.actions, []);
  });

  test("a failed progress whose effect the chain shows: nothing", () => {
    const decision = decide(
      world(STAKE, {
        outbox: [outbox(STAKE, MESSAGE, { status: "Progressed" })],
        inbox: [inbox(STAKE, declared, "Progressed", 120n)],
      }),
      records([{ subject: MESSAGE, step: "progressStake", status: "failed" }]),
      POLICY,
    );
    assert.deepEqual(summary(decision), { actions: [], skips: [], waiting: [] });
  });
});

describe("the anchoring role", () => {
  for (const flow of [STAKE, REDEEM]) {
    const declared = outbox(flow, MESSAGE, { declaredBlock: 100n });
    const anchorAt = (height: bigint, status: IntentStatus): IntentRecord => ({
      subject: at(flow.source, height),
      step: "anchor",
      status,
    });
    const rows: {
      name: string;
      policy: Policy;
      sourceLatest: bigint;
      /** The executor's own node's head on the source chain, when read. */
      sourceNode?: bigint;
      anchored?: bigint[];
      intents?: IntentRecord[];
      anchorWait?: string;
      anchor?: bigint;
    }[] = [
      { name: "off: only wait for the organization", policy: POLICY, sourceLatest: 110n },
      {
        name: "on: anchor the newest height with enough confirmations",
        policy: ANCHORING,
        sourceLatest: 110n,
        anchor: 108n,
      },
      {
        name: "on, our node behind the subgraph: the confirmations count from the node's head",
        policy: ANCHORING,
        sourceLatest: 110n,
        sourceNode: 105n,
        anchor: 103n,
      },
      {
        name: "on, our node ahead of the subgraph: from the subgraph's head",
        policy: ANCHORING,
        sourceLatest: 110n,
        sourceNode: 115n,
        anchor: 108n,
      },
      {
        name: "on, our node too far behind for the declaration: wait for its confirmations",
        policy: ANCHORING,
        sourceLatest: 110n,
        sourceNode: 101n,
        anchorWait: `anchor ${at(flow.source, 99n)}: finality`,
      },
      {
        name: "on, the declaration too recent: wait for its confirmations",
        policy: ANCHORING,
        sourceLatest: 101n,
        anchorWait: `anchor ${at(flow.source, 99n)}: finality`,
      },
      {
        name: "on, within the cadence since the last anchor: wait",
        policy: { ...POLICY, anchoring: { confirmations: 2n, minInterval: 100n } },
        sourceLatest: 110n,
        anchored: [50n],
        anchorWait: `anchor ${at(flow.source, 108n)}: cadence`,
      },
      {
        name: "on, the cadence reached: anchor",
        policy: { ...POLICY, anchoring: { confirmations: 2n, minInterval: 50n } },
        sourceLatest: 110n,
        anchored: [50n],
        anchor: 108n,
      },
      {
        name: "on, an anchor of ours in flight: no second one",
        policy: ANCHORING,
        sourceLatest: 110n,
        intents: [anchorAt(104n, "sent")],
        anchorWait: `anchor ${at(flow.source, 104n)}: inFlight`,
      },
      {
        name: "on, our anchor confirmed but not indexed yet: wait for the subgraph",
        policy: ANCHORING,
        sourceLatest: 110n,
        anchored: [50n],
        intents: [anchorAt(104n, "confirmed")],
        anchorWait: `anchor ${at(flow.source, 104n)}: indexing`,
      },
      {
        name: "on, an old anchor of ours long indexed does not hold back a new one",
        policy: ANCHORING,
        sourceLatest: 110n,
        anchored: [50n],
        intents: [anchorAt(40n, "confirmed")],
        anchor: 108n,
      },
    ];
    for (const row of rows) {
      test(`${flow.name}: ${row.name}`, () => {
        const state = world(flow, {
          outbox: [declared],
          anchored: row.anchored ?? [],
          sourceLatest: row.sourceLatest,
        });
        if (row.sourceNode !== undefined) state[flow.source].nodeBlock = row.sourceNode;
        const decision = decide(state, records(row.intents), row.policy);
        assert.deepEqual(summary(decision), {
          actions:
            row.anchor === undefined ? [] : [`anchor ${at(flow.source, row.anchor)} on ${flow.target}`],
          skips: [],
          waiting: [`${flow.confirm} ${MESSAGE}: anchor`, ...(row.anchorWait ? [row.anchorWait] : [])],
        });
        const anchor = decision.actions.find((a) => a.step === "anchor");
        if (anchor?.step === "anchor") {
          assert.equal(anchor.source, flow.source);
          assert.deepEqual(anchor.preconditions, [
            { check: "latestAnchoredBelow", chain: flow.target, blockHeight: row.anchor },
            {
              check: "blockDepth",
              chain: flow.source,
              blockHeight: row.anchor,
              confirmations: row.policy.anchoring!.confirmations,
            },
          ]);
        }
      });
    }
  }

  test("an anchor is not made for a message that is not ours", () => {
    const theirs = outbox(STAKE, MESSAGE, { hashLock: THEIR_LOCK });
    const decision = decide(world(STAKE, { outbox: [theirs], sourceLatest: 300n }), records(), ANCHORING);
    assert.deepEqual(decision.actions, []);
  });
});

describe("both flows at once, and purity", () => {
  const stake = outbox(STAKE, id("stake message"), { hashLock: id("stake lock") });
  const redeem = outbox(REDEEM, id("redeem message"), { hashLock: id("redeem lock") });
  const state: IndexedState = {
    origin: {
      latestBlock: 300n,
      stakeRequests: stakeRequests([STAKE.request(id("new stake request"))]),
      workerChanges: WORKERS,
      messages: [stake, inbox(REDEEM, redeem, "Confirmed", 140n)],
      anchoredStateRoots: [{ blockHeight: 140n }],
      gatewayProofs: [{ gateway: GATEWAY, remoteGateway: CO_GATEWAY, blockHeight: 140n }],
    },
    auxiliary: {
      latestBlock: 400n,
      redeemRequests: redeemRequests([REDEEM.request(id("new redeem request"))]),
      workerChanges: WORKERS,
      messages: [redeem],
      anchoredStateRoots: [{ blockHeight: 120n }],
      gatewayProofs: [],
    },
  };
  const executorRecords = records(
    [],
    [
      {
        requestHash: id("stake request"),
        hashLock: id("stake lock"),
        messageHash: stake.id,
        holdsSecret: true,
      },
      {
        requestHash: id("redeem request"),
        hashLock: id("redeem lock"),
        messageHash: redeem.id,
        holdsSecret: true,
      },
    ],
  );

  test("each flow advances on its own", () => {
    assert.deepEqual(summary(decide(state, executorRecords, POLICY)).actions, [
      `acceptStake ${id("new stake request")} on origin`,
      `proveGateway ${at("origin", 120n)} on auxiliary`,
      `acceptRedeem ${id("new redeem request")} on auxiliary`,
      `progressRedeem ${redeem.id} on auxiliary`,
      `progressUnstake ${redeem.id} on origin`,
    ]);
  });

  test("the same inputs give the same decision and are not changed", () => {
    const before = structuredClone({ state, executorRecords });
    const first = decide(state, executorRecords, POLICY);
    assert.deepEqual(decide(state, executorRecords, POLICY), first);
    assert.deepEqual({ state, executorRecords }, before);
  });
});
