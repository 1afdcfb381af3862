// Fills the development network with Mosaic events through real contract calls: a few complete
// stake flows, then many users requesting and revoking stakes on the OSTComposer, anchors on both
// chains, and one accepted stake per user. Automine is off while the bulk is sent: transactions go
// out concurrently with explicit nonces and are mined a block (a couple of hundred) at a time.
import { Interface, MaxUint256, parseEther, toQuantity } from "ethers";
import { anchorContract, latestAnchoredHeight } from "../chain/anchoring.ts";
import { blockHeader, headBlockNumber } from "../chain/blocks.ts";
import { mosaicAbi, tokenArtifact } from "../chain/mosaic-artifacts.ts";
import { bindOrigin } from "../chain/mosaic-contracts.ts";
import { devWallet, FIRST_USER_INDEX, ROLE_INDEX } from "../devnet/accounts.ts";
import type { DevChain, DevNetwork } from "../devnet/network.ts";
import {
  acceptStake,
  anchorOriginOnAuxiliary,
  newSecret,
  progressStakeAndMint,
  proveAndConfirmStake,
  requestStake,
} from "../tests/helpers/manual-flows.ts";

export interface TrafficOptions {
  /** Events to produce at least (the plan; what the chains hold is counted afterwards). */
  targetEvents: number;
  users: number;
  /** Complete stake flows (request, accept, anchor, prove, confirm, progress) done first. */
  completeFlows?: number;
  progress?: (line: string) => void;
}

export interface Traffic {
  /** Addresses of the users that sent stake requests. */
  users: string[];
  transactions: number;
  /** Events the sent transactions emit when none reverts. */
  plannedEvents: number;
}

// Gas limits about twice what each call uses on the devnet: with automine off nothing can be
// estimated against the state the call will meet (a revoke's request is still pending).
const GAS = {
  approve: 100_000n,
  firstRequest: 1_500_000n, // also deploys the user's StakerProxy
  request: 250_000n,
  revoke: 100_000n,
  accept: 800_000n,
  anchor: 300_000n,
};

/** StakeRequested, StakeIntentDeclared, StakeProgressed on origin; StateRootAvailable,
 * GatewayProven, StakeIntentConfirmed, MintProgressed on auxiliary. */
const EVENTS_PER_COMPLETE_FLOW = 7;
const GAS_PRICE_TERM = 10n ** 9n;
const GAS_LIMIT_TERM = 10n ** 5n;
/** Request amounts cycle through this many values, so some requests recur with the same hash. */
const AMOUNT_CYCLE = 10;

const composer = new Interface(mosaicAbi("OSTComposer"));
const anchorAbi = new Interface(mosaicAbi("Anchor"));
const token = new Interface(tokenArtifact().abi);

export async function generateMosaicTraffic(net: DevNetwork, options: TrafficOptions): Promise<Traffic> {
  const progress = options.progress ?? (() => undefined);
  if (options.users < 1 || FIRST_USER_INDEX + options.users > net.accounts) {
    throw new Error(`${options.users} users need ${FIRST_USER_INDEX + options.users} devnet accounts`);
  }
  const userIndexes = Array.from({ length: options.users }, (_, i) => FIRST_USER_INDEX + i);
  const completeFlows = Math.min(options.completeFlows ?? 3, options.users);
  for (let flow = 0; flow < completeFlows; flow++) {
    await completeStakeFlow(net, userIndexes[flow]!, userIndexes[(flow + 1) % userIndexes.length]!);
    progress(`complete stake flow ${flow + 1}/${completeFlows} done`);
  }

  const chains = [net.origin.provider, net.auxiliary.provider];
  await Promise.all(chains.map((provider) => provider.send("evm_setAutomine", [false])));
  try {
    const sender = new BatchSender(net, progress);
    await sender.init();
    const bulkEvents = await sendStakeTraffic(
      net,
      sender,
      userIndexes,
      options.targetEvents - completeFlows * EVENTS_PER_COMPLETE_FLOW,
    );
    return {
      users: userIndexes.map((index) => devWallet(index).address),
      transactions: sender.sent,
      plannedEvents: bulkEvents + sender.anchors + completeFlows * EVENTS_PER_COMPLETE_FLOW,
    };
  } finally {
    await Promise.all(chains.map((provider) => provider.send("evm_setAutomine", [true])));
  }
}

