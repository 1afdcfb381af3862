// The revert flows, completed by the executor with the real contracts on the development network:
// a direct staker (redeemer) declares, confirms its own intent and reverts; the executor confirms the
// revocation on the other chain and progresses it back. The value (utility) token returns to its
// sender, penalty and bounty go to the burner, and the executor pays gas only. Then a revert that
// loses the race against the staker's own progress: our confirmation reverts once and is not retried.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { after, before, test } from "node:test";
import { Interface, parseEther, parseUnits, type JsonRpcProvider } from "ethers";
import { bindAuxiliary, bindOrigin } from "../chain/mosaic-contracts.ts";
import { mosaicAbi } from "../chain/mosaic-artifacts.ts";
import { receiptOf } from "../chain/receipts.ts";
import { devWallet, ROLE_INDEX } from "../devnet/accounts.ts";
import { BURNER } from "../devnet/deploy-mosaic.ts";
import {
  confirmDirectStake,
  grantBaseToken,
  mintDirectly,
  redeemAndRevert,
  revertStake,
  stakeAndRevert,
  stakeDirectly,
  type DirectMessage,
} from "../devnet/direct-flows.ts";
import type { RunningExecutor } from "../executor/service-api.ts";
import { statusOf } from "../executor/status.ts";
import { readFacilitations } from "../stack/facilitations.ts";
import { SUBGRAPH_NAMES } from "../subgraph/hosting.ts";
import { type ExecutorStack, startExecutorStack, startLoggedExecutor } from "./helpers/executor-stack.ts";
import { graphql } from "./helpers/graphql-client.ts";

const run = promisify(execFile);
const FACILITATOR = devWallet(ROLE_INDEX.facilitator).address;
const TERMS = { gasPrice: 0n, gasLimit: 0n };
let stack: ExecutorStack;
let executor: RunningExecutor;
const lines: string[] = [];

before(async () => {
  stack = await startExecutorStack();
  executor = await startLoggedExecutor(stack.config, lines);
});
after(async () => {
  await executor?.stop();
  await stack?.stop();
});

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 120_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

async function messageStatus(chain: "origin" | "auxiliary", messageHash: string): Promise<string | null> {
  const data = await graphql<{ message: { status: string } | null }>(
    stack.host.httpUrl(SUBGRAPH_NAMES[chain]),
    `
      query ($id: ID!) {
        message(id: $id) {
          status
        }
      }
    `,
    { id: messageHash.toLowerCase() },
  );
  return data.message?.status ?? null;
}

const revoked = (chain: "origin" | "auxiliary", messageHash: string) =>
  until(`${messageHash} Revoked on ${chain}`, async () =>
    (await messageStatus(chain, messageHash)) === "Revoked" ? true : undefined,
  );

/** What an account paid in fees for its transactions in blocks (from, to]. */
async function feesPaid(
  provider: JsonRpcProvider,
  account: string,
  from: number,
  to: number,
): Promise<bigint> {
  let total = 0n;
  for (let number = from + 1; number <= to; number++) {
    const block = await provider.getBlock(number, true);
    for (const tx of block?.prefetchedTransactions ?? []) {
      if (tx.from.toLowerCase() !== account.toLowerCase()) continue;
      const receipt = await provider.getTransactionReceipt(tx.hash);
      total += receipt!.gasUsed * receipt!.gasPrice;
    }
  }
  return total;
}

/** The facilitator's gas on a chain between two blocks equals its loss of base coin there. */
async function assertPaidGasOnly(provider: JsonRpcProvider, from: number, to: number, chain: string) {
  const [before, afterwards, fees] = await Promise.all([
    provider.getBalance(FACILITATOR, from),
    provider.getBalance(FACILITATOR, to),
    feesPaid(provider, FACILITATOR, from, to),
  ]);
  assert.equal(before - afterwards, fees, `the facilitator's base coin on ${chain} went only to gas`);
}

/** The step the live view of npm start shows for a direct message (its row is the message). */
async function liveViewStep(messageHash: string): Promise<string | undefined> {
  const snapshot = await readFacilitations({
    origin: stack.host.httpUrl(SUBGRAPH_NAMES.origin),
    auxiliary: stack.host.httpUrl(SUBGRAPH_NAMES.auxiliary),
  });
  return snapshot.facilitations.find((row) => row.requestHash === messageHash.toLowerCase())?.step;
}

