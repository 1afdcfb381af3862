// The revert flows in the executor's decision: a revocation declared in a source outbox is confirmed
// in the target inbox, then progressed at the source, each with a proof at a proven height at or
// above the block since which the proven status holds; whoever's message it is, since no secret is
// needed. Rows for stakes and redeems, the waits, the skips and the race a revert can lose.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, describe, test } from "node:test";
import { getAddress, id } from "ethers";
import { writeDeploymentFile } from "../chain/deployment-file.ts";
import { ConfigError, parseConfig } from "../executor/config.ts";
import { turnOrder } from "../executor/decide/leader.ts";
import { placeholderDeployment } from "../subgraph/build.ts";
import {
  decide,
  type ChainName,
  type Decision,
  type ExecutorRecords,
  type IndexedMessage,
  type IndexedState,
  type IntentRecord,
  type MessageKind,
  type MessageStatus,
  type Policy,
  type RevertAction,
} from "../executor/decide/index.ts";

const address = (byte: string) => `0x${byte.repeat(20)}`;
const GATEWAY = address("a0");
const CO_GATEWAY = address("c0");
const OTHER_GATEWAY = address("0e");
const SENDER = address("b1");
const MESSAGE = id("a directly staked or redeemed message");
const FORWARD = id("a message of ours, declared");
const OUR_LOCK = id("hash lock of our secret");

const POLICY = {
  facilitator: getAddress(address("f1")),
  gateway: getAddress(GATEWAY),
  coGateway: getAddress(CO_GATEWAY),
  composer: getAddress(address("c1")),
  redeemPool: getAddress(address("d1")),
  confirmations: { origin: 0n, auxiliary: 0n },
  minGasPrice: 1n,
  minGasLimit: 1n,
  anchoring: null,
  takeoverBlocks: 10n,
} as Policy;

interface Kind {
  kind: MessageKind;
  source: ChainName;
  target: ChainName;
  sourceGateway: string;
  targetGateway: string;
  confirm: RevertAction["step"];
  progress: RevertAction["step"];
}

const STAKE: Kind = {
  kind: "Stake",
  source: "origin",
  target: "auxiliary",
  sourceGateway: GATEWAY,
  targetGateway: CO_GATEWAY,
  confirm: "confirmRevertStakeIntent",
  progress: "progressRevertStake",
};
const REDEEM: Kind = {
  kind: "Redeem",
  source: "auxiliary",
  target: "origin",
  sourceGateway: CO_GATEWAY,
  targetGateway: GATEWAY,
  confirm: "confirmRevertRedeemIntent",
  progress: "progressRevertRedeem",
};

function message(
  flow: Kind,
  box: "Outbox" | "Inbox",
  status: MessageStatus,
  more: Partial<IndexedMessage> = {},
) {
  return {
    id: MESSAGE,
    kind: flow.kind,
    box,
    status,
    gateway: box === "Outbox" ? flow.sourceGateway : flow.targetGateway,
    sender: SENDER,
    nonce: 1n,
    beneficiary: SENDER,
    amount: 1000n,
    gasPrice: 1n,
    gasLimit: 1n,
    hashLock: id("the sender's own hash lock"),
    blockHeight: box === "Inbox" ? 110n : null,
    declaredBlock: box === "Outbox" ? 100n : null,
    confirmedBlock: box === "Inbox" ? 200n : null,
    revocationDeclaredBlock: box === "Outbox" && status !== "Declared" ? 150n : null,
    revokedBlock: box === "Inbox" && status === "Revoked" ? 300n : null,
    ...more,
  } satisfies IndexedMessage;
}

interface World {
  outbox?: IndexedMessage[];
  inbox?: IndexedMessage[];
  /** Source heights proven on the target chain, and target heights proven on the source chain. */
  provenOnTarget?: bigint[];
  provenOnSource?: bigint[];
  anchoredOnTarget?: bigint[];
  anchoredOnSource?: bigint[];
  /** The workers of both organizations; by default the facilitator alone. */
  workers?: string[];
  /** Both chains' latest indexed block; 1000 by default. */
  latestBlock?: bigint;
}

