// `npm start -- --demo N`: N round trips from fresh accounts. Each staker (new on origin, given
// ether and value tokens) stakes to a redeemer (new on auxiliary, given ether); once the facilitator
// has minted the utility tokens, the redeemer redeems part of them back to the staker. Only the
// requests are sent here: accepting, proving, confirming and progressing is the executor's work.
// With several gateway pairs, round trip i goes through pair i modulo their number.
import { parseEther, parseUnits, Wallet, type HDNodeWallet } from "ethers";
import { gatewayPairs, type GatewayPair } from "../chain/deployment-file.ts";
import { bindPairOnAuxiliary, bindPairOnOrigin } from "../chain/mosaic-contracts.ts";
import { devWallet, FIRST_USER_INDEX } from "../devnet/accounts.ts";
import type { DevNetwork } from "../devnet/network.ts";
import { mined } from "../chain/receipts.ts";
import { requestRedeem, requestStake } from "../devnet/user-requests.ts";

export const DEMO_STAKE = parseEther("100");
export const DEMO_REDEEM = parseEther("40");
const TERMS = { gasPrice: parseUnits("1", "gwei"), gasLimit: 200_000n };
const GAS_MONEY = parseEther("1");

export interface DemoRequest {
  kind: "stake" | "redeem";
  requestHash: string;
  from: string;
}

export interface Demo {
  /** Resolves once all 2N requests are sent. */
  sent: Promise<DemoRequest[]>;
  stop(): void;
}

export function startDemo(net: DevNetwork, count: number, onRequest: (request: DemoRequest) => void): Demo {
  let stopped = false;
  const gateways = gatewayPairs(net.deployment);
  const pairs = Array.from({ length: count }, (_, index) => ({
    staker: Wallet.createRandom(),
    redeemer: Wallet.createRandom(),
    gateway: gateways[index % gateways.length]!,
  }));

  async function fund(): Promise<void> {
    // One funder per chain, its nonces counted here, so that all transfers fit in one block.
    const onOrigin = devWallet(FIRST_USER_INDEX, net.origin.provider);
    const onAuxiliary = devWallet(FIRST_USER_INDEX, net.auxiliary.provider);
    let originNonce = await onOrigin.getNonce("pending");
    let auxiliaryNonce = await onAuxiliary.getNonce("pending");
    const transfers = pairs.flatMap(({ staker, redeemer, gateway }) => [
      onOrigin.sendTransaction({ to: staker.address, value: GAS_MONEY, nonce: originNonce++ }),
      bindPairOnOrigin(gateway, onOrigin).valueToken.transfer(staker.address, DEMO_STAKE, {
        nonce: originNonce++,
      }),
      onAuxiliary.sendTransaction({ to: redeemer.address, value: GAS_MONEY, nonce: auxiliaryNonce++ }),
    ]);
    await Promise.all(transfers.map((sent) => mined(sent)));
  }

  async function untilMinted(redeemer: HDNodeWallet, gateway: GatewayPair): Promise<void> {
    const utilityToken = bindPairOnAuxiliary(gateway, net.auxiliary.provider).utilityToken;
    while (!stopped && (await utilityToken.balanceOf(redeemer.address)) < DEMO_REDEEM) {
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }

  async function roundTrip(
    staker: HDNodeWallet,
    redeemer: HDNodeWallet,
    gateway: GatewayPair,
  ): Promise<DemoRequest[]> {
    const stake = await requestStake(
      net,
      staker,
      { amount: DEMO_STAKE, beneficiary: redeemer.address, ...TERMS },
      gateway,
    );
    const staked: DemoRequest = { kind: "stake", requestHash: stake.stakeRequestHash, from: staker.address };
    onRequest(staked);
    await untilMinted(redeemer, gateway);
    if (stopped) return [staked];
    const redeem = await requestRedeem(
      net,
      redeemer,
      { amount: DEMO_REDEEM, beneficiary: staker.address, ...TERMS },
      gateway,
    );
    const redeemed: DemoRequest = {
      kind: "redeem",
      requestHash: redeem.redeemRequestHash,
      from: redeemer.address,
    };
    onRequest(redeemed);
    return [staked, redeemed];
  }

  const sent = fund().then(async () =>
    (
      await Promise.all(pairs.map(({ staker, redeemer, gateway }) => roundTrip(staker, redeemer, gateway)))
    ).flat(),
  );
  return {
    sent,
    stop() {
      stopped = true;
    },
  };
}