/** A query of docs/subgraph.md, by name, asked of one chain's subgraph. */
async function documentedQuery(
  chain: "origin" | "auxiliary",
  name: string,
  variables: Record<string, unknown> = {},
) {
  const doc = readFileSync(path.join(import.meta.dirname, "..", "docs", "subgraph.md"), "utf8");
  const query = new RegExp(`^query ${name}\\b[\\s\\S]*?^}`, "m").exec(doc)?.[0];
  assert.ok(query, `docs/subgraph.md has no query ${name}`);
  return graphql(stack.host.httpUrl(SUBGRAPH_NAMES[chain]), query, variables);
}

/** The documented Revert query on both chains: box, status and the message's events by name. */
async function documentedRevert(messageHash: string) {
  const side = async (chain: "origin" | "auxiliary") => {
    const { message } = (await documentedQuery(chain, "Revert", {
      messageHash: messageHash.toLowerCase(),
    })) as {
      message: { box: string; status: string; events: { name: string }[] };
    };
    return { box: message.box, status: message.status, events: message.events.map((event) => event.name) };
  };
  return { origin: await side("origin"), auxiliary: await side("auxiliary") };
}

async function stepsSent(messageHash: string) {
  const intents = await executor.books.intentsFor(messageHash);
  return intents.map((intent) => `${intent.step} ${intent.status} ${intent.attempts.length}`).sort();
}

/** A staker with base token for the bounty and the penalty (users are granted value token only). */
async function stakerWithBaseToken(index: number) {
  const staker = devWallet(index, stack.net.origin.provider);
  await grantBaseToken(stack.net, devWallet(ROLE_INDEX.owner), staker.address, parseEther("10"));
  return staker;
}

test(
  "a direct stake reverted by its staker: the executor confirms the revocation on auxiliary and progresses it on origin",
  { timeout: 300_000 },
  async () => {
    const { net } = stack;
    const staker = await stakerWithBaseToken(2);
    const origin = bindOrigin(net.deployment, net.origin.provider);
    const auxiliary = bindAuxiliary(net.deployment, net.auxiliary.provider);
    const gateway = net.deployment.origin.contracts.gateway;
    const balances = async () => ({
      stakerValue: await origin.valueToken.balanceOf(staker.address),
      stakerBase: await origin.baseToken.balanceOf(staker.address),
      burnerBase: await origin.baseToken.balanceOf(BURNER),
      gatewayValue: await origin.valueToken.balanceOf(gateway),
      gatewayBase: await origin.baseToken.balanceOf(gateway),
      facilitatorBase: await origin.baseToken.balanceOf(FACILITATOR),
      facilitatorValue: await origin.valueToken.balanceOf(FACILITATOR),
      beneficiaryUtility: await auxiliary.utilityToken.balanceOf(staker.address),
    });
    const start = await balances();
    const startBlocks = [
      await net.origin.provider.getBlockNumber(),
      await net.auxiliary.provider.getBlockNumber(),
    ];
    const bounty = await origin.gateway.bounty();

    const { stake, penalty } = await stakeAndRevert(net, staker, {
      amount: parseEther("100"),
      beneficiary: staker.address,
      ...TERMS,
    });
    assert.equal(penalty, (bounty * 3n) / 2n, "the penalty is 1.5 bounties");

    await revoked("origin", stake.messageHash);
    assert.deepEqual(await documentedRevert(stake.messageHash), {
      origin: {
        box: "Outbox",
        status: "Revoked",
        events: ["StakeIntentDeclared", "RevertStakeIntentDeclared", "StakeReverted"],
      },
      auxiliary: {
        box: "Inbox",
        status: "Revoked",
        events: ["StakeIntentConfirmed", "RevertStakeIntentConfirmed"],
      },
    });
    assert.equal(await messageStatus("auxiliary", stake.messageHash), "Revoked");
    const end = await balances();
    assert.deepEqual(end, {
      ...start,
      stakerBase: start.stakerBase - bounty - penalty,
      burnerBase: start.burnerBase + bounty + penalty,
    });
    assert.deepEqual(await stepsSent(stake.messageHash), [
      "confirmRevertStakeIntent confirmed 1",
      "progressRevertStake confirmed 1",
    ]);
    const endBlocks = [
      await net.origin.provider.getBlockNumber(),
      await net.auxiliary.provider.getBlockNumber(),
    ];
    await assertPaidGasOnly(net.origin.provider, startBlocks[0]!, endBlocks[0]!, "origin");
    await assertPaidGasOnly(net.auxiliary.provider, startBlocks[1]!, endBlocks[1]!, "auxiliary");

    const report = await statusOf(stake.messageHash, { readers: executor.readers, books: executor.books });
    assert.equal(report.stage, "reverted");
    assert.deepEqual(
      report.intents.map((intent) => `${intent.step} on ${intent.chain}`),
      ["confirmRevertStakeIntent on auxiliary", "progressRevertStake on origin"],
    );
    assert.equal(await liveViewStep(stake.messageHash), "reverted");
  },
);

