// Both Mosaic flows driven by hand against the real contracts on two anvil chains, with proofs from
// eth_getProof verified by the contracts themselves.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { parseEther } from "ethers";
import { messageHash } from "../chain/message-hashes.ts";
import { provenStorageRoot } from "../chain/proofs.ts";
import { devWallet, ROLE_INDEX } from "../devnet/accounts.ts";
import { startDevNetwork, type DevNetwork } from "../devnet/network.ts";
import {
  anchorAuxiliaryOnOrigin,
  anchorOriginOnAuxiliary,
  parties,
  progressRedeemAndUnstake,
  progressStakeAndMint,
  proveAndConfirmRedeem,
  proveAndConfirmStake,
  requestAndAcceptRedeem,
  requestAndAcceptStake,
} from "./helpers/manual-flows.ts";

const PROGRESSED = 2n;

describe("flows driven by hand on the development network", () => {
  let net: DevNetwork;
  before(async () => {
    net = await startDevNetwork();
  });
  after(async () => {
    await net?.stop();
  });

  test("stake and mint: request, accept, anchor, prove, confirm, progress on both chains", async () => {
    const { origin, auxiliary, facilitatorOnOrigin } = parties(net);
    const facilitator = facilitatorOnOrigin.address;
    const staker = devWallet(2);
    const beneficiary = devWallet(3).address;
    const request = { amount: parseEther("500"), beneficiary, gasPrice: 10n ** 9n, gasLimit: 10n ** 6n };
    const vault = await origin.gateway.stakeVault();
    const baseBefore = await origin.baseToken.balanceOf(facilitator);

    const { stake, bounty } = await requestAndAcceptStake(net, staker, request);
    assert.ok(bounty > 0n, "the development gateway has a non-zero bounty");
    assert.equal(await origin.baseToken.balanceOf(facilitator), baseBefore - bounty, "bounty deposited");
    assert.equal(await origin.gateway.getOutboxMessageStatus(stake.messageHash), 1n, "declared on origin");
    // The executor computes the hash the accept declares, to know that message from others under
    // the same (public) hash lock.
    assert.equal(
      messageHash("stake", {
        ...stake,
        gateway: net.deployment.origin.contracts.gateway,
        sender: stake.stakerProxy,
      }),
      stake.messageHash.toLowerCase(),
    );

    const anchored = await anchorOriginOnAuxiliary(net);
    assert.ok(anchored.blockHeight >= stake.declarationBlock);
    assert.equal(
      BigInt(
        await provenStorageRoot(
          net.auxiliary.provider,
          net.deployment.auxiliary.contracts.coGateway,
          anchored.blockHeight,
        ),
      ),
      0n,
    );
    const { proven, confirmed, gatewayProof } = await proveAndConfirmStake(net, stake, anchored.blockHeight);
    assert.equal(proven.args._wasAlreadyProved, false);
    assert.equal(
      await provenStorageRoot(
        net.auxiliary.provider,
        net.deployment.auxiliary.contracts.coGateway,
        anchored.blockHeight,
      ),
      gatewayProof.storageRoot,
      "the cogateway holds the proven storage root where provenStorageRoot reads it",
    );
    assert.equal(confirmed.args._messageHash, stake.messageHash, "the same message hash on both chains");
    assert.equal(
      await auxiliary.coGateway.getInboxMessageStatus(stake.messageHash),
      1n,
      "declared in the inbox",
    );

    const { stakeProgressed, mintProgressed } = await progressStakeAndMint(net, stake);
    assert.equal(stakeProgressed.args._unlockSecret, stake.unlockSecret);
    const reward = mintProgressed.args._rewardAmount as bigint;
    const minted = mintProgressed.args._mintedAmount as bigint;
    assert.ok(
      reward > 0n && reward <= request.gasPrice * request.gasLimit,
      `reward ${reward} within the gas limit`,
    );
    assert.equal(minted, request.amount - reward, "minted = stake - reward");
    assert.equal(
      await auxiliary.utilityToken.balanceOf(beneficiary),
      minted,
      "beneficiary holds the minted amount",
    );
    assert.equal(await auxiliary.utilityToken.balanceOf(facilitator), reward, "facilitator got its reward");
    assert.equal(
      await origin.baseToken.balanceOf(facilitator),
      baseBefore,
      "facilitator got its bounty back",
    );
    assert.equal(
      await origin.valueToken.balanceOf(vault),
      request.amount,
      "value tokens sit in the stake vault",
    );
    assert.equal(await origin.gateway.getOutboxMessageStatus(stake.messageHash), PROGRESSED);
    assert.equal(await auxiliary.coGateway.getInboxMessageStatus(stake.messageHash), PROGRESSED);
  });

  test("redeem and unstake: request, accept, anchor, prove, confirm, progress on both chains", async () => {
    const { origin, auxiliary, facilitatorOnOrigin, facilitatorOnAuxiliary } = parties(net);
    const facilitator = facilitatorOnOrigin.address;
    // The redeemer first gets utility tokens the only way there is: a stake of its own.
    const redeemer = devWallet(4);
    const stakeAmount = parseEther("300");
    const { stake } = await requestAndAcceptStake(net, devWallet(5), {
      amount: stakeAmount,
      beneficiary: redeemer.address,
      gasPrice: 0n,
      gasLimit: 0n,
    });
    const { blockHeight } = await anchorOriginOnAuxiliary(net);
    await proveAndConfirmStake(net, stake, blockHeight);
    await progressStakeAndMint(net, stake);
    assert.equal(
      await auxiliary.utilityToken.balanceOf(redeemer.address),
      stakeAmount,
      "no reward at gas price 0",
    );

    const beneficiary = devWallet(6).address;
    const request = { amount: parseEther("120"), beneficiary, gasPrice: 10n ** 9n, gasLimit: 10n ** 6n };
    const vault = await origin.gateway.stakeVault();
    const vaultBefore = await origin.valueToken.balanceOf(vault);
    const valueBefore = await origin.valueToken.balanceOf(facilitator);
    const beneficiaryBefore = await origin.valueToken.balanceOf(beneficiary);
    const supplyBefore = await auxiliary.utilityToken.totalSupply();
    const coinBefore = await net.auxiliary.provider.getBalance(facilitator);

    const { redeem, bounty } = await requestAndAcceptRedeem(net, redeemer, request);
    assert.ok(bounty > 0n, "the development cogateway has a non-zero bounty");
    assert.equal(
      await auxiliary.coGateway.getOutboxMessageStatus(redeem.messageHash),
      1n,
      "declared on auxiliary",
    );
    assert.equal(
      messageHash("redeem", {
        ...redeem,
        gateway: net.deployment.auxiliary.contracts.coGateway,
        sender: redeem.redeemerProxy,
      }),
      redeem.messageHash.toLowerCase(),
    );
    assert.equal(await auxiliary.utilityToken.balanceOf(redeemer.address), stakeAmount - request.amount);

    const anchored = await anchorAuxiliaryOnOrigin(net);
    assert.ok(anchored.blockHeight >= redeem.declarationBlock);
    const { proven, confirmed } = await proveAndConfirmRedeem(net, redeem, anchored.blockHeight);
    assert.equal(proven.args._wasAlreadyProved, false);
    assert.equal(confirmed.args._messageHash, redeem.messageHash, "the same message hash on both chains");

    const coinBeforeProgress = await net.auxiliary.provider.getBalance(facilitator);
    const { redeemReceipt, redeemProgressed, unstakeProgressed } = await progressRedeemAndUnstake(
      net,
      redeem,
    );
    assert.equal(redeemProgressed.args._unlockSecret, redeem.unlockSecret);
    const reward = unstakeProgressed.args._rewardAmount as bigint;
    const unstaked = unstakeProgressed.args._unstakeAmount as bigint;
    assert.ok(
      reward > 0n && reward <= request.gasPrice * request.gasLimit,
      `reward ${reward} within the gas limit`,
    );
    assert.equal(unstaked, request.amount - reward, "unstaked = redeemed - reward");
    assert.equal(
      await origin.valueToken.balanceOf(beneficiary),
      beneficiaryBefore + unstaked,
      "beneficiary received the unstaked amount",
    );
    assert.equal(
      await origin.valueToken.balanceOf(facilitator),
      valueBefore + reward,
      "facilitator got its reward",
    );
    assert.equal(
      await origin.valueToken.balanceOf(vault),
      vaultBefore - request.amount,
      "released from the vault",
    );
    assert.equal(
      await auxiliary.utilityToken.totalSupply(),
      supplyBefore - request.amount,
      "redeemed tokens burnt",
    );
    // The bounty comes back in the auxiliary base coin with progressRedeem, less that call's gas.
    const gasCost = redeemReceipt.gasUsed * redeemReceipt.gasPrice;
    const coinAfter = await net.auxiliary.provider.getBalance(facilitator);
    assert.equal(coinAfter, coinBeforeProgress + bounty - gasCost, "facilitator got its bounty back");
    assert.ok(coinAfter < coinBefore, "the facilitator paid gas for accept, prove and confirm");
    assert.equal(await auxiliary.coGateway.getOutboxMessageStatus(redeem.messageHash), PROGRESSED);
    assert.equal(await origin.gateway.getInboxMessageStatus(redeem.messageHash), PROGRESSED);
    assert.equal(facilitatorOnAuxiliary.address, devWallet(ROLE_INDEX.facilitator).address);
  });
});