async function completeStakeFlow(net: DevNetwork, stakerIndex: number, beneficiaryIndex: number) {
  const requested = await requestStake(net, devWallet(stakerIndex, net.origin.provider), {
    amount: parseEther("10"),
    beneficiary: devWallet(beneficiaryIndex).address,
    gasPrice: GAS_PRICE_TERM,
    gasLimit: GAS_LIMIT_TERM,
  });
  const { stake } = await acceptStake(net, requested);
  const anchored = await anchorOriginOnAuxiliary(net);
  await proveAndConfirmStake(net, stake, anchored.blockHeight);
  await progressStakeAndMint(net, stake);
}

/**
 * Approvals, then rounds of requestStake + revokeStakeRequest by every user (the same nonce each
 * time), then one request per user that the facilitator accepts. Returns the stake events planned.
 */
async function sendStakeTraffic(
  net: DevNetwork,
  sender: BatchSender,
  userIndexes: number[],
  targetEvents: number,
): Promise<number> {
  const at = net.deployment.origin.contracts;
  const facilitator = devWallet(ROLE_INDEX.facilitator).address;
  const approveComposer = token.encodeFunctionData("approve", [at.ostComposer, MaxUint256]);
  await sender.send("origin", {
    from: facilitator,
    to: at.baseToken,
    gas: GAS.approve,
    data: approveComposer,
  });
  const origin = bindOrigin(net.deployment, net.origin.provider);
  const stakers = await Promise.all(
    userIndexes.map(async (index, i) => {
      const user = devWallet(index).address;
      const proxy = await origin.ostComposer.stakerProxies(user);
      return {
        user,
        beneficiary: devWallet(userIndexes[(i + 1) % userIndexes.length]!).address,
        // Unchanged by a revoke: every request of the bulk uses it.
        nonce: await origin.gateway.getNonce(proxy),
        hasProxy: BigInt(proxy) !== 0n,
      };
    }),
  );
  for (const { user } of stakers) {
    await sender.send("origin", { from: user, to: at.valueToken, gas: GAS.approve, data: approveComposer });
  }
  await sender.mine();

  const terms = (staker: (typeof stakers)[number], round: number) => [
    parseEther("1") + BigInt(round % AMOUNT_CYCLE),
    staker.beneficiary,
    GAS_PRICE_TERM,
    GAS_LIMIT_TERM,
    staker.nonce,
  ];
  // Two events per user and round; the last round's request and its acceptance, two more.
  const perRound = 2 * stakers.length;
  const rounds = Math.max(0, Math.ceil((targetEvents - perRound) / perRound));
  let planned = 0;
  for (let round = 0; round <= rounds; round++) {
    for (const staker of stakers) {
      const to = at.ostComposer;
      const request = composer.encodeFunctionData("requestStake", [...terms(staker, round), at.gateway]);
      const gas = staker.hasProxy ? GAS.request : GAS.firstRequest;
      await sender.send("origin", { from: staker.user, to, gas, data: request });
      staker.hasProxy = true;
      planned++;
      if (round < rounds) {
        const revoke = composer.encodeFunctionData("revokeStakeRequest", [
          ...terms(staker, round),
          at.gateway,
        ]);
        await sender.send("origin", { from: staker.user, to, gas: GAS.revoke, data: revoke });
        planned++;
      }
    }
  }
  await sender.mine();
  // Accepted only once the requests are mined: within one block the order across senders is anvil's.
  for (const staker of stakers) {
    const accept = composer.encodeFunctionData("acceptStakeRequest", [
      ...terms(staker, rounds),
      staker.user,
      at.gateway,
      newSecret().hashLock,
    ]);
    await sender.send("origin", { from: facilitator, to: at.ostComposer, gas: GAS.accept, data: accept });
    planned++;
  }
  await sender.mine();
  return planned;
}

interface Transaction {
  from: string;
  to: string;
  gas: bigint;
  data: string;
}

type ChainName = "origin" | "auxiliary";
const CHAIN_NAMES: readonly ChainName[] = ["origin", "auxiliary"];

/**
 * Sends with anvil's unlocked development accounts (anvil signs) and nonces counted here, many at a
 * time, and mines a block whenever the next transaction might not fit in it: anvil drops a pending
 * transaction that overflows a block instead of keeping it for the next, which leaves a nonce gap.
 * Each block also anchors each chain's head on the other chain, as an anchoring service would.
 */