test(
  "a direct redeem reverted by its redeemer: the executor confirms the revocation on origin and progresses it on auxiliary",
  { timeout: 300_000 },
  async () => {
    const { net } = stack;
    const redeemer = await stakerWithBaseToken(3);
    // Utility tokens for the redeem: a direct stake the staker finishes with its own secret.
    await mintDirectly(net, redeemer, { amount: parseEther("50"), beneficiary: redeemer.address, ...TERMS });

    const auxiliary = bindAuxiliary(net.deployment, net.auxiliary.provider);
    const origin = bindOrigin(net.deployment, net.origin.provider);
    const coGateway = net.deployment.auxiliary.contracts.coGateway;
    const balances = async () => ({
      redeemerUtility: await auxiliary.utilityToken.balanceOf(redeemer.address),
      utilitySupply: await auxiliary.utilityToken.totalSupply(),
      coGatewayUtility: await auxiliary.utilityToken.balanceOf(coGateway),
      coGatewayCoin: await net.auxiliary.provider.getBalance(coGateway),
      burnerCoin: await net.auxiliary.provider.getBalance(BURNER),
      beneficiaryValue: await origin.valueToken.balanceOf(redeemer.address),
      facilitatorUtility: await auxiliary.utilityToken.balanceOf(FACILITATOR),
    });
    const start = await balances();
    assert.equal(start.redeemerUtility, parseEther("50"));
    const startBlocks = [
      await net.origin.provider.getBlockNumber(),
      await net.auxiliary.provider.getBlockNumber(),
    ];
    const bounty = await auxiliary.coGateway.bounty();

    const { redeem, penalty } = await redeemAndRevert(net, redeemer, {
      amount: parseEther("40"),
      beneficiary: redeemer.address,
      ...TERMS,
    });
    assert.equal(penalty, (bounty * 3n) / 2n, "the penalty is 1.5 bounties");

    await revoked("auxiliary", redeem.messageHash);
    assert.deepEqual(await documentedRevert(redeem.messageHash), {
      origin: {
        box: "Inbox",
        status: "Revoked",
        events: ["RedeemIntentConfirmed", "RevertRedeemIntentConfirmed"],
      },
      auxiliary: {
        box: "Outbox",
        status: "Revoked",
        events: ["RedeemIntentDeclared", "RevertRedeemDeclared", "RedeemReverted"],
      },
    });
    assert.equal(await messageStatus("origin", redeem.messageHash), "Revoked");
    assert.deepEqual(await balances(), { ...start, burnerCoin: start.burnerCoin + bounty + penalty });
    assert.deepEqual(await stepsSent(redeem.messageHash), [
      "confirmRevertRedeemIntent confirmed 1",
      "progressRevertRedeem confirmed 1",
    ]);
    const endBlocks = [
      await net.origin.provider.getBlockNumber(),
      await net.auxiliary.provider.getBlockNumber(),
    ];
    await assertPaidGasOnly(net.origin.provider, startBlocks[0]!, endBlocks[0]!, "origin");
    await assertPaidGasOnly(net.auxiliary.provider, startBlocks[1]!, endBlocks[1]!, "auxiliary");

    const report = await statusOf(redeem.messageHash, { readers: executor.readers, books: executor.books });
    assert.equal(report.stage, "reverted");
    assert.deepEqual(
      report.intents.map((intent) => `${intent.step} on ${intent.chain}`),
      ["confirmRevertRedeemIntent on origin", "progressRevertRedeem on auxiliary"],
    );
    assert.equal(await liveViewStep(redeem.messageHash), "reverted");
  },
);

