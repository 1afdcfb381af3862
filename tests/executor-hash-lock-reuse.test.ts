// A hash lock is public from the accept on (it is in the accept's calldata and in the declared
// message). Someone who stakes directly at the gateway under that hash lock declares a message of
// their own that looks like ours by its lock; had the executor progressed it, our secret would be
// public while our own message is still open, and anyone could progress ours and take its bounty.
// Against the real contracts: the executor refuses that message (a skip that says why), sends
// nothing for it, and completes its own.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { parseEther } from "ethers";
import { bindOrigin, emittedEvent } from "../chain/mosaic-contracts.ts";
import { messageHash as declaredMessageHash } from "../chain/message-hashes.ts";
import { devWallet, ROLE_INDEX } from "../devnet/accounts.ts";
import { grantBaseToken } from "../devnet/direct-flows.ts";
import { mined } from "../chain/receipts.ts";
import { createLogger } from "../executor/observability/logger.ts";
import { createMetrics } from "../executor/observability/metrics.ts";
import type { RunningExecutor } from "../executor/service-api.ts";
import { startExecutor } from "../executor/service.ts";
import {
  KEYSTORE_PASSWORD,
  SECRETS_PASSPHRASE,
  startExecutorStack,
  type ExecutorStack,
} from "./helpers/executor-stack.ts";
import { STAKE_STEPS, waitForConfirmed, waitForProgressed } from "./helpers/executor-watch.ts";
import { requestStake } from "./helpers/manual-flows.ts";
import { until } from "./helpers/wait-until.ts";

const TERMS = { gasPrice: 0n, gasLimit: 0n };
let stack: ExecutorStack;
let executor: RunningExecutor;

before(async () => {
  stack = await startExecutorStack();
  executor = await startExecutor(
    stack.config,
    { keystorePassword: KEYSTORE_PASSWORD, secretsPassphrase: SECRETS_PASSPHRASE },
    { logger: createLogger({ level: "error", write: () => {} }), metrics: createMetrics() },
  );
});
after(async () => {
  await executor?.stop();
  await stack?.stop();
});

test(
  "a message declared by someone else under our hash lock is refused; ours completes",
  { timeout: 240_000 },
  async () => {
    const { net } = stack;
    const staker = devWallet(2);
    const requested = await requestStake(net, staker, {
      amount: parseEther("10"),
      beneficiary: staker.address,
      ...TERMS,
    });

    // Our accept stores the secret with the message it declares: the request's terms, its proxy
    // and the hash lock.
    const held = await until(
      "the accept's secret",
      async () =>
        (await executor.books.heldHashLocks({ subjects: [requested.stakeRequestHash], hashLocks: [] }))[0],
    );
    const ours = declaredMessageHash("stake", {
      ...requested,
      gateway: net.deployment.origin.contracts.gateway,
      sender: requested.stakerProxy,
      hashLock: held.hashLock,
    });
    assert.equal(held.messageHash, ours);

    // Someone stakes directly at the gateway under that hash lock (the bounty in base token, the
    // amount in value token): a real message, which the executor cannot tell from ours by its lock.
    const someone = devWallet(5, net.origin.provider);
    await grantBaseToken(net, devWallet(ROLE_INDEX.owner), someone.address, parseEther("10"));
    const origin = bindOrigin(net.deployment, someone);
    const gateway = net.deployment.origin.contracts.gateway;
    const amount = parseEther("1");
    await mined(origin.valueToken.approve(gateway, amount));
    await mined(origin.baseToken.approve(gateway, await origin.gateway.bounty()));
    const nonce = await origin.gateway.getNonce(someone.address);
    const receipt = await mined(origin.gateway.stake(amount, someone.address, 0n, 0n, nonce, held.hashLock));
    const theirs = (
      (await emittedEvent(receipt, origin.gateway, "StakeIntentDeclared")).args._messageHash as string
    ).toLowerCase();
    assert.notEqual(theirs, ours);

    await waitForProgressed(stack, "Stake", 1);
    await waitForConfirmed(executor.books, STAKE_STEPS, 1);
    assert.deepEqual(await executor.books.intentsFor(theirs), [], "nothing was sent for their message");
    const skip = await until(`a skip of ${theirs}`, async () =>
      (await executor.books.skips(100)).find((row) => row.subject.toLowerCase() === theirs),
    );
    assert.match(skip.reason, /^notAcceptedByUs: declared by someone else under the hash lock of our accept/);
    assert.equal(await origin.gateway.getOutboxMessageStatus(theirs), 1n, "their message is still Declared");
    assert.equal(await origin.gateway.getOutboxMessageStatus(ours), 2n, "ours is Progressed");
  },
);
