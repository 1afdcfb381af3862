// A user who goes to the gateways directly instead of through the OSTComposer or the RedeemPool:
// gateway.stake / coGateway.redeem with their own hash lock and the bounty, the confirmation of
// their own intent on the other chain, and the revert (revertStake / revertRedeem) that only the
// message's sender may declare. Messages made through the composer or the pool cannot be reverted
// at all: their sender is the StakerProxy or RedeemerProxy, and neither proxy has a function that
// calls revertStake or revertRedeem (see docs/executor-decisions.md, "Reverts"). The devnet's demo
// and the revert tests produce reverts through these; the facilitator then completes them.
import { hexlify, keccak256, randomBytes, type BaseWallet, type JsonRpcProvider } from "ethers";
import { anchorContract, latestAnchoredHeight } from "../chain/anchoring.ts";
import { bindAuxiliary, bindOrigin, emittedEvent } from "../chain/mosaic-contracts.ts";
import {
  buildGatewayProof,
  buildMessageProof,
  provenStorageRoot,
  type ProofSource,
} from "../chain/proofs.ts";
import { mined } from "../chain/receipts.ts";
import type { MosaicChains, Request } from "./user-requests.ts";

/** A message declared by its sender directly at a gateway; the sender holds the secret. */
export interface DirectMessage extends Request {
  sender: string;
  nonce: bigint;
  messageHash: string;
  declaredBlock: number;
  unlockSecret: string;
  hashLock: string;
}

function newSecret(): { unlockSecret: string; hashLock: string } {
  const unlockSecret = hexlify(randomBytes(32));
  return { unlockSecret, hashLock: keccak256(unlockSecret) };
}

/**
 * Staker: approve the amount (value token) and the bounty (base token) to the gateway, then
 * gateway.stake. The staker must hold both tokens.
 */
export async function stakeDirectly(
  net: MosaicChains,
  staker: BaseWallet,
  request: Request,
): Promise<DirectMessage> {
  const origin = bindOrigin(net.deployment, staker.connect(net.origin.provider));
  const gateway = net.deployment.origin.contracts.gateway;
  const bounty = await origin.gateway.bounty();
  await mined(origin.valueToken.approve(gateway, request.amount));
  await mined(origin.baseToken.approve(gateway, bounty));
  const nonce = await origin.gateway.getNonce(staker.address);
  const { unlockSecret, hashLock } = newSecret();
  const receipt = await mined(
    origin.gateway.stake(
      request.amount,
      request.beneficiary,
      request.gasPrice,
      request.gasLimit,
      nonce,
      hashLock,
    ),
  );
  const declared = await emittedEvent(receipt, origin.gateway, "StakeIntentDeclared");
  return {
    ...request,
    sender: staker.address,
    nonce,
    messageHash: declared.args._messageHash as string,
    declaredBlock: receipt.blockNumber,
    unlockSecret,
    hashLock,
  };
}

/** Redeemer: approve the amount (utility token) to the cogateway, then coGateway.redeem with the bounty. */
export async function redeemDirectly(
  net: MosaicChains,
  redeemer: BaseWallet,
  request: Request,
): Promise<DirectMessage> {
  const auxiliary = bindAuxiliary(net.deployment, redeemer.connect(net.auxiliary.provider));
  const bounty = await auxiliary.coGateway.bounty();
  await mined(auxiliary.utilityToken.approve(net.deployment.auxiliary.contracts.coGateway, request.amount));
  const nonce = await auxiliary.coGateway.getNonce(redeemer.address);
  const { unlockSecret, hashLock } = newSecret();
  const receipt = await mined(
    auxiliary.coGateway.redeem(
      request.amount,
      request.beneficiary,
      request.gasPrice,
      request.gasLimit,
      nonce,
      hashLock,
      {
        value: bounty,
      },
    ),
  );
  const declared = await emittedEvent(receipt, auxiliary.coGateway, "RedeemIntentDeclared");
  return {
    ...request,
    sender: redeemer.address,
    nonce,
    messageHash: declared.args._messageHash as string,
    declaredBlock: receipt.blockNumber,
    unlockSecret,
    hashLock,
  };
}

