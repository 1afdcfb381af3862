// The Mosaic subgraphs, built by graph build and run by the embedded host against the development
// network: after each step of both flows, the entities on each chain say exactly what happened.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { parseEther } from "ethers";
import { devWallet } from "../devnet/accounts.ts";
import { startDevNetwork, type DevNetwork } from "../devnet/network.ts";
import { startIndexerHost, type IndexerHost } from "../indexer/host.ts";
import { mosaicSubgraphs, SUBGRAPH_NAMES } from "../subgraph/hosting.ts";
import { builtSubgraphs } from "../subgraph/cached-build.ts";
import { graphql } from "./helpers/graphql-client.ts";
import {
  acceptRedeem,
  acceptStake,
  anchorAuxiliaryOnOrigin,
  anchorOriginOnAuxiliary,
  progressRedeemAndUnstake,
  progressStakeAndMint,
  proveAndConfirmRedeem,
  proveAndConfirmStake,
  requestRedeem,
  requestStake,
} from "./helpers/manual-flows.ts";

type Row = Record<string, unknown>;
const lower = (value: string) => value.toLowerCase();

const MESSAGE_FIELDS = `id kind box status gateway sender nonce beneficiary amount gasPrice gasLimit hashLock
  unlockSecret progressedWithProof rewardAmount mintedAmount unstakedAmount blockHeight requester
  declaredBlock confirmedBlock progressedBlock events(orderBy: block) { name }`;

