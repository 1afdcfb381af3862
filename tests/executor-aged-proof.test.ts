// A proven height outlives its anchor: a stake accepted and its gateway proven by hand, then 110
// newer anchors push that height out of the auxiliary Anchor's ring buffer (100 roots). The proof is
// still good (the cogateway holds the storage root it proved), so the executor, started with no other
// traffic, confirms at that height and completes the flow.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { parseEther, parseUnits } from "ethers";
import { buildGatewayProof } from "../chain/proofs.ts";
import { bindAuxiliary } from "../chain/mosaic-contracts.ts";
import { devWallet, ROLE_INDEX } from "../devnet/accounts.ts";
import { mined } from "../chain/receipts.ts";
import { openBooks } from "../executor/bookkeeping/index.ts";
import type { RunningExecutor } from "../executor/service-api.ts";
import {
  type ExecutorStack,
  SECRETS_PASSPHRASE,
  startExecutorStack,
  startLoggedExecutor,
} from "./helpers/executor-stack.ts";
import { waitForProgressed } from "./helpers/executor-watch.ts";
import {
  anchorOriginOnAuxiliary,
  originGatewaySource,
  requestAndAcceptStake,
} from "./helpers/manual-flows.ts";

const NEWER_ANCHORS = 110;
// The cogateway's inbox statuses: Declared once confirmed, Progressed once the mint is progressed, which
// the executor may send within the same poll (CI saw both within 200 ms, and the wait missed Declared).
const CONFIRMED = new Set([1n, 2n]);
let stack: ExecutorStack;
let executor: RunningExecutor | undefined;

before(async () => {
  stack = await startExecutorStack();
  await stack.anchorer.stop(); // the test anchors by hand
});
after(async () => {
  await executor?.stop();
  await stack?.stop();
});

test("a proven height whose anchor was evicted still confirms", { timeout: 180_000 }, async () => {
  const { net } = stack;
  const user = devWallet(2);
  const { stake } = await requestAndAcceptStake(net, user, {
    amount: parseEther("10"),
    beneficiary: user.address,
    gasPrice: parseUnits("1", "gwei"),
    gasLimit: 200_000n,
  });
  // The executor holds the secret, as if it had accepted the request itself.
  const books = await openBooks({ url: stack.config.databaseUrl, passphrase: SECRETS_PASSPHRASE });
  await books.storeSecret(stake.stakeRequestHash, stake.unlockSecret);
  await books.close();

  const { blockHeight: height } = await anchorOriginOnAuxiliary(net);
  const coGateway = bindAuxiliary(
    net.deployment,
    devWallet(ROLE_INDEX.facilitator, net.auxiliary.provider),
  ).coGateway;
  const proof = await buildGatewayProof(originGatewaySource(net), height);
  await mined(coGateway.proveGateway(height, proof.rlpAccount, proof.rlpParentNodes));
  for (let anchors = 0; anchors < NEWER_ANCHORS; anchors++) {
    await net.origin.provider.send("evm_mine", []);
    await anchorOriginOnAuxiliary(net);
  }
  const anchor = bindAuxiliary(net.deployment, net.auxiliary.provider).anchor;
  assert.match(await anchor.getStateRoot(height), /^0x0+$/, "the Anchor no longer holds the proven height");

  // The executor's log, for a failure's message.
  const logged: string[] = [];
  executor = await startLoggedExecutor(stack.config, logged);
  const deadline = Date.now() + 30_000;
  while (!CONFIRMED.has(await coGateway.getInboxMessageStatus(stake.messageHash))) {
    if (Date.now() > deadline) {
      throw new Error(`not confirmed within 30 s; the executor said:\n${logged.join("\n")}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  await waitForProgressed(stack, "Stake", 1);
});