/** Both chains with JSON-RPC providers: the proofs come from eth_getProof. */
export interface ProvingChains {
  deployment: MosaicChains["deployment"];
  origin: { provider: JsonRpcProvider };
  auxiliary: { provider: JsonRpcProvider };
}

/**
 * The outbox proof a direct sender needs on the other chain: waits until a height at or above the
 * declaration is anchored there (the organization's anchorer anchors), proves the source gateway at
 * that height unless it is proven already, and proves the message Declared in the outbox.
 */
async function outboxProof(
  net: ProvingChains,
  source: "origin" | "auxiliary",
  sender: BaseWallet,
  message: DirectMessage,
  timeoutMs: number,
): Promise<{ height: number; rlpParentNodes: string }> {
  const target = source === "origin" ? "auxiliary" : "origin";
  const targetProvider = net[target].provider;
  const verifier =
    target === "auxiliary"
      ? bindAuxiliary(net.deployment, sender.connect(targetProvider)).coGateway
      : bindOrigin(net.deployment, sender.connect(targetProvider)).gateway;
  const proofSource: ProofSource = {
    provider: net[source].provider,
    gateway:
      source === "origin"
        ? net.deployment.origin.contracts.gateway
        : net.deployment.auxiliary.contracts.coGateway,
    anchor: { address: net.deployment[target].contracts.anchor, provider: targetProvider },
  };
  const anchor = anchorContract(proofSource.anchor.address, targetProvider);
  const deadline = Date.now() + timeoutMs;
  let height = await latestAnchoredHeight(anchor);
  while (height < message.declaredBlock) {
    if (Date.now() > deadline) {
      throw new Error(
        `no ${source} height at or above block ${message.declaredBlock} was anchored on ${target} within ${timeoutMs} ms: is an anchorer running?`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
    height = await latestAnchoredHeight(anchor);
  }
  const verifierAddress = await verifier.getAddress();
  if (BigInt(await provenStorageRoot(targetProvider, verifierAddress, height)) === 0n) {
    const proof = await buildGatewayProof(proofSource, height);
    await mined(verifier.proveGateway(height, proof.rlpAccount, proof.rlpParentNodes));
  }
  const proof = await buildMessageProof(
    proofSource,
    "outbox",
    message.messageHash,
    height,
    "Declared",
    await provenStorageRoot(targetProvider, verifierAddress, height),
  );
  return { height, rlpParentNodes: proof.rlpParentNodes };
}

/** Staker: confirmStakeIntent of the direct stake on auxiliary, which its revert needs first. */
export async function confirmDirectStake(
  net: ProvingChains,
  staker: BaseWallet,
  stake: DirectMessage,
  timeoutMs = 60_000,
): Promise<void> {
  const { height, rlpParentNodes } = await outboxProof(net, "origin", staker, stake, timeoutMs);
  const { coGateway } = bindAuxiliary(net.deployment, staker.connect(net.auxiliary.provider));
  await mined(
    coGateway.confirmStakeIntent(
      stake.sender,
      stake.nonce,
      stake.beneficiary,
      stake.amount,
      stake.gasPrice,
      stake.gasLimit,
      stake.hashLock,
      height,
      rlpParentNodes,
    ),
  );
}

/** Redeemer: confirmRedeemIntent of the direct redeem on origin (blockHeight before hashLock). */
export async function confirmDirectRedeem(
  net: ProvingChains,
  redeemer: BaseWallet,
  redeem: DirectMessage,
  timeoutMs = 60_000,
): Promise<void> {
  const { height, rlpParentNodes } = await outboxProof(net, "auxiliary", redeemer, redeem, timeoutMs);
  const { gateway } = bindOrigin(net.deployment, redeemer.connect(net.origin.provider));
  await mined(
    gateway.confirmRedeemIntent(
      redeem.sender,
      redeem.nonce,
      redeem.beneficiary,
      redeem.amount,
      redeem.gasPrice,
      redeem.gasLimit,
      height,
      redeem.hashLock,
      rlpParentNodes,
    ),
  );
}

/** Staker: approve the penalty (base token) to the gateway and revertStake. Returns the penalty. */
export async function revertStake(
  net: MosaicChains,
  staker: BaseWallet,
  stake: DirectMessage,
): Promise<bigint> {
  const origin = bindOrigin(net.deployment, staker.connect(net.origin.provider));
  const penalty = await origin.gateway.penalty(stake.messageHash);
  await mined(origin.baseToken.approve(net.deployment.origin.contracts.gateway, penalty));
  await mined(origin.gateway.revertStake(stake.messageHash));
  return penalty;
}

/** Redeemer: revertRedeem with the penalty (base coin) as value. Returns the penalty. */
export async function revertRedeem(
  net: MosaicChains,
  redeemer: BaseWallet,
  redeem: DirectMessage,
): Promise<bigint> {
  const { coGateway } = bindAuxiliary(net.deployment, redeemer.connect(net.auxiliary.provider));
  const penalty = await coGateway.penalty(redeem.messageHash);
  await mined(coGateway.revertRedeem(redeem.messageHash, { value: penalty }));
  return penalty;
}

/**
 * Base token for a direct staker's bounty and penalty, minted by the deployment's owner (users of
 * the development network are granted value token only). The owner also anchors: a send that loses
 * its nonce to an anchor is sent again, after a pause of random length (the anchorer sends on a
 * timer; tried again at once, CI saw five sends in a row lose).
 */
export async function grantBaseToken(
  net: MosaicChains,
  owner: BaseWallet,
  to: string,
  amount: bigint,
  attempts = 8,
): Promise<void> {
  const { baseToken } = bindOrigin(net.deployment, owner.connect(net.origin.provider));
  for (let attempt = 1; ; attempt++) {
    try {
      await mined(baseToken.mint(to, amount));
      return;
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (attempt >= attempts || (code !== "NONCE_EXPIRED" && code !== "REPLACEMENT_UNDERPRICED"))
        throw error;
      await new Promise((resolve) => setTimeout(resolve, 100 + Math.random() * 400));
    }
  }
}

/** A direct stake confirmed on auxiliary and then reverted by its staker; the facilitator completes it. */
export async function stakeAndRevert(
  net: ProvingChains,
  staker: BaseWallet,
  request: Request,
): Promise<{ stake: DirectMessage; penalty: bigint }> {
  const stake = await stakeDirectly(net, staker, request);
  await confirmDirectStake(net, staker, stake);
  return { stake, penalty: await revertStake(net, staker, stake) };
}

/**
 * Utility tokens for a direct redeem: a direct stake to the staker itself, confirmed and progressed
 * on both chains with the staker's own secret.
 */
export async function mintDirectly(
  net: ProvingChains,
  staker: BaseWallet,
  request: Request,
): Promise<DirectMessage> {
  const stake = await stakeDirectly(net, staker, request);
  await confirmDirectStake(net, staker, stake);
  const { coGateway } = bindAuxiliary(net.deployment, staker.connect(net.auxiliary.provider));
  const { gateway } = bindOrigin(net.deployment, staker.connect(net.origin.provider));
  await mined(coGateway.progressMint(stake.messageHash, stake.unlockSecret));
  await mined(gateway.progressStake(stake.messageHash, stake.unlockSecret));
  return stake;
}

/** A direct redeem confirmed on origin and then reverted by its redeemer; the facilitator completes it. */
export async function redeemAndRevert(
  net: ProvingChains,
  redeemer: BaseWallet,
  request: Request,
): Promise<{ redeem: DirectMessage; penalty: bigint }> {
  const redeem = await redeemDirectly(net, redeemer, request);
  await confirmDirectRedeem(net, redeemer, redeem);
  return { redeem, penalty: await revertRedeem(net, redeemer, redeem) };
}
