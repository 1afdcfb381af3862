// `facilitator status` for a redeem, driven by hand step by step against a real development
// network and the embedded indexer host: at each step the view names the stage, both chains'
// messages, the next step and what the flow waits for, with the redeem's own chains and steps (the
// mirror image of a stake's).
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { parseEther } from "ethers";
import { devWallet } from "../devnet/accounts.ts";
import { startDevNetwork, type DevNetwork } from "../devnet/network.ts";
import { openBooks, type Books } from "../executor/bookkeeping/index.ts";
import { SubgraphReader } from "../executor/feed/indexed-state.ts";
import { formatStatus, statusOf, type StatusReport } from "../executor/status.ts";
import { startIndexerHost, type IndexerHost } from "../indexer/host.ts";
import { builtSubgraphs } from "../subgraph/cached-build.ts";
import { mosaicSubgraphs, SUBGRAPH_NAMES } from "../subgraph/hosting.ts";
import {
  acceptRedeem,
  anchorAuxiliaryOnOrigin,
  anchorOriginOnAuxiliary,
  progressRedeemAndUnstake,
  progressStakeAndMint,
  proveAndConfirmRedeem,
  proveAndConfirmStake,
  requestAndAcceptStake,
  requestRedeem,
  type DeclaredRedeem,
  type RequestedRedeem,
} from "./helpers/manual-flows.ts";

const GWEI = 10n ** 9n;

describe("status of a redeem driven by hand", { timeout: 300_000 }, () => {
  let net: DevNetwork;
  let host: IndexerHost;
  let books: Books;
  let dir: string;
  let readers: { origin: SubgraphReader; auxiliary: SubgraphReader };
  let requested: RequestedRedeem;
  let redeem: DeclaredRedeem;
  let anchoredHeight: number;

  const status = async (hash: string): Promise<StatusReport> => {
    await host.syncAll();
    return statusOf(hash, { readers, books });
  };

  before(async () => {
    const manifests = await builtSubgraphs();
    net = await startDevNetwork();
    host = await startIndexerHost({ subgraphs: mosaicSubgraphs(net.deployment, manifests, ":memory:") });
    readers = {
      origin: new SubgraphReader(host.httpUrl(SUBGRAPH_NAMES.origin)),
      auxiliary: new SubgraphReader(host.httpUrl(SUBGRAPH_NAMES.auxiliary)),
    };
    dir = mkdtempSync(path.join(os.tmpdir(), "executor-status-redeem-"));
    books = await openBooks({ url: `file:${path.join(dir, "books.sqlite")}`, passphrase: "status test" });
    // The redeemer gets utility tokens the only way there is: a stake of its own.
    const redeemer = devWallet(4);
    const { stake } = await requestAndAcceptStake(net, devWallet(5), {
      amount: parseEther("300"),
      beneficiary: redeemer.address,
      gasPrice: 0n,
      gasLimit: 0n,
    });
    const { blockHeight } = await anchorOriginOnAuxiliary(net);
    await proveAndConfirmStake(net, stake, blockHeight);
    await progressStakeAndMint(net, stake);
  });
  after(async () => {
    await books?.close();
    await host?.stop();
    await net?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test("requested on auxiliary: waits for a facilitator to accept it at the RedeemPool", async () => {
    requested = await requestRedeem(net, devWallet(4), {
      amount: parseEther("120"),
      beneficiary: devWallet(6).address,
      gasPrice: GWEI,
      gasLimit: 10n ** 6n,
    });
    const report = await status(requested.redeemRequestHash);
    assert.equal(report.kind, "Redeem");
    assert.equal(report.stage, "requested");
    assert.equal(report.request?.chain, "auxiliary");
    assert.equal(report.request?.status, "Requested");
    assert.equal(report.request?.amount, parseEther("120"));
    assert.equal(report.request?.proxy, requested.redeemerProxy.toLowerCase());
    assert.equal(report.messageHash, null);
    assert.deepEqual(report.next, ["acceptRedeem"]);
    assert.deepEqual(report.waitingFor, [
      { for: "acceptance", detail: "a facilitator to accept the request (acceptRedeem on auxiliary)" },
    ]);
  });

  test("accepted: declared in the cogateway's outbox, waits for an auxiliary root on origin", async () => {
    ({ redeem } = await acceptRedeem(net, requested));
    for (const hash of [redeem.messageHash, requested.redeemRequestHash]) {
      const report = await status(hash);
      assert.equal(report.kind, "Redeem");
      assert.equal(report.stage, "declared");
      assert.equal(report.messageHash, redeem.messageHash.toLowerCase());
      assert.equal(report.request?.status, "Accepted");
      assert.equal(report.messages.auxiliary?.box, "Outbox");
      assert.equal(report.messages.auxiliary?.status, "Declared");
      assert.equal(report.messages.auxiliary?.declaredBlock, BigInt(redeem.declarationBlock));
      assert.equal(report.messages.origin, null);
      assert.deepEqual(report.next, ["confirmRedeemIntent"]);
      assert.equal(report.waitingFor[0]?.for, "anchor");
      assert.match(report.waitingFor[0]!.detail, /an auxiliary state root anchored on origin/);
      assert.match(formatStatus(report), /stage: declared: declared on auxiliary in block \d+/);
    }
  });

  test("anchored: waits for a proof of the cogateway on origin", async () => {
    anchoredHeight = (await anchorAuxiliaryOnOrigin(net)).blockHeight;
    const report = await status(redeem.messageHash);
    assert.equal(report.stage, "declared");
    assert.equal(report.waitingFor[0]?.for, "proof");
    assert.match(report.waitingFor[0]!.detail, /proveGateway on origin/);
    assert.match(report.waitingFor[0]!.detail, new RegExp(`anchored: ${anchoredHeight}`));
  });

  test("confirmed on origin, then progressed on both chains", async () => {
    await proveAndConfirmRedeem(net, redeem, anchoredHeight);
    let report = await status(redeem.messageHash);
    assert.equal(report.stage, "confirmed");
    assert.equal(report.messages.origin?.box, "Inbox");
    assert.equal(report.messages.origin?.status, "Confirmed");
    assert.deepEqual(report.next.sort(), ["progressRedeem", "progressUnstake"]);

    await progressRedeemAndUnstake(net, redeem);
    report = await status(redeem.messageHash);
    assert.equal(report.stage, "progressed");
    // The message hash leads to the request even with the origin inbox (no request link) indexed.
    assert.equal(report.request?.hash, requested.redeemRequestHash.toLowerCase());
    assert.equal(report.messages.auxiliary?.status, "Progressed");
    assert.equal(report.messages.origin?.status, "Progressed");
    assert.deepEqual(report.next, []);
    assert.deepEqual(report.waitingFor, []);
  });
});
