// Both Mosaic flows driven by hand, contract call by contract call, on a development network:
// what the executor will later decide and send by itself.
import { hexlify, keccak256, randomBytes, type HDNodeWallet } from "ethers";
import { anchorStateRoot } from "../../chain/anchoring.ts";
import { mined } from "../../chain/receipts.ts";
import {
  bindAuxiliary,
  bindOrigin,
  emittedEvent,
  type AuxiliaryBinding,
  type OriginBinding,
} from "../../chain/mosaic-contracts.ts";
import { buildGatewayProof, buildMessageProof, type ProofSource } from "../../chain/proofs.ts";
import { devWallet, ROLE_INDEX } from "../../devnet/accounts.ts";
import type { DevNetwork } from "../../devnet/network.ts";
import {
  requestRedeem,
  requestStake,
  type Request,
  type RequestedRedeem,
  type RequestedStake,
} from "../../devnet/user-requests.ts";

export { requestRedeem, requestStake, type Request, type RequestedRedeem, type RequestedStake };

export interface Parties {
  facilitatorOnOrigin: HDNodeWallet;
  facilitatorOnAuxiliary: HDNodeWallet;
  origin: OriginBinding;
  auxiliary: AuxiliaryBinding;
}

export function parties(net: DevNetwork): Parties {
  const facilitatorOnOrigin = devWallet(ROLE_INDEX.facilitator, net.origin.provider);
  const facilitatorOnAuxiliary = devWallet(ROLE_INDEX.facilitator, net.auxiliary.provider);
  return {
    facilitatorOnOrigin,
    facilitatorOnAuxiliary,
    origin: bindOrigin(net.deployment, facilitatorOnOrigin),
    auxiliary: bindAuxiliary(net.deployment, facilitatorOnAuxiliary),
  };
}

/** The origin gateway as seen from the auxiliary Anchor, and the reverse. */
export function originGatewaySource(net: DevNetwork): ProofSource {
  return {
    provider: net.origin.provider,
    gateway: net.deployment.origin.contracts.gateway,
    anchor: { address: net.deployment.auxiliary.contracts.anchor, provider: net.auxiliary.provider },
  };
}

export function auxiliaryCoGatewaySource(net: DevNetwork): ProofSource {
  return {
    provider: net.auxiliary.provider,
    gateway: net.deployment.auxiliary.contracts.coGateway,
    anchor: { address: net.deployment.origin.contracts.anchor, provider: net.origin.provider },
  };
}

export function newSecret(): { unlockSecret: string; hashLock: string } {
  const unlockSecret = hexlify(randomBytes(32));
  return { unlockSecret, hashLock: keccak256(unlockSecret) };
}

export interface DeclaredStake extends RequestedStake {
  messageHash: string;
  declarationBlock: number;
  unlockSecret: string;
  hashLock: string;
}

/** Facilitator: approve the bounty to the composer and acceptStakeRequest with a new hash lock. */
export async function acceptStake(net: DevNetwork, requested: RequestedStake) {
  const { origin } = parties(net);
  const bounty = await origin.gateway.bounty();
  if (bounty > 0n) await mined(origin.baseToken.approve(net.deployment.origin.contracts.ostComposer, bounty));
  const { unlockSecret, hashLock } = newSecret();
  const acceptance = await mined(
    origin.ostComposer.acceptStakeRequest(
      requested.amount,
      requested.beneficiary,
      requested.gasPrice,
      requested.gasLimit,
      requested.nonce,
      requested.staker,
      net.deployment.origin.contracts.gateway,
      hashLock,
    ),
  );
  const declared = await emittedEvent(acceptance, origin.gateway, "StakeIntentDeclared");
  const stake: DeclaredStake = {
    ...requested,
    messageHash: declared.args._messageHash as string,
    declarationBlock: acceptance.blockNumber,
    unlockSecret,
    hashLock,
  };
  return { stake, bounty };
}

export async function requestAndAcceptStake(net: DevNetwork, staker: HDNodeWallet, request: Request) {
  return acceptStake(net, await requestStake(net, staker, request));
}

/** Anchors origin's head on the auxiliary Anchor: a height at or above every declaration so far. */
export async function anchorOriginOnAuxiliary(net: DevNetwork) {
  return anchorStateRoot(net.origin.provider, {
    anchorAddress: net.deployment.auxiliary.contracts.anchor,
    signer: devWallet(ROLE_INDEX.owner, net.auxiliary.provider),
  });
}

export async function anchorAuxiliaryOnOrigin(net: DevNetwork) {
  return anchorStateRoot(net.auxiliary.provider, {
    anchorAddress: net.deployment.origin.contracts.anchor,
    signer: devWallet(ROLE_INDEX.owner, net.origin.provider),
  });
}