function world(flow: Kind, parts: World): IndexedState {
  const chain = (name: ChainName) => {
    const isSource = name === flow.source;
    const remote = isSource ? flow.targetGateway : flow.sourceGateway;
    const here = isSource ? flow.sourceGateway : flow.targetGateway;
    return {
      latestBlock: parts.latestBlock ?? 1000n,
      messages: (isSource ? parts.outbox : parts.inbox) ?? [],
      anchoredStateRoots: ((isSource ? parts.anchoredOnSource : parts.anchoredOnTarget) ?? []).map(
        (blockHeight) => ({ blockHeight }),
      ),
      gatewayProofs: ((isSource ? parts.provenOnSource : parts.provenOnTarget) ?? []).map((blockHeight) => ({
        gateway: here,
        remoteGateway: remote,
        blockHeight,
      })),
      workerChanges: (parts.workers ?? [POLICY.facilitator]).map((worker) => ({
        worker,
        expirationHeight: 2n ** 64n,
        block: 1n,
        logIndex: 0n,
      })),
    };
  };
  return {
    origin: { ...chain("origin"), stakeRequests: [] },
    auxiliary: { ...chain("auxiliary"), redeemRequests: [] },
  } as IndexedState;
}

/** Nothing accepted by us: reverts are done for any sender. */
const NO_RECORDS: ExecutorRecords = { intents: [], acceptances: [] };
const withIntents = (intents: IntentRecord[]): ExecutorRecords => ({ intents, acceptances: [] });

function summary(decision: Decision) {
  return {
    actions: decision.actions.map((a) => `${a.step} ${a.subject} on ${a.chain}`),
    skips: decision.skips.map((s) => `${s.step} ${s.subject}: ${s.reason}`),
    waiting: decision.waiting.map((w) => `${w.step} ${w.subject}: ${w.for}`),
  };
}

const only = (decision: Decision): RevertAction => {
  assert.equal(decision.actions.length, 1, JSON.stringify(summary(decision)));
  return decision.actions[0] as RevertAction;
};