describe("indexing both flows on the development network", { timeout: 300_000 }, () => {
  let net: DevNetwork;
  let host: IndexerHost;
  const origin = async (query: string, variables?: Row) => {
    await host.syncAll();
    return graphql<Row>(host.httpUrl(SUBGRAPH_NAMES.origin), query, variables);
  };
  const auxiliary = async (query: string, variables?: Row) => {
    await host.syncAll();
    return graphql<Row>(host.httpUrl(SUBGRAPH_NAMES.auxiliary), query, variables);
  };
  const message = async (chain: typeof origin, id: string) =>
    (await chain(`query($id: ID!) { message(id: $id) { ${MESSAGE_FIELDS} } }`, { id: lower(id) }))
      .message as Row;

  before(async () => {
    const manifests = await builtSubgraphs();
    net = await startDevNetwork();
    host = await startIndexerHost({ subgraphs: mosaicSubgraphs(net.deployment, manifests, ":memory:") });
  });
  after(async () => {
    await host?.stop();
    await net?.stop();
  });

  test("stake and mint", async () => {
    const staker = devWallet(2);
    const beneficiary = devWallet(3).address;
    const requested = await requestStake(net, staker, {
      amount: parseEther("250"),
      beneficiary,
      gasPrice: 10n ** 9n,
      gasLimit: 10n ** 6n,
    });
    const requestQuery = `query($id: ID!) { stakeRequest(id: $id) {
      status amount beneficiary staker stakerProxy nonce gasPrice gasLimit requestedBlock acceptedBlock
      message { id status } } }`;
    let request = (await origin(requestQuery, { id: lower(requested.stakeRequestHash) })).stakeRequest as Row;
    assert.deepEqual(request, {
      status: "Requested",
      amount: parseEther("250").toString(),
      beneficiary: lower(beneficiary),
      staker: lower(staker.address),
      stakerProxy: lower(requested.stakerProxy),
      nonce: "0",
      gasPrice: String(10n ** 9n),
      gasLimit: String(10n ** 6n),
      requestedBlock: request.requestedBlock,
      acceptedBlock: null,
      message: null,
    });
    assert.ok(Number(request.requestedBlock) > 0);

    const { stake } = await acceptStake(net, requested);
    request = (await origin(requestQuery, { id: lower(requested.stakeRequestHash) })).stakeRequest as Row;
    assert.equal(request.status, "Accepted");
    assert.equal(request.acceptedBlock, String(stake.declarationBlock));
    assert.deepEqual(request.message, { id: lower(stake.messageHash), status: "Declared" });
    let onOrigin = await message(origin, stake.messageHash);
    assert.equal(onOrigin.kind, "Stake");
    assert.equal(onOrigin.box, "Outbox");
    assert.equal(onOrigin.sender, lower(stake.stakerProxy));
    assert.equal(onOrigin.hashLock, lower(stake.hashLock), "hash lock read from the gateway at that block");
    assert.equal(onOrigin.gasPrice, String(10n ** 9n));
    assert.equal(onOrigin.requester, lower(staker.address));
    assert.equal(onOrigin.declaredBlock, String(stake.declarationBlock));
    assert.equal(onOrigin.unlockSecret, null);
    assert.equal(
      (await message(auxiliary, stake.messageHash)) ?? null,
      null,
      "not on auxiliary before confirm",
    );

    const anchored = await anchorOriginOnAuxiliary(net);
    const roots = (
      await auxiliary(
        `query($h: BigInt!) { anchoredStateRoots(where: { blockHeight: $h }) { stateRoot anchor } }`,
        {
          h: String(anchored.blockHeight),
        },
      )
    ).anchoredStateRoots as Row[];
    assert.deepEqual(roots, [
      { stateRoot: anchored.stateRoot, anchor: lower(net.deployment.auxiliary.contracts.anchor) },
    ]);

    const { gatewayProof } = await proveAndConfirmStake(net, stake, anchored.blockHeight);
    const proofs = (
      await auxiliary(`{ gatewayProofs { blockHeight storageRoot wasAlreadyProved remoteGateway } }`)
    ).gatewayProofs as Row[];
    assert.deepEqual(proofs, [
      {
        blockHeight: String(anchored.blockHeight),
        storageRoot: gatewayProof.storageRoot,
        wasAlreadyProved: false,
        remoteGateway: lower(net.deployment.origin.contracts.gateway),
      },
    ]);
    let onAuxiliary = await message(auxiliary, stake.messageHash);
    assert.equal(onAuxiliary.box, "Inbox");
    assert.equal(onAuxiliary.status, "Confirmed");
    assert.equal(onAuxiliary.blockHeight, String(anchored.blockHeight));
    assert.equal(onAuxiliary.hashLock, lower(stake.hashLock));
    assert.equal(onAuxiliary.amount, parseEther("250").toString());

    const { mintProgressed } = await progressStakeAndMint(net, stake);
    onOrigin = await message(origin, stake.messageHash);
    onAuxiliary = await message(auxiliary, stake.messageHash);
    assert.equal(onOrigin.status, "Progressed");
    assert.equal(onOrigin.unlockSecret, lower(stake.unlockSecret));
    assert.equal(onOrigin.progressedWithProof, false);
    assert.equal(onAuxiliary.status, "Progressed");
    assert.equal(onAuxiliary.unlockSecret, lower(stake.unlockSecret));
    assert.equal(onAuxiliary.mintedAmount, String(mintProgressed.args._mintedAmount));
    assert.equal(onAuxiliary.rewardAmount, String(mintProgressed.args._rewardAmount));
    assert.deepEqual(
      (onOrigin.events as Row[]).map((event) => event.name),
      ["StakeIntentDeclared", "StakeProgressed"],
    );
    assert.deepEqual(
      (onAuxiliary.events as Row[]).map((event) => event.name),
      ["StakeIntentConfirmed", "MintProgressed"],
    );
  });

  test("redeem and unstake", async () => {
    // The redeemer holds utility tokens from the stake above (beneficiary #3).
    const redeemer = devWallet(3);
    const beneficiary = devWallet(6).address;
    const requested = await requestRedeem(net, redeemer, {
      amount: parseEther("100"),
      beneficiary,
      gasPrice: 10n ** 9n,
      gasLimit: 10n ** 6n,
    });
    const requestQuery = `query($id: ID!) { redeemRequest(id: $id) { status redeemer redeemerProxy amount message { id } } }`;
    assert.deepEqual(
      (await auxiliary(requestQuery, { id: lower(requested.redeemRequestHash) })).redeemRequest,
      {
        status: "Requested",
        redeemer: lower(redeemer.address),
        redeemerProxy: lower(requested.redeemerProxy),
        amount: parseEther("100").toString(),
        message: null,
      },
    );

    const { redeem } = await acceptRedeem(net, requested);
    assert.deepEqual(
      (await auxiliary(requestQuery, { id: lower(requested.redeemRequestHash) })).redeemRequest,
      {
        status: "Accepted",
        redeemer: lower(redeemer.address),
        redeemerProxy: lower(requested.redeemerProxy),
        amount: parseEther("100").toString(),
        message: { id: lower(redeem.messageHash) },
      },
    );
    let onAuxiliary = await message(auxiliary, redeem.messageHash);
    assert.equal(onAuxiliary.kind, "Redeem");
    assert.equal(onAuxiliary.box, "Outbox");
    assert.equal(onAuxiliary.status, "Declared");
    assert.equal(onAuxiliary.hashLock, lower(redeem.hashLock));

    const anchored = await anchorAuxiliaryOnOrigin(net);
    const roots = (
      await origin(`query($h: BigInt!) { anchoredStateRoots(where: { blockHeight: $h }) { stateRoot } }`, {
        h: String(anchored.blockHeight),
      })
    ).anchoredStateRoots as Row[];
    assert.deepEqual(roots, [{ stateRoot: anchored.stateRoot }]);

    await proveAndConfirmRedeem(net, redeem, anchored.blockHeight);
    let onOrigin = await message(origin, redeem.messageHash);
    assert.equal(onOrigin.box, "Inbox");
    assert.equal(onOrigin.status, "Confirmed");
    assert.equal(onOrigin.blockHeight, String(anchored.blockHeight));
    assert.equal(onOrigin.beneficiary, lower(beneficiary));

    const { unstakeProgressed } = await progressRedeemAndUnstake(net, redeem);
    onOrigin = await message(origin, redeem.messageHash);
    onAuxiliary = await message(auxiliary, redeem.messageHash);
    assert.equal(onOrigin.status, "Progressed");
    assert.equal(onOrigin.unlockSecret, lower(redeem.unlockSecret));
    assert.equal(onOrigin.unstakedAmount, String(unstakeProgressed.args._unstakeAmount));
    assert.equal(onOrigin.rewardAmount, String(unstakeProgressed.args._rewardAmount));
    assert.equal(onAuxiliary.status, "Progressed");
    assert.equal(onAuxiliary.unlockSecret, lower(redeem.unlockSecret));

    const meta = (await origin(`{ _meta { block { number hash } hasIndexingErrors deployment } }`))
      ._meta as Row;
    assert.equal(meta.hasIndexingErrors, false);
    assert.equal((meta.block as Row).number, await net.origin.provider.getBlockNumber());
  });
});