/** proveGateway on the auxiliary chain, then confirmStakeIntent, at one anchored height. */
export async function proveAndConfirmStake(net: DevNetwork, stake: DeclaredStake, height: number) {
  const { auxiliary } = parties(net);
  const source = originGatewaySource(net);
  const gatewayProof = await buildGatewayProof(source, height);
  const proven = await emittedEvent(
    await mined(
      auxiliary.coGateway.proveGateway(height, gatewayProof.rlpAccount, gatewayProof.rlpParentNodes),
    ),
    auxiliary.coGateway,
    "GatewayProven",
  );
  const messageProof = await buildMessageProof(source, "outbox", stake.messageHash, height);
  const confirmed = await emittedEvent(
    await mined(
      auxiliary.coGateway.confirmStakeIntent(
        stake.stakerProxy,
        stake.nonce,
        stake.beneficiary,
        stake.amount,
        stake.gasPrice,
        stake.gasLimit,
        stake.hashLock,
        height,
        messageProof.rlpParentNodes,
      ),
    ),
    auxiliary.coGateway,
    "StakeIntentConfirmed",
  );
  return { gatewayProof, proven, confirmed };
}

/** progressStake on origin and progressMint on auxiliary, sent at the same time. */
export async function progressStakeAndMint(net: DevNetwork, stake: DeclaredStake) {
  const { origin, auxiliary } = parties(net);
  const [stakeReceipt, mintReceipt] = await Promise.all([
    mined(origin.gateway.progressStake(stake.messageHash, stake.unlockSecret)),
    mined(auxiliary.coGateway.progressMint(stake.messageHash, stake.unlockSecret)),
  ]);
  return {
    stakeProgressed: await emittedEvent(stakeReceipt, origin.gateway, "StakeProgressed"),
    mintProgressed: await emittedEvent(mintReceipt, auxiliary.coGateway, "MintProgressed"),
  };
}

export interface DeclaredRedeem extends RequestedRedeem {
  messageHash: string;
  declarationBlock: number;
  unlockSecret: string;
  hashLock: string;
}

/** Facilitator: acceptRedeemRequest with a new hash lock, paying the bounty in the base coin. */
export async function acceptRedeem(net: DevNetwork, requested: RequestedRedeem) {
  const { auxiliary } = parties(net);
  const bounty = await auxiliary.coGateway.bounty();
  const { unlockSecret, hashLock } = newSecret();
  const acceptance = await mined(
    auxiliary.redeemPool.acceptRedeemRequest(
      requested.amount,
      requested.beneficiary,
      requested.gasPrice,
      requested.gasLimit,
      requested.nonce,
      requested.redeemer,
      net.deployment.auxiliary.contracts.coGateway,
      hashLock,
      { value: bounty },
    ),
  );
  const declared = await emittedEvent(acceptance, auxiliary.coGateway, "RedeemIntentDeclared");
  const redeem: DeclaredRedeem = {
    ...requested,
    messageHash: declared.args._messageHash as string,
    declarationBlock: acceptance.blockNumber,
    unlockSecret,
    hashLock,
  };
  return { redeem, bounty };
}

export async function requestAndAcceptRedeem(net: DevNetwork, redeemer: HDNodeWallet, request: Request) {
  return acceptRedeem(net, await requestRedeem(net, redeemer, request));
}

/** proveGateway on origin, then confirmRedeemIntent (height before hash lock, unlike stakes). */
export async function proveAndConfirmRedeem(net: DevNetwork, redeem: DeclaredRedeem, height: number) {
  const { origin } = parties(net);
  const source = auxiliaryCoGatewaySource(net);
  const gatewayProof = await buildGatewayProof(source, height);
  const proven = await emittedEvent(
    await mined(origin.gateway.proveGateway(height, gatewayProof.rlpAccount, gatewayProof.rlpParentNodes)),
    origin.gateway,
    "GatewayProven",
  );
  const messageProof = await buildMessageProof(source, "outbox", redeem.messageHash, height);
  const confirmed = await emittedEvent(
    await mined(
      origin.gateway.confirmRedeemIntent(
        redeem.redeemerProxy,
        redeem.nonce,
        redeem.beneficiary,
        redeem.amount,
        redeem.gasPrice,
        redeem.gasLimit,
        height,
        redeem.hashLock,
        messageProof.rlpParentNodes,
      ),
    ),
    origin.gateway,
    "RedeemIntentConfirmed",
  );
  return { gatewayProof, proven, confirmed };
}

/** progressRedeem on auxiliary and progressUnstake on origin, sent at the same time. */
export async function progressRedeemAndUnstake(net: DevNetwork, redeem: DeclaredRedeem) {
  const { origin, auxiliary } = parties(net);
  const [redeemReceipt, unstakeReceipt] = await Promise.all([
    mined(auxiliary.coGateway.progressRedeem(redeem.messageHash, redeem.unlockSecret)),
    mined(origin.gateway.progressUnstake(redeem.messageHash, redeem.unlockSecret)),
  ]);
  return {
    redeemReceipt,
    redeemProgressed: await emittedEvent(redeemReceipt, auxiliary.coGateway, "RedeemProgressed"),
    unstakeProgressed: await emittedEvent(unstakeReceipt, origin.gateway, "UnstakeProgressed"),
  };
}
