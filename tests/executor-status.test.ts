// The status and list views against a real development network, the embedded indexer host and real
// books on SQLite: a stake driven by hand step by step, with intents and really signed attempts
// recorded as the executor records them. The views must name the step, the intents and what the
// flow waits for, and never show the unlock secret the books hold (not even inside calldata).
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { hexlify, parseEther, randomBytes, type HDNodeWallet } from "ethers";
import { devWallet, ROLE_INDEX } from "../devnet/accounts.ts";
import { startDevNetwork, type DevNetwork } from "../devnet/network.ts";
import { openBooks, type Books } from "../executor/bookkeeping/index.ts";
import { SubgraphReader } from "../executor/feed/indexed-state.ts";
import {
  formatList,
  formatStatus,
  listFacilitations,
  statusOf,
  StatusError,
  type BooksView,
  type StatusReport,
} from "../executor/status.ts";
import { startIndexerHost, type IndexerHost } from "../indexer/host.ts";
import { mosaicSubgraphs, SUBGRAPH_NAMES } from "../subgraph/hosting.ts";
import { builtSubgraphs } from "../subgraph/cached-build.ts";
import {
  acceptStake,
  anchorOriginOnAuxiliary,
  parties,
  proveAndConfirmStake,
  requestStake,
  type DeclaredStake,
  type RequestedStake,
} from "./helpers/manual-flows.ts";

const GWEI = 10n ** 9n;
const asJson = (report: unknown) =>
  JSON.stringify(report, (_key, value: unknown) => (typeof value === "bigint" ? value.toString() : value));

