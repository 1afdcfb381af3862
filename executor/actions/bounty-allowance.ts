// The composer takes a stake's bounty from the facilitator's base token on each accept, so it needs
// an allowance: never an unlimited one. Each accept reserves one bounty before it is sent; when the
// allowance does not cover every accept in flight and this one, it is set to those plus a bounded
// number more (one approval per top-up, each an intent of its own). The accepts still queued for a
// reservation count as in flight: a burst of accepts from one decision waits for one top-up, not for
// one every few accepts. An approval is sent after the
// accepts already out (the account's nonces keep that order), so they spend the allowance before
// it and nothing reverts for want of it.
import { Contract } from "ethers";
import type { Gateway, MintableToken } from "../../chain/contract-types.ts";
import { mosaicInterface, tokenInterface } from "../../chain/mosaic-artifacts.ts";
import type { Outcome, TransactionManager } from "../transactions/tx-manager.ts";
import type { ChainReaders } from "./preconditions.ts";

/** What a top-up needs of the executor: its chains, its account and its transaction manager. */
export interface AllowanceContext extends ChainReaders {
  facilitator: string;
  transactions: TransactionManager;
}

/** How many bounties a top-up adds beyond the accepts in flight. */
export const BOUNTY_ALLOWANCE_BOUNTIES = 10n;

interface Reservations {
  /** One top-up decision at a time. */
  lock: Promise<unknown>;
  /** Accepts that reserved a bounty and have not finished. */
  reserved: bigint;
  /** Accepts waiting for the lock to reserve one. */
  queued: bigint;
  /** Each gateway's base token (set at construction, never changed). */
  baseTokens: Map<string, Promise<string>>;
  /**
   * Reservations the last allowance read still covers, for accepts at one gateway queued behind it:
   * a burst of accepts reads the allowance once, not once each. Dropped when the queue empties.
   */
  credit: { gateway: string; count: bigint } | undefined;
}

const byExecutor = new WeakMap<AllowanceContext, Reservations>();

/**
 * A bounty of allowance held for one accept at `gateway` until release(), or the outcome of a failed
 * top-up. With several gateway pairs the reservations count every accept in flight, whichever pair.
 */
export async function reserveBountyAllowance(
  context: AllowanceContext,
  gateway: string,
): Promise<{ release(): void } | { refused: Outcome }> {
  let reservations = byExecutor.get(context);
  if (!reservations) {
    reservations = {
      lock: Promise.resolve(),
      reserved: 0n,
      queued: 0n,
      baseTokens: new Map(),
      credit: undefined,
    };
    byExecutor.set(context, reservations);
  }
  const state = reservations;
  state.queued++;
  const reserving = state.lock.then(() => {
    state.queued--;
    const { credit } = state;
    if (credit?.gateway === gateway.toLowerCase() && credit.count > 0n) {
      credit.count--;
      return reserved(state);
    }
    state.credit = undefined;
    return reserve(context, state, gateway);
  });
  state.lock = reserving.catch(() => undefined);
  return reserving;
}

async function reserve(
  context: AllowanceContext,
  state: Reservations,
  gatewayAddress: string,
): Promise<{ release(): void } | { refused: Outcome }> {
  const composer = context.deployment.origin.contracts.ostComposer;
  const gateway = new Contract(
    gatewayAddress,
    mosaicInterface("EIP20Gateway"),
    context.providers.origin,
  ) as Gateway;
  // The gateway's own bounty, in its own base token: each pair may have its own.
  const key = gatewayAddress.toLowerCase();
  let baseTokenRead = state.baseTokens.get(key);
  if (!baseTokenRead) {
    baseTokenRead = gateway.baseToken();
    state.baseTokens.set(key, baseTokenRead);
    baseTokenRead.catch(() => state.baseTokens.delete(key));
  }
  const baseToken = await baseTokenRead;
  const token = new Contract(baseToken, tokenInterface(), context.providers.origin) as MintableToken;
  const [bounty, allowance] = await Promise.all([
    gateway.bounty(),
    token.allowance(context.facilitator, composer),
  ]);
  if (bounty > 0n && allowance < bounty * (state.reserved + 1n)) {
    const nonce = await context.providers.origin.getTransactionCount(context.facilitator, "latest");
    const outcome = await context.transactions.send({
      // The mined nonce names the top-up: a later one, after this allowance is spent, is a new intent.
      subject: `bounty-allowance:${composer.toLowerCase()}:${nonce}`,
      step: "approveBounty",
      chain: "origin",
      to: baseToken,
      data: token.interface.encodeFunctionData("approve", [
        composer,
        // This accept and those queued behind it count as in flight.
        bounty * (state.reserved + state.queued + BOUNTY_ALLOWANCE_BOUNTIES),
      ]),
    });
    if (outcome.status !== "confirmed") return { refused: outcome };
  } else if (bounty > 0n && state.queued > 0n) {
    // Allowance for reservations beyond this one: the accepts queued now may take them unread.
    state.credit = { gateway: key, count: allowance / bounty - state.reserved - 1n };
  }
  return reserved(state);
}

function reserved(state: Reservations): { release(): void } {
  if (state.queued === 0n) state.credit = undefined;
  state.reserved++;
  let released = false;
  return {
    release() {
      if (released) return;
      released = true;
      state.reserved--;
    },
  };
}
