// The facilitator's balances, read on a timer: ether on both chains and the base token on origin
// (a stake's bounty is paid in it; a redeem's bounty is the base coin on auxiliary). They feed the
// decision (a new request whose bounty or accept gas cannot be paid is left alone), the gauges,
// /health, and a warning in the log each time a balance falls below what one more accept needs.
import { Contract, formatEther, type JsonRpcProvider } from "ethers";
import type { CoGateway, Gateway, MintableToken } from "../chain/contract-types.ts";
import { mosaicInterface, tokenInterface } from "../chain/mosaic-artifacts.ts";
import type { ChainName, GasPolicy } from "./config.ts";
import { describeShortfall, shortfalls, type Funds, type Shortfall } from "./decide/funds.ts";
import type { Logger } from "./observability/logger.ts";
import type { ExecutorMetrics } from "./observability/metrics.ts";
import { Periodic } from "./periodic.ts";
import { errorText } from "./transactions/rpc-errors.ts";
import { feeCap, initialFees, marketFees } from "./transactions/fees.ts";

/** Gas counted for one accept: the accept itself, with room for the flow's steps after it. */
export const ACCEPT_GAS_RESERVE = 2_000_000n;
/** How often the balances are read. */
export const BALANCE_INTERVAL_MS = 3000;

export interface BalanceSource {
  /** The gateway pair whose bounties are counted: the first one served. */
  pair: { gateway: string; coGateway: string };
  providers: Record<ChainName, JsonRpcProvider>;
  facilitator: string;
  gas: GasPolicy;
}

/** The balances and what one more accept costs on each chain, read now. */
export async function readFunds({ pair, providers, facilitator, gas }: BalanceSource): Promise<Funds> {
  const gateway = new Contract(pair.gateway, mosaicInterface("EIP20Gateway"), providers.origin) as Gateway;
  const coGateway = new Contract(
    pair.coGateway,
    mosaicInterface("EIP20CoGateway"),
    providers.auxiliary,
  ) as CoGateway;
  // The gateway's bounty is paid in its own base token.
  const baseToken = new Contract(
    await gateway.baseToken(),
    tokenInterface(),
    providers.origin,
  ) as MintableToken;
  const gasCost = async (chain: ChainName) =>
    ACCEPT_GAS_RESERVE * feeCap(initialFees(await marketFees(providers[chain]), gas));
  const [originEther, baseTokens, stakeBounty, originGas, auxiliaryEther, redeemBounty, auxiliaryGas] =
    await Promise.all([
      providers.origin.getBalance(facilitator),
      baseToken.balanceOf(facilitator),
      gateway.bounty(),
      gasCost("origin"),
      providers.auxiliary.getBalance(facilitator),
      coGateway.bounty(),
      gasCost("auxiliary"),
    ]);
  return {
    origin: { ether: originEther, baseToken: baseTokens, bounty: stakeBounty, gasCost: originGas },
    auxiliary: { ether: auxiliaryEther, bounty: redeemBounty, gasCost: auxiliaryGas },
  };
}

/** Every balance too low for one more accept, each once (the same asset may be short for both flows). */
export function lowBalances(funds: Funds): Shortfall[] {
  const { stake, redeem } = shortfalls(funds);
  return [...stake, ...redeem];
}

const keyOf = (short: Shortfall) => `${short.chain} ${short.asset}`;
const flowOf = (short: Shortfall) => (short.chain === "origin" ? "stakes" : "redeems");

export interface BalanceWatchOptions extends BalanceSource {
  logger: Logger;
  metrics: ExecutorMetrics;
  intervalMs?: number;
}

export class BalanceWatch {
  private latest: Funds | undefined;
  private low = new Map<string, Shortfall>();
  private lastError: string | null = null;
  private readonly periodic: Periodic;

  constructor(private readonly options: BalanceWatchOptions) {
    this.periodic = new Periodic(() => this.read(), options.intervalMs ?? BALANCE_INTERVAL_MS);
  }

  /** The latest reading, or undefined before the first one went through. */
  funds(): Funds | undefined {
    return this.latest;
  }

  /** The balances too low for one more accept, as sentences for /health. */
  lowBalances(): string[] {
    return [...this.low.values()].map(describeShortfall);
  }

  /**
   * Reads once, or waits for the reading under way; a node that does not answer keeps the previous
   * reading and is said once.
   */
  readOnce(): Promise<void> {
    return this.periodic.runOnce();
  }

  start(): void {
    this.periodic.start();
  }

  stop(): Promise<void> {
    return this.periodic.stop();
  }

  private async read(): Promise<void> {
    const { logger, metrics, facilitator } = this.options;
    let funds: Funds;
    try {
      funds = await readFunds(this.options);
    } catch (error) {
      const message = errorText(error);
      if (this.lastError !== message)
        logger.warn("balances not read; the last reading stays", { error: message });
      this.lastError = message;
      return;
    }
    this.lastError = null;
    this.latest = funds;
    const units = (amount: bigint) => Number(formatEther(amount));
    metrics.balance.set({ chain: "origin", asset: "ether" }, units(funds.origin.ether));
    metrics.balance.set({ chain: "origin", asset: "baseToken" }, units(funds.origin.baseToken));
    metrics.balance.set({ chain: "auxiliary", asset: "ether" }, units(funds.auxiliary.ether));

    // Said once per crossing: when a balance falls short, and when it is enough again.
    const now = new Map(lowBalances(funds).map((short) => [keyOf(short), short]));
    for (const [key, short] of now) {
      if (this.low.has(key)) continue;
      logger.warn(
        `low balance: the key cannot pay ${short.for} on ${short.chain}; new ${flowOf(short)} are left alone until it is funded`,
        {
          chain: short.chain,
          account: facilitator,
          asset: short.asset,
          balance: formatEther(short.held),
          needed: formatEther(short.needed),
        },
      );
    }
    for (const [key, short] of this.low) {
      if (now.has(key)) continue;
      logger.info(`balance restored: new ${flowOf(short)} are accepted again`, {
        chain: short.chain,
        account: facilitator,
        asset: short.asset,
      });
    }
    for (const chain of ["origin", "auxiliary"] as const) {
      for (const asset of ["ether", "baseToken"] as const) {
        if (chain === "auxiliary" && asset === "baseToken") continue;
        metrics.balanceLow.set({ chain, asset }, now.has(`${chain} ${asset}`) ? 1 : 0);
      }
    }
    this.low = now;
  }
}