describe("status and list of a stake driven by hand", { timeout: 300_000 }, () => {
  let net: DevNetwork;
  let host: IndexerHost;
  let books: Books;
  let dir: string;
  let readers: { origin: SubgraphReader; auxiliary: SubgraphReader };
  let facilitator: HDNodeWallet;
  let requested: RequestedStake;
  let stake: DeclaredStake;
  let anchoredHeight: number;
  const chainIds = { origin: 0, auxiliary: 0 };

  /** Signs a type-2 transaction with the facilitator's key at a nonce the books allocate. */
  async function signed(chain: "origin" | "auxiliary", to: string, data: string, tip = GWEI, nonce?: bigint) {
    const chainId = chainIds[chain];
    const at = nonce ?? (await books.allocateNonce({ chainId, account: facilitator.address }));
    const raw = await facilitator.signTransaction({
      type: 2,
      chainId,
      nonce: Number(at),
      to,
      data,
      gasLimit: 500_000n,
      maxPriorityFeePerGas: tip,
      maxFeePerGas: 2n * tip + 20n * GWEI,
    });
    return { raw, nonce: at };
  }

  /** planIntent, allocateNonce, recordAttempt and markBroadcast, as the transaction manager does. */
  async function send(
    subject: string,
    step: string,
    chain: "origin" | "auxiliary",
    to: string,
    data: string,
  ) {
    await books.planIntent({ subject, step, chainId: chainIds[chain], target: to, calldata: data });
    const { raw, nonce } = await signed(chain, to, data);
    const attempt = await books.recordAttempt({ subject, step }, raw);
    await books.markBroadcast(attempt.hash);
    return { attempt, nonce };
  }

  const status = async (hash: string): Promise<StatusReport> => {
    await host.syncAll();
    return statusOf(hash, { readers, books });
  };

  function assertNoSecret(text: string) {
    const secret = stake.unlockSecret.slice(2).toLowerCase();
    assert.ok(!text.toLowerCase().includes(secret), `the unlock secret appears in:\n${text}`);
  }

  before(async () => {
    const manifests = await builtSubgraphs();
    net = await startDevNetwork();
    host = await startIndexerHost({ subgraphs: mosaicSubgraphs(net.deployment, manifests, ":memory:") });
    readers = {
      origin: new SubgraphReader(host.httpUrl(SUBGRAPH_NAMES.origin)),
      auxiliary: new SubgraphReader(host.httpUrl(SUBGRAPH_NAMES.auxiliary)),
    };
    dir = mkdtempSync(path.join(os.tmpdir(), "executor-status-"));
    books = await openBooks({ url: `file:${path.join(dir, "books.sqlite")}`, passphrase: "status test" });
    facilitator = devWallet(ROLE_INDEX.facilitator);
    chainIds.origin = net.deployment.origin.chainId;
    chainIds.auxiliary = net.deployment.auxiliary.chainId;
  });
  after(async () => {
    await books?.close();
    await host?.stop();
    await net?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test("a request not accepted yet waits for acceptance; a skipped one shows the reason", async () => {
    requested = await requestStake(net, devWallet(2), {
      amount: parseEther("250"),
      beneficiary: devWallet(3).address,
      gasPrice: GWEI,
      gasLimit: 10n ** 6n,
    });
    const report = await status(requested.stakeRequestHash);
    assert.equal(report.kind, "Stake");
    assert.equal(report.stage, "requested");
    assert.equal(report.request?.status, "Requested");
    assert.equal(report.request?.chain, "origin");
    assert.equal(report.request?.amount, parseEther("250"));
    assert.equal(report.request?.proxy, requested.stakerProxy.toLowerCase());
    assert.equal(report.messageHash, null);
    assert.deepEqual(report.next, ["acceptStake"]);
    assert.deepEqual(report.waitingFor, [
      { for: "acceptance", detail: "a facilitator to accept the request (acceptStake on origin)" },
    ]);

    const cheap = await requestStake(net, devWallet(4), {
      amount: parseEther("1"),
      beneficiary: devWallet(5).address,
      gasPrice: 1n,
      gasLimit: 10n ** 6n,
    });
    await books.recordSkip(cheap.stakeRequestHash.toLowerCase(), "gasPriceBelowPolicy: offers 1 wei per gas");
    const skipped = await status(cheap.stakeRequestHash);
    assert.deepEqual(
      skipped.skips.map(({ subject, reason }) => ({ subject, reason })),
      [
        {
          subject: cheap.stakeRequestHash.toLowerCase(),
          reason: "gasPriceBelowPolicy: offers 1 wei per gas",
        },
      ],
    );
    assert.match(
      formatStatus(skipped),
      /Skips:\n {2}- 0x[0-9a-f]{64}: gasPriceBelowPolicy: offers 1 wei per gas/,
    );
  });

  test("accepted: the message is declared and waits for an anchor at or above its block", async () => {
    ({ stake } = await acceptStake(net, requested));
    const requestHash = requested.stakeRequestHash.toLowerCase();
    // What the executor does for acceptStake: the secret first, then the intent and its attempt.
    await books.storeSecret(requestHash, stake.unlockSecret);
    const { ostComposer } = parties(net).origin;
    const calldata = ostComposer.interface.encodeFunctionData("acceptStakeRequest", [
      stake.amount,
      stake.beneficiary,
      stake.gasPrice,
      stake.gasLimit,
      stake.nonce,
      stake.staker,
      net.deployment.origin.contracts.gateway,
      stake.hashLock,
    ]);
    const { attempt, nonce } = await send(
      requestHash,
      "acceptStake",
      "origin",
      net.deployment.origin.contracts.ostComposer,
      calldata,
    );
    await books.markMined(attempt.hash, BigInt(stake.declarationBlock));
    await books.markConfirmed({ subject: requestHash, step: "acceptStake" });

    for (const hash of [stake.messageHash, requested.stakeRequestHash]) {
      const report = await status(hash);
      assert.equal(report.stage, "declared");
      assert.equal(report.messageHash, stake.messageHash.toLowerCase());
      assert.equal(report.request?.status, "Accepted");
      assert.equal(report.messages.origin?.box, "Outbox");
      assert.equal(report.messages.origin?.status, "Declared");
      assert.equal(report.messages.origin?.hashLock, stake.hashLock.toLowerCase());
      assert.equal(report.messages.origin?.declaredBlock, BigInt(stake.declarationBlock));
      assert.equal(report.messages.auxiliary, null);
      assert.deepEqual(report.next, ["confirmStakeIntent"]);
      assert.deepEqual(report.waitingFor, [
        {
          for: "anchor",
          detail: `an origin state root anchored on auxiliary at or above block ${stake.declarationBlock} (highest anchored: none)`,
        },
      ]);
      assert.equal(report.intents.length, 1);
      const [intent] = report.intents;
      assert.equal(intent?.step, "acceptStake");
      assert.equal(intent?.chain, "origin");
      assert.equal(intent?.status, "confirmed");
      assert.equal(intent?.minedHash, attempt.hash);
      assert.deepEqual(
        intent?.attempts.map((item) => [item.hash, item.nonce, item.maxPriorityFeePerGas, item.status]),
        [[attempt.hash, nonce, GWEI, "mined"]],
      );
      const text = formatStatus(report);
      assert.match(text, /stage: declared: declared on origin in block \d+; no origin state root/);
      assert.match(
        text,
        new RegExp(`acceptStake of ${requestHash} on origin: confirmed, mined ${attempt.hash}`),
      );
      assert.match(
        text,
        new RegExp(`attempt ${attempt.hash} nonce ${nonce}: mined, max fee 22\\.0 gwei, tip 1\\.0 gwei`),
      );
      assertNoSecret(text);
      assertNoSecret(asJson(report));
    }
  });

  test("anchored: waits for a proof, and shows the proveGateway intent in flight", async () => {
    anchoredHeight = (await anchorOriginOnAuxiliary(net)).blockHeight;
    let report = await status(stake.messageHash);
    assert.equal(report.stage, "declared");
    assert.deepEqual(report.waitingFor, [
      {
        for: "proof",
        detail: `proveGateway on auxiliary of the origin gateway at an anchored height at or above ${stake.declarationBlock} (anchored: ${anchoredHeight})`,
      },
    ]);

    const subject = `origin@${anchoredHeight}`;
    const { coGateway } = parties(net).auxiliary;
    const { attempt } = await send(
      subject,
      "proveGateway",
      "auxiliary",
      net.deployment.auxiliary.contracts.coGateway,
      coGateway.interface.encodeFunctionData("proveGateway", [anchoredHeight, "0x01", "0x02"]),
    );
    report = await status(stake.messageHash);
    const proof = report.intents.find((intent) => intent.step === "proveGateway");
    assert.equal(proof?.subject, subject);
    assert.equal(proof?.chain, "auxiliary");
    assert.equal(proof?.status, "sent");
    assert.deepEqual(report.waitingFor.at(-1), {
      for: "inFlight",
      detail: `proveGateway on auxiliary: attempt ${attempt.hash} (nonce ${attempt.nonce}) awaits its receipt`,
    });
    // The proof lands; the executor marks it mined, then confirmed.
    await books.markMined(attempt.hash, 1n);
    await books.markConfirmed({ subject, step: "proveGateway" });
  });

  test("confirmed: progress in flight, a fee bump and a failure; the secret in calldata never shows", async () => {
    await proveAndConfirmStake(net, stake, anchoredHeight);
    const messageHash = stake.messageHash.toLowerCase();
    const { gateway } = parties(net).origin;
    const { coGateway } = parties(net).auxiliary;
    // progressStake's calldata holds the unlock secret, and so does its signed transaction.
    const progressCalldata = gateway.interface.encodeFunctionData("progressStake", [
      stake.messageHash,
      stake.unlockSecret,
    ]);
    assert.ok(progressCalldata.includes(stake.unlockSecret.slice(2).toLowerCase()));
    const { attempt: first, nonce } = await send(
      messageHash,
      "progressStake",
      "origin",
      net.deployment.origin.contracts.gateway,
      progressCalldata,
    );
    const bumped = await signed(
      "origin",
      net.deployment.origin.contracts.gateway,
      progressCalldata,
      2n * GWEI,
      nonce,
    );
    const replacement = await books.recordReplacement(first.hash, bumped.raw);
    await books.markBroadcast(replacement.hash);

    const mintCalldata = coGateway.interface.encodeFunctionData("progressMint", [
      stake.messageHash,
      stake.unlockSecret,
    ]);
    await books.planIntent({
      subject: messageHash,
      step: "progressMint",
      chainId: chainIds.auxiliary,
      target: net.deployment.auxiliary.contracts.coGateway,
      calldata: mintCalldata,
    });
    // A node error that quotes the transaction, as ethers' messages do.
    await books.markFailed(
      { subject: messageHash, step: "progressMint" },
      { kind: "dryRun:revert", message: `execution reverted (transaction={ "data": "${mintCalldata}" })` },
    );

    const report = await status(stake.messageHash);
    assert.equal(report.stage, "confirmed");
    assert.equal(report.messages.auxiliary?.box, "Inbox");
    assert.equal(report.messages.auxiliary?.status, "Confirmed");
    assert.equal(report.messages.auxiliary?.blockHeight, BigInt(anchoredHeight));
    assert.deepEqual(report.next, ["progressStake", "progressMint"]);
    assert.deepEqual(
      report.waitingFor.map((wait) => wait.for),
      ["inFlight", "retry"],
      "the intents say more than the flow's own waits",
    );
    assert.equal(
      report.waitingFor[0]?.detail,
      `progressStake on origin: attempt ${replacement.hash} (nonce ${nonce}) awaits its receipt`,
    );
    const progress = report.intents.find((intent) => intent.step === "progressStake");
    assert.deepEqual(
      progress?.attempts.map((item) => [item.hash, item.status, item.maxPriorityFeePerGas, item.replaces]),
      [
        [first.hash, "replaced", GWEI, null],
        [replacement.hash, "broadcast", 2n * GWEI, first.hash],
      ],
    );
    const mint = report.intents.find((intent) => intent.step === "progressMint");
    assert.equal(mint?.status, "failed");
    assert.equal(mint?.error?.kind, "dryRun:revert");
    assert.match(
      mint?.error?.message ?? "",
      /^execution reverted \(transaction=\{ "data": "0x…\[\d+ bytes redacted\]" \}\)$/,
    );

    const text = formatStatus(report);
    assert.match(
      text,
      /stage: confirmed: confirmed on auxiliary in block \d+ with the proof at origin height \d+/,
    );
    assert.match(
      text,
      new RegExp(`attempt ${replacement.hash} nonce ${nonce}: broadcast, .*replaces ${first.hash}`),
    );
    assertNoSecret(text);
    assertNoSecret(asJson(report));

    const list = await listFacilitations(books);
    assert.deepEqual(
      list.inFlight.map((intent) => intent.step),
      ["progressStake"],
    );
    assert.deepEqual(list.finished.map((intent) => `${intent.step}:${intent.status}`).sort(), [
      "acceptStake:confirmed",
      "progressMint:failed",
      "proveGateway:confirmed",
    ]);
    assert.equal(list.skips.length, 1);
    const listed = formatList(list);
    assert.match(listed, /^In flight \(1\):\n {2}progressStake of 0x[0-9a-f]{64} on origin: sent/);
    assertNoSecret(listed);
    assertNoSecret(asJson(list));
  });

  test("a decision made while the status is read is shown with the request it was made on", async () => {
    await host.syncAll();
    const before = await readers.origin.head();
    const late = await requestStake(net, devWallet(6), {
      amount: parseEther("1"),
      beneficiary: devWallet(7).address,
      gasPrice: GWEI,
      gasLimit: 10n ** 6n,
    });
    const subject = late.stakeRequestHash.toLowerCase();
    // The status reads the origin head as it was before the request; the executor then indexes
    // the request and decides on it before the status reads the books.
    let heads = 0;
    const origin = Object.assign(Object.create(readers.origin) as SubgraphReader, {
      head: () => (heads++ === 0 ? Promise.resolve(before) : readers.origin.head()),
    });
    let decided = false;
    const racing: BooksView = {
      intentsFor: async (hash: string) => {
        if (!decided) {
          decided = true;
          await host.syncAll();
          await books.recordSkip(subject, "insufficientFunds: base token on origin");
        }
        return books.intentsFor(hash);
      },
      inFlight: () => books.inFlight(),
      recent: (limit) => books.recent(limit),
      skips: (limit) => books.skips(limit),
    };
    const report = await statusOf(subject, { readers: { ...readers, origin }, books: racing });
    assert.ok(decided, "the books were read");
    assert.deepEqual(
      report.skips.map((skip) => skip.subject),
      [subject],
    );
    assert.equal(
      report.request?.status,
      "Requested",
      `the skip is shown without its request:\n${formatStatus(report)}`,
    );
    assert.ok(report.heads.origin > before!.number);
  });

  test("an unknown hash is reported as unknown; a malformed one is refused", async () => {
    const report = await status(hexlify(randomBytes(32)));
    assert.equal(report.stage, "unknown");
    assert.match(report.summary, /neither subgraph knows this hash \(origin indexed to block \d+/);
    assert.deepEqual(report.intents, []);
    await assert.rejects(statusOf("0x1234", { readers, books }), StatusError);
    await assert.rejects(
      statusOf(`0x${"ab".repeat(31)}", id_gt: "`, { readers, books }),
      /expected a request or message hash/,
    );
  });
});