class BatchSender {
  sent = 0;
  /** StateRootAvailable events planned. */
  anchors = 0;
  private readonly nonces = new Map<string, number>();
  private inFlight: Promise<unknown>[] = [];
  private readonly owner = devWallet(ROLE_INDEX.owner).address;
  /** The latest height each chain's Anchor holds of the other chain. */
  private readonly anchored = { origin: 0, auxiliary: 0 };
  /** Gas limits of the transactions waiting for the next block, and what a block may hold. */
  private readonly batchGas = { origin: 0n, auxiliary: 0n };
  private readonly blockGas = { origin: 0n, auxiliary: 0n };

  constructor(
    private readonly net: DevNetwork,
    private readonly progress: (line: string) => void,
  ) {}

  async init(): Promise<void> {
    for (const chain of CHAIN_NAMES) {
      const { provider } = this.chain(chain);
      const address = this.net.deployment[chain].contracts.anchor;
      this.anchored[chain] = await latestAnchoredHeight(anchorContract(address, provider));
      const latest = (await provider.send("eth_getBlockByNumber", ["latest", false])) as { gasLimit: string };
      // Room is kept for the anchor that each block gets.
      this.blockGas[chain] = BigInt(latest.gasLimit) - GAS.anchor;
    }
  }

  /** Sends without waiting for the answer; mines first when the block could not hold it. */
  async send(chain: ChainName, tx: Transaction): Promise<void> {
    if (this.batchGas[chain] + tx.gas > this.blockGas[chain]) await this.mine();
    await this.submit(chain, tx);
  }

  private async submit(chain: ChainName, tx: Transaction): Promise<void> {
    const { provider } = this.chain(chain);
    const key = `${chain}:${tx.from}`;
    const nonce = this.nonces.get(key) ?? (await provider.getTransactionCount(tx.from, "pending"));
    this.nonces.set(key, nonce + 1);
    this.batchGas[chain] += tx.gas;
    this.inFlight.push(
      provider.send("eth_sendTransaction", [
        { from: tx.from, to: tx.to, data: tx.data, gas: toQuantity(tx.gas), nonce: toQuantity(nonce) },
      ]),
    );
    this.sent++;
  }

  /** Waits for what was sent, adds the anchors, and mines one block on each chain. */
  async mine(): Promise<void> {
    await this.settle();
    await this.queueAnchors();
    await this.settle();
    const heads = [];
    for (const chain of CHAIN_NAMES) {
      heads.push(await mineOneBlock(this.chain(chain)));
      this.batchGas[chain] = 0n;
    }
    this.progress(
      `mined origin block ${heads[0]}, auxiliary block ${heads[1]}: ${this.sent} transactions sent`,
    );
  }

  private async settle(): Promise<void> {
    const sending = this.inFlight;
    this.inFlight = [];
    await Promise.all(sending);
  }

  /** Each chain's head, once above what the other chain's Anchor holds, anchored there. */
  private async queueAnchors(): Promise<void> {
    for (const [source, target] of [
      ["origin", "auxiliary"],
      ["auxiliary", "origin"],
    ] as const) {
      const height = await headBlockNumber(this.chain(source).provider);
      if (height <= this.anchored[target]) continue;
      const { stateRoot } = await blockHeader(this.chain(source).provider, height);
      const data = anchorAbi.encodeFunctionData("anchorStateRoot", [height, stateRoot]);
      const to = this.net.deployment[target].contracts.anchor;
      this.anchored[target] = height;
      this.anchors++;
      await this.submit(target, { from: this.owner, to, gas: GAS.anchor, data });
    }
  }

  private chain(name: ChainName): DevChain {
    return this.net[name];
  }
}

/** Mines one block, which must take every pending transaction; returns its number. */
async function mineOneBlock(chain: DevChain): Promise<number> {
  await chain.provider.send("evm_mine", []);
  const status = (await chain.provider.send("txpool_status", [])) as { pending: string; queued: string };
  if (Number(status.pending) !== 0 || Number(status.queued) !== 0) {
    throw new Error(
      `${chain.name}: ${Number(status.pending)} pending and ${Number(status.queued)} queued transactions were left out of the mined block`,
    );
  }
  return headBlockNumber(chain.provider);
}