for (const flow of [STAKE, REDEEM]) {
  describe(`revert of a ${flow.kind.toLowerCase()}`, () => {
    test(`a revocation with the intent confirmed: ${flow.confirm} on ${flow.target} at the highest proven height at or above the revocation`, () => {
      const decision = decide(
        world(flow, {
          outbox: [message(flow, "Outbox", "RevocationDeclared")],
          inbox: [message(flow, "Inbox", "Confirmed")],
          provenOnTarget: [120n, 160n, 140n],
        }),
        NO_RECORDS,
        POLICY,
      );
      const action = only(decision);
      assert.deepEqual(
        {
          step: action.step,
          subject: action.subject,
          chain: action.chain,
          gateway: action.gateway,
          remoteGateway: action.remoteGateway,
          messageHash: action.messageHash,
          blockHeight: action.blockHeight,
        },
        {
          step: flow.confirm,
          subject: MESSAGE,
          chain: flow.target,
          gateway: getAddress(flow.targetGateway),
          remoteGateway: getAddress(flow.sourceGateway),
          messageHash: MESSAGE,
          blockHeight: 160n,
        },
      );
      assert.deepEqual(action.preconditions, [
        { check: "storageRoot", chain: flow.target, blockHeight: 160n, proven: true },
        {
          check: "messageStatus",
          chain: flow.source,
          box: "outbox",
          messageHash: MESSAGE,
          oneOf: ["DeclaredRevocation"],
        },
        {
          check: "messageStatus",
          chain: flow.target,
          box: "inbox",
          messageHash: MESSAGE,
          oneOf: ["Declared"],
        },
      ]);
    });

    test("several facilitators: the first in the message's turn order completes the revert, the next after takeoverBlocks", () => {
      const others = Array.from({ length: 32 }, (_, n) => getAddress(address((0xe0 + n).toString(16))));
      const leader = others.find(
        (other) => turnOrder(MESSAGE, [other, POLICY.facilitator])[0] === other.toLowerCase(),
      );
      assert.ok(leader, "one of the candidates ranks before the facilitator");
      const at = (latestBlock: bigint) =>
        summary(
          decide(
            world(flow, {
              outbox: [message(flow, "Outbox", "RevocationDeclared")],
              inbox: [message(flow, "Inbox", "Confirmed")],
              provenOnTarget: [160n],
              workers: [leader, POLICY.facilitator],
              latestBlock,
            }),
            NO_RECORDS,
            POLICY,
          ),
        );
      // The revocation was declared at 150: our turn (position 1) comes at 150 + takeoverBlocks.
      assert.deepEqual(at(159n), { actions: [], skips: [], waiting: [`${flow.confirm} ${MESSAGE}: leader`] });
      assert.deepEqual(at(160n).actions, [`${flow.confirm} ${MESSAGE} on ${flow.target}`]);
      const outsider = decide(
        world(flow, {
          outbox: [message(flow, "Outbox", "RevocationDeclared")],
          inbox: [message(flow, "Inbox", "Confirmed")],
          provenOnTarget: [160n],
          workers: [leader],
        }),
        NO_RECORDS,
        POLICY,
      );
      assert.deepEqual(summary(outsider).skips, [`${flow.confirm} ${MESSAGE}: notAWorker`]);
    });

    test("no proven height at or above the revocation: proveGateway at the highest anchored height, one for a forward confirmation too", () => {
      const forward = {
        ...message(flow, "Outbox", "Declared"),
        id: FORWARD,
        hashLock: OUR_LOCK,
        declaredBlock: 130n,
      };
      const decision = decide(
        world(flow, {
          outbox: [message(flow, "Outbox", "RevocationDeclared"), forward],
          inbox: [message(flow, "Inbox", "Confirmed")],
          provenOnTarget: [120n],
          anchoredOnTarget: [120n, 170n],
        }),
        {
          intents: [],
          acceptances: [
            { requestHash: id("request"), hashLock: OUR_LOCK, messageHash: FORWARD, holdsSecret: true },
          ],
        },
        POLICY,
      );
      assert.deepEqual(summary(decision), {
        actions: [`proveGateway ${flow.source}@170 on ${flow.target}`],
        skips: [],
        waiting: [
          `${flow.kind === "Stake" ? "confirmStakeIntent" : "confirmRedeemIntent"} ${FORWARD}: proof`,
          `${flow.confirm} ${MESSAGE}: proof`,
        ],
      });
    });

    test("nothing anchored at or above the revocation: waits for an anchor", () => {
      const decision = decide(
        world(flow, {
          outbox: [message(flow, "Outbox", "RevocationDeclared")],
          inbox: [message(flow, "Inbox", "Confirmed")],
          provenOnTarget: [120n],
          anchoredOnTarget: [120n],
        }),
        NO_RECORDS,
        POLICY,
      );
      assert.deepEqual(summary(decision), {
        actions: [],
        skips: [],
        waiting: [`${flow.confirm} ${MESSAGE}: anchor`],
      });
    });

    test(`the revocation confirmed (inbox Revoked): ${flow.progress} on ${flow.source} with a proof of the inbox at or above its block`, () => {
      const decision = decide(
        world(flow, {
          outbox: [message(flow, "Outbox", "RevocationDeclared")],
          inbox: [message(flow, "Inbox", "Revoked")],
          provenOnTarget: [160n],
          provenOnSource: [250n, 310n],
        }),
        NO_RECORDS,
        POLICY,
      );
      const action = only(decision);
      assert.equal(action.step, flow.progress);
      assert.equal(action.chain, flow.source);
      assert.equal(action.gateway, getAddress(flow.sourceGateway));
      assert.equal(action.remoteGateway, getAddress(flow.targetGateway));
      assert.equal(action.blockHeight, 310n);
      assert.deepEqual(
        action.preconditions.map((p) =>
          p.check === "messageStatus" ? `${p.chain} ${p.box} ${p.oneOf}` : p.check,
        ),
        ["storageRoot", `${flow.target} inbox Revoked`, `${flow.source} outbox DeclaredRevocation`],
      );
    });

    test("a proof of the inbox below its revocation does not serve: proveGateway of the target at the anchored height", () => {
      const decision = decide(
        world(flow, {
          outbox: [message(flow, "Outbox", "RevocationDeclared")],
          inbox: [message(flow, "Inbox", "Revoked")],
          provenOnSource: [250n],
          anchoredOnSource: [250n, 320n],
        }),
        NO_RECORDS,
        POLICY,
      );
      assert.deepEqual(summary(decision), {
        actions: [`proveGateway ${flow.target}@320 on ${flow.source}`],
        skips: [],
        waiting: [`${flow.progress} ${MESSAGE}: proof`],
      });
    });

    test("reverted on both chains: nothing to do", () => {
      const decision = decide(
        world(flow, {
          outbox: [message(flow, "Outbox", "Revoked")],
          inbox: [message(flow, "Inbox", "Revoked")],
          provenOnTarget: [160n],
          provenOnSource: [310n],
        }),
        NO_RECORDS,
        POLICY,
      );
      assert.deepEqual(summary(decision), { actions: [], skips: [], waiting: [] });
    });

    test("the intent never confirmed on the target chain: skipped, the revocation cannot be confirmed", () => {
      const decision = decide(
        world(flow, { outbox: [message(flow, "Outbox", "RevocationDeclared")], provenOnTarget: [160n] }),
        NO_RECORDS,
        POLICY,
      );
      assert.deepEqual(summary(decision).skips, [`${flow.confirm} ${MESSAGE}: revertUnconfirmed`]);
      assert.equal(decision.actions.length, 0);
    });

    test("the race lost: progressed on the target chain before the revocation was confirmed; our failed confirmation is not retried, the source is progressed with a proof of the inbox", () => {
      const lostStep = flow.kind === "Stake" ? "progressStakeWithProof" : "progressRedeemWithProof";
      const decision = decide(
        world(flow, {
          outbox: [message(flow, "Outbox", "RevocationDeclared")],
          inbox: [message(flow, "Inbox", "Progressed", { progressedBlock: 250n })],
          provenOnTarget: [160n],
          provenOnSource: [240n, 260n],
        }),
        withIntents([{ subject: MESSAGE, step: flow.confirm, status: "failed" }]),
        POLICY,
      );
      assert.deepEqual(summary(decision), {
        actions: [`${lostStep} ${MESSAGE} on ${flow.source}`],
        skips: [`${flow.confirm} ${MESSAGE}: revertLost`],
        waiting: [],
      });
      const action = only(decision);
      assert.equal(action.gateway, getAddress(flow.sourceGateway));
      assert.equal(action.remoteGateway, getAddress(flow.targetGateway));
      assert.equal(action.blockHeight, 260n);
      assert.deepEqual(
        action.preconditions.map((p) =>
          p.check === "messageStatus" ? `${p.chain} ${p.box} ${p.oneOf}` : p.check,
        ),
        ["storageRoot", `${flow.target} inbox Progressed`, `${flow.source} outbox DeclaredRevocation`],
      );
      // Only a proof at or above the progress serves: below it, the target is proven first.
      const unproven = decide(
        world(flow, {
          outbox: [message(flow, "Outbox", "RevocationDeclared")],
          inbox: [message(flow, "Inbox", "Progressed", { progressedBlock: 250n })],
          provenOnSource: [240n],
          anchoredOnSource: [240n, 270n],
        }),
        NO_RECORDS,
        POLICY,
      );
      assert.deepEqual(summary(unproven).actions, [`proveGateway ${flow.target}@270 on ${flow.source}`]);
      assert.deepEqual(summary(unproven).waiting, [`${lostStep} ${MESSAGE}: proof`]);
    });

    test("our confirmation in flight, then confirmed but not indexed: waits, never sent twice", () => {
      const state = world(flow, {
        outbox: [message(flow, "Outbox", "RevocationDeclared")],
        inbox: [message(flow, "Inbox", "Confirmed")],
        provenOnTarget: [160n],
      });
      for (const [status, waits] of [
        ["sent", "inFlight"],
        ["confirmed", "indexing"],
      ] as const) {
        const decision = decide(
          state,
          withIntents([{ subject: MESSAGE, step: flow.confirm, status }]),
          POLICY,
        );
        assert.deepEqual(summary(decision), {
          actions: [],
          skips: [],
          waiting: [`${flow.confirm} ${MESSAGE}: ${waits}`],
        });
      }
    });

    test("another gateway's revocation, or completeReverts off: left alone", () => {
      const elsewhere = {
        outbox: [{ ...message(flow, "Outbox", "RevocationDeclared"), gateway: OTHER_GATEWAY }],
        inbox: [{ ...message(flow, "Inbox", "Confirmed"), gateway: OTHER_GATEWAY }],
        provenOnTarget: [160n],
      };
      assert.deepEqual(summary(decide(world(flow, elsewhere), NO_RECORDS, POLICY)), {
        actions: [],
        skips: [],
        waiting: [],
      });
      const ours = {
        outbox: [message(flow, "Outbox", "RevocationDeclared")],
        inbox: [message(flow, "Inbox", "Confirmed")],
        provenOnTarget: [160n],
      };
      const off = decide(world(flow, ours), NO_RECORDS, { ...POLICY, completeReverts: false });
      assert.deepEqual(summary(off), { actions: [], skips: [], waiting: [] });
    });
  });
}

describe("completeReverts in the configuration file", () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "reverts-config-"));
  const file = path.join(dir, "facilitator.json");
  writeDeploymentFile(path.join(dir, "deployment.json"), placeholderDeployment());
  const base = {
    deploymentFile: "deployment.json",
    keystore: "keystore.json",
    chains: {
      origin: { subgraph: { httpUrl: "http://127.0.0.1:8000/subgraphs/name/mosaic-origin" } },
      auxiliary: { subgraph: { httpUrl: "http://127.0.0.1:8000/subgraphs/name/mosaic-auxiliary" } },
    },
  };
  after(() => rmSync(dir, { recursive: true, force: true }));

  test("on by default, off when false, and anything else refused naming the field", () => {
    assert.equal(parseConfig(base, file).completeReverts, true);
    assert.equal(parseConfig({ ...base, completeReverts: false }, file).completeReverts, false);
    assert.throws(
      () => parseConfig({ ...base, completeReverts: "no" }, file),
      (error: Error) =>
        error instanceof ConfigError &&
        /completeReverts: expected true or false, got "no"/.test(error.message),
    );
  });
});
