// Reacting within the block (issue 12): the development anchorer anchors a head as soon as the
// source node announces it, and a burst of accepts shares one allowance top-up instead of waiting
// for one every few accepts, and the followers of many transactions share one reading of the head.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { Contract, MaxUint256 } from "ethers";
import { anchorContract, latestAnchoredHeight } from "../chain/anchoring.ts";
import type { Gateway } from "../chain/contract-types.ts";
import { mosaicAbi, tokenArtifact } from "../chain/mosaic-artifacts.ts";
import { mined } from "../chain/receipts.ts";
import { devWallet, FIRST_USER_INDEX, ROLE_INDEX } from "../devnet/accounts.ts";
import { startAnchorer } from "../devnet/anchorer.ts";
import { startDevNetwork, type DevNetwork } from "../devnet/network.ts";
import {
  BOUNTY_ALLOWANCE_BOUNTIES,
  reserveBountyAllowance,
  type AllowanceContext,
} from "../executor/actions/bounty-allowance.ts";
import { HeadClock } from "../executor/transactions/head-clock.ts";
import type { TransactionManager, TransactionRequest } from "../executor/transactions/tx-manager.ts";

let net: DevNetwork;
before(async () => {
  net = await startDevNetwork();
});
after(async () => {
  await net?.stop();
});

async function until(condition: () => Promise<boolean>, tries = 150): Promise<boolean> {
  for (let attempt = 0; attempt < tries; attempt++) {
    if (await condition()) return true;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return false;
}

test(
  "the anchorer anchors a head on its newHeads notification, not on its timer",
  { timeout: 60_000 },
  async () => {
    const anchorer = startAnchorer({
      deployment: net.deployment,
      providers: { origin: net.origin.provider, auxiliary: net.auxiliary.provider },
      // The timer never fires within the test: only a notification can start a pass.
      intervalMs: 3_600_000,
      newHeads: true,
    });
    try {
      const user = devWallet(FIRST_USER_INDEX, net.origin.provider);
      const anchor = anchorContract(net.deployment.auxiliary.contracts.anchor, net.auxiliary.provider);
      // Automine: each transfer makes a new origin head with a user's transaction in it. Sent again
      // until one is anchored: the subscription may not be open yet at the first head.
      let head = 0;
      const anchored = await until(async () => {
        if (head > 0 && (await latestAnchoredHeight(anchor)) >= head) return true;
        head = (await mined(user.sendTransaction({ to: user.address, value: 1n }))).blockNumber;
        return false;
      }, 30);
      assert.ok(
        anchored,
        `origin head ${head} is anchored on auxiliary (latest ${await latestAnchoredHeight(anchor)})`,
      );
    } finally {
      await anchorer.stop();
    }
  },
);

test(
  "a burst of accepts reserving at once is covered by one allowance top-up",
  { timeout: 60_000 },
  async () => {
    const facilitator = devWallet(ROLE_INDEX.facilitator, net.origin.provider);
    const sent: TransactionRequest[] = [];
    // The approvals go out for real, so the allowance read after a top-up is the chain's.
    const transactions = {
      async send(request: TransactionRequest) {
        sent.push(request);
        const receipt = await mined(facilitator.sendTransaction({ to: request.to, data: request.data }));
        return { status: "confirmed", hash: receipt.hash, block: receipt.blockNumber };
      },
    } as unknown as TransactionManager;
    const context: AllowanceContext = {
      deployment: net.deployment,
      providers: { origin: net.origin.provider, auxiliary: net.auxiliary.provider },
      pairs: [],
      facilitator: facilitator.address,
      transactions,
    };
    const gatewayAddress = net.deployment.origin.contracts.gateway;
    const burst = 25;
    const reservations = await Promise.all(
      Array.from({ length: burst }, () => reserveBountyAllowance(context, gatewayAddress)),
    );
    assert.ok(
      reservations.every((reservation) => "release" in reservation),
      "every accept holds a bounty",
    );
    assert.equal(
      sent.length,
      1,
      `one top-up for the whole burst, not one every ${BOUNTY_ALLOWANCE_BOUNTIES}`,
    );

    const gateway = new Contract(gatewayAddress, mosaicAbi("EIP20Gateway"), net.origin.provider) as Gateway;
    const token = new Contract(await gateway.baseToken(), tokenArtifact().abi, net.origin.provider);
    const allowance = (await token.getFunction("allowance")(
      facilitator.address,
      net.deployment.origin.contracts.ostComposer,
    )) as bigint;
    const bounty = await gateway.bounty();
    assert.ok(allowance >= bounty * BigInt(burst), "the top-up covers every accept of the burst");
    assert.ok(allowance <= bounty * (BigInt(burst) + BOUNTY_ALLOWANCE_BOUNTIES) && allowance < MaxUint256);
  },
);

test("followers waiting for the next block share one reading of the head per poll", async () => {
  let head = 10;
  let reads = 0;
  const clock = new HeadClock(async () => {
    reads++;
    return head;
  }, 5);
  // The first reading learns the head; the waiters wait for the block after it.
  const waits = Array.from({ length: 50 }, () => clock.next(3_600_000));
  let settled = 0;
  for (const wait of waits) void wait.then(() => settled++);
  while (reads < 3) await new Promise((resolve) => setTimeout(resolve, 5));
  assert.equal(settled, 0, "no follower looks again before a new block");
  const before = reads;
  head = 11;
  await Promise.all(waits);
  assert.equal(settled, 50, "every follower looks again at the new block");
  assert.ok(reads - before <= 2, `the new block was seen by one shared reading (${reads - before} reads)`);
  assert.ok(reads < 50, `${reads} head readings for 50 followers`);
});