const coGatewayAbi = new Interface(mosaicAbi("EIP20CoGateway"));

/** Our confirmRevertStakeIntent waiting in auxiliary's mempool (mining is off), if it is there. */
async function pendingConfirmRevert(
  provider: JsonRpcProvider,
  messageHash: string,
): Promise<string | undefined> {
  const pool = (await provider.send("txpool_content", [])) as {
    pending: Record<string, Record<string, { hash: string; input: string }>>;
  };
  const selector = coGatewayAbi.getFunction("confirmRevertStakeIntent")!.selector;
  for (const [from, byNonce] of Object.entries(pool.pending)) {
    if (from.toLowerCase() !== FACILITATOR.toLowerCase()) continue;
    for (const tx of Object.values(byNonce)) {
      if (tx.input.startsWith(selector) && tx.input.includes(messageHash.slice(2).toLowerCase()))
        return tx.hash;
    }
  }
  return undefined;
}

test(
  "the staker reveals its secret on auxiliary while our confirmRevertStakeIntent is in flight: ours reverts once, is not retried, the status says the revert lost, and origin is progressed with a proof for the bounty",
  { timeout: 300_000 },
  async () => {
    const { net } = stack;
    const aux = net.auxiliary.provider;
    const staker = await stakerWithBaseToken(4);
    const stake: DirectMessage = await stakeDirectly(net, staker, {
      amount: parseEther("30"),
      beneficiary: staker.address,
      ...TERMS,
    });
    await confirmDirectStake(net, staker, stake);

    // Auxiliary mines only when told: our confirmation is held in the mempool once broadcast.
    await aux.send("evm_setAutomine", [false]);
    let ours: string | undefined;
    try {
      await revertStake(net, staker, stake);
      // Blocks are mined for the executor's way up to the step (anchors, the proof), but not once it
      // has planned our confirmation: a block mined while it is being sent would take it out of the
      // pool before this race can be run. After 15 s held, mining resumes in case it waits for one.
      let heldSince: number | undefined;
      ours = await until("our confirmRevertStakeIntent in auxiliary's mempool", async () => {
        const pending = await pendingConfirmRevert(aux, stake.messageHash);
        if (pending !== undefined) return pending;
        const planned = (
          await Promise.all(
            [stake.messageHash, stake.messageHash.toLowerCase()].map((subject) =>
              executor.books.intentsFor(subject),
            ),
          )
        )
          .flat()
          .some((intent) => intent.step === "confirmRevertStakeIntent");
        if (planned) heldSince ??= Date.now();
        if (heldSince === undefined || Date.now() - heldSince > 15_000) await aux.send("evm_mine", []);
        return undefined;
      });
      // The staker's progressMint pays a higher tip: it is mined first, in the same block. Its gas
      // is not estimated: the estimate runs on the pending state, where our confirmation is in.
      const asStaker = bindAuxiliary(net.deployment, staker.connect(aux)).coGateway;
      const reveal = await asStaker.progressMint(stake.messageHash, stake.unlockSecret, {
        gasLimit: 500_000n,
        maxPriorityFeePerGas: parseUnits("100", "gwei"),
        maxFeePerGas: parseUnits("1000", "gwei"),
      });
      // Origin mines nothing from now until the lost revert's view is checked: no auxiliary root
      // at or above the progress reaches origin, so the progress with a proof waits for one.
      await net.origin.provider.send("evm_setAutomine", [false]);
      await aux.send("evm_mine", []);
      assert.equal((await receiptOf(aux, reveal.hash)).status, 1, "the staker's progressMint succeeds");
      assert.equal(
        (await aux.getTransactionReceipt(ours))?.status,
        0,
        "our confirmRevertStakeIntent reverts",
      );
    } finally {
      await aux.send("evm_setAutomine", [true]);
    }

    const subject = stake.messageHash.toLowerCase();
    await until("the revertLost skip in the books", async () =>
      (await executor.books.skips(1000)).some(
        (skip) => skip.subject.toLowerCase() === subject && skip.reason.startsWith("revertLost"),
      )
        ? true
        : undefined,
    );
    // Several more decisions, and still the one attempt, failed.
    const seen = new Set<string>();
    await until("five more decisions", async () => {
      const at = executor.health().lastDecisionAt;
      if (at !== null) seen.add(at);
      await aux.send("evm_mine", []);
      return seen.size >= 5 ? true : undefined;
    });
    const intents = await executor.books.intentsFor(stake.messageHash);
    const confirm = intents.filter((intent) => intent.step === "confirmRevertStakeIntent");
    assert.equal(confirm.length, 1);
    assert.equal(confirm[0]!.attempts.length, 1, "sent once");
    assert.equal(confirm[0]!.attempts[0]!.hash.toLowerCase(), ours.toLowerCase());
    assert.ok(["failed", "abandoned"].includes(confirm[0]!.status), `intent ${confirm[0]!.status}`);
    assert.equal(intents.filter((intent) => intent.step === "progressRevertStake").length, 0);

    const report = await statusOf(stake.messageHash, { readers: executor.readers, books: executor.books });
    assert.equal(report.stage, "revertLost");
    assert.match(report.summary, /progressed on auxiliary/);
    assert.deepEqual(report.next, ["progressStakeWithProof"]);
    const underway = (await documentedQuery("origin", "RevertsUnderway")) as { messages: { id: string }[] };
    assert.ok(
      underway.messages.some((message) => message.id === subject),
      "RevertsUnderway lists it",
    );
    assert.deepEqual((await documentedRevert(stake.messageHash)).auxiliary, {
      box: "Inbox",
      status: "Progressed",
      events: ["StakeIntentConfirmed", "MintProgressed"],
    });
    assert.equal(await liveViewStep(stake.messageHash), "revert lost");

    // Origin mines again: the executor proves auxiliary's inbox (Progressed) on origin and progresses
    // the stake there with that proof, which the gateway allows from DeclaredRevocation: the value
    // goes to the stake vault and the bounty to the executor, nothing stays held in the gateway.
    const origin = bindOrigin(net.deployment, net.origin.provider);
    const baseBefore = await origin.baseToken.balanceOf(FACILITATOR);
    await net.origin.provider.send("evm_setAutomine", [true]);
    await net.origin.provider.send("evm_mine", []);
    await until("the stake progressed on origin", async () =>
      (await messageStatus("origin", stake.messageHash)) === "Progressed" ? true : undefined,
    );
    assert.equal(await origin.gateway.getOutboxMessageStatus(stake.messageHash), 2n, "Progressed");
    assert.equal(
      (await origin.baseToken.balanceOf(FACILITATOR)) - baseBefore,
      await origin.gateway.bounty(),
      "the executor earned the bounty",
    );
    const withProof = (await executor.books.intentsFor(stake.messageHash)).filter(
      (intent) => intent.step === "progressStakeWithProof",
    );
    assert.deepEqual(
      withProof.map((intent) => [intent.status, intent.attempts.length]),
      [["confirmed", 1]],
    );
    const done = await statusOf(stake.messageHash, { readers: executor.readers, books: executor.books });
    assert.equal(done.stage, "progressed");
    assert.equal(await liveViewStep(stake.messageHash), "complete");
  },
);

test(
  "npm run devnet:reverts makes a reverted direct stake and redeem, which the executor completes",
  { timeout: 300_000 },
  async () => {
    const { stdout } = await run(
      "npm",
      [
        "run",
        "--silent",
        "devnet:reverts",
        "--",
        "--deployment-file",
        path.join(stack.dir, "deployment.json"),
      ],
      { cwd: path.resolve(import.meta.dirname, "..") },
    );
    const stake = /^stake (0x[0-9a-f]{64}) reverted/m.exec(stdout)?.[1];
    const redeem = /^redeem (0x[0-9a-f]{64}) reverted/m.exec(stdout)?.[1];
    assert.ok(stake && redeem, `the script names both messages: ${stdout}`);
    await revoked("origin", stake);
    await revoked("auxiliary", redeem);
    assert.equal(await messageStatus("auxiliary", stake), "Revoked");
    assert.equal(await messageStatus("origin", redeem), "Revoked");
  },
);
