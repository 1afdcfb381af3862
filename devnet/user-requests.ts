// What a user of Mosaic does: ask the OSTComposer to stake, or the RedeemPool to redeem, paying the
// facilitator through the request's gasPrice and gasLimit. The development network's demo and the
// tests send requests through these.
import type { BaseWallet, Provider } from "ethers";
import { gatewayPairs, type Deployment, type GatewayPair } from "../chain/deployment-file.ts";
import {
  bindAuxiliary,
  bindOrigin,
  bindPairOnAuxiliary,
  bindPairOnOrigin,
  emittedEvent,
} from "../chain/mosaic-contracts.ts";
import { mined } from "../chain/receipts.ts";

/** A deployment and a provider per chain: a development network, or any chains. */
export interface MosaicChains {
  deployment: Deployment;
  origin: { provider: Provider };
  auxiliary: { provider: Provider };
}

export interface Request {
  amount: bigint;
  beneficiary: string;
  gasPrice: bigint;
  gasLimit: bigint;
}

export interface RequestedStake extends Request {
  staker: string;
  stakerProxy: string;
  nonce: bigint;
  stakeRequestHash: string;
}

export interface RequestedRedeem extends Request {
  redeemer: string;
  redeemerProxy: string;
  nonce: bigint;
  redeemRequestHash: string;
}

/**
 * A request's gas limit, as wallets set it: the estimate plus a quarter. With the bare estimate, a
 * few of hundreds of requests sent at once were mined with status 0 after using about what the
 * estimate gives (735,000 gas for a first request, which deploys the proxy; 117,000 for a later
 * one): the estimate, made against the state before the block, did not always hold in it.
 */
function withMargin(estimate: bigint): bigint {
  return (estimate * 5n) / 4n;
}

/** Staker: approve the pair's value token to the composer and requestStake at the pair's gateway. */
export async function requestStake(
  net: MosaicChains,
  staker: BaseWallet,
  request: Request,
  pair: GatewayPair = gatewayPairs(net.deployment)[0]!,
): Promise<RequestedStake> {
  const origin = bindOrigin(net.deployment, net.origin.provider);
  const asStaker = bindOrigin(net.deployment, staker.connect(net.origin.provider));
  const valueToken = bindPairOnOrigin(pair, staker.connect(net.origin.provider)).valueToken;
  await mined(valueToken.approve(net.deployment.origin.contracts.ostComposer, request.amount));
  const gateway = bindPairOnOrigin(pair, net.origin.provider).gateway;
  const nonce = await gateway.getNonce(await origin.ostComposer.stakerProxies(staker.address));
  const args = [
    request.amount,
    request.beneficiary,
    request.gasPrice,
    request.gasLimit,
    nonce,
    pair.gateway,
  ] as const;
  const gasLimit = withMargin(await asStaker.ostComposer.requestStake.estimateGas(...args));
  const requested = await emittedEvent(
    await mined(asStaker.ostComposer.requestStake(...args, { gasLimit })),
    origin.ostComposer,
    "StakeRequested",
  );
  return {
    ...request,
    staker: staker.address,
    stakerProxy: requested.args.stakerProxy as string,
    nonce,
    stakeRequestHash: requested.args.stakeRequestHash as string,
  };
}

/** Redeemer: approve the pair's utility token to the redeem pool and requestRedeem at its cogateway. */
export async function requestRedeem(
  net: MosaicChains,
  redeemer: BaseWallet,
  request: Request,
  pair: GatewayPair = gatewayPairs(net.deployment)[0]!,
): Promise<RequestedRedeem> {
  const auxiliary = bindAuxiliary(net.deployment, net.auxiliary.provider);
  const asRedeemer = bindAuxiliary(net.deployment, redeemer.connect(net.auxiliary.provider));
  const utilityToken = bindPairOnAuxiliary(pair, redeemer.connect(net.auxiliary.provider)).utilityToken;
  await mined(utilityToken.approve(net.deployment.auxiliary.contracts.redeemPool, request.amount));
  const coGateway = bindPairOnAuxiliary(pair, net.auxiliary.provider).coGateway;
  const nonce = await coGateway.getNonce(await auxiliary.redeemPool.redeemerProxies(redeemer.address));
  const args = [
    request.amount,
    request.beneficiary,
    request.gasPrice,
    request.gasLimit,
    nonce,
    pair.coGateway,
  ] as const;
  const gasLimit = withMargin(await asRedeemer.redeemPool.requestRedeem.estimateGas(...args));
  const requested = await emittedEvent(
    await mined(asRedeemer.redeemPool.requestRedeem(...args, { gasLimit })),
    auxiliary.redeemPool,
    "RedeemRequested",
  );
  return {
    ...request,
    redeemer: redeemer.address,
    redeemerProxy: requested.args.redeemerProxy as string,
    nonce,
    redeemRequestHash: requested.args.redeemRequestHash as string,
  };
}
