// The development network's accounts: anvil's well-known test mnemonic, with fixed roles. These keys
// are public test keys, meant for local chains only.
import { HDNodeWallet, type Provider } from "ethers";
import { DEV_MNEMONIC } from "./anvil.ts";

export const ROLE_INDEX = {
  /** Deploys, owns every organization, anchors state roots. */
  owner: 0,
  /** The worker of the composer's and the redeem pool's organizations. */
  facilitator: 1,
} as const;

/** Users (stakers, redeemers, beneficiaries) start at this index. */
export const FIRST_USER_INDEX = 2;

/**
 * Facilitators beyond the first (several facilitators on one devnet) use indices from here on, far
 * above the users and below the benchmarks' users (from 1000), so that adding facilitators shifts
 * no user. anvil does not fund these accounts: the deployment gives them ether with
 * anvil_setBalance.
 */
export const EXTRA_FACILITATOR_INDEX = 500;

/** The mnemonic index of facilitator `n` (0: the facilitator of ROLE_INDEX). */
export function facilitatorIndex(n: number): number {
  return n === 0 ? ROLE_INDEX.facilitator : EXTRA_FACILITATOR_INDEX + n;
}

let root: HDNodeWallet | undefined;

export function devWallet(index: number, provider?: Provider): HDNodeWallet {
  root ??= HDNodeWallet.fromPhrase(DEV_MNEMONIC, "", "m/44'/60'/0'/0");
  const wallet = root.deriveChild(index);
  return provider ? wallet.connect(provider) : wallet;
}
