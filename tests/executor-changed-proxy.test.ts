// The message an accept declares is known for certain only from its receipt: before sending, the
// executor works its hash out from the request's proxy as read then. Here the executor stored its
// secret and that hash, and stopped before sending (a crash); meanwhile the staker revoked, had its
// proxy destroyed and asked again with the same terms (the same request hash, a new proxy). The
// accept, sent on restart with the stored secret, declares another message than the stored hash
// names; the executor must take its own message from the receipt and complete the flow.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { hexlify, keccak256, parseEther, parseUnits, randomBytes } from "ethers";
import { gatewayPairs } from "../chain/deployment-file.ts";
import { messageHash } from "../chain/message-hashes.ts";
import { bindOrigin, bindPairOnOrigin } from "../chain/mosaic-contracts.ts";
import { mined } from "../chain/receipts.ts";
import { devWallet } from "../devnet/accounts.ts";
import { openBooks } from "../executor/bookkeeping/index.ts";
import type { RunningExecutor } from "../executor/service-api.ts";
import {
  type ExecutorStack,
  SECRETS_PASSPHRASE,
  startExecutorStack,
  startLoggedExecutor,
} from "./helpers/executor-stack.ts";
import { waitForProgressed } from "./helpers/executor-watch.ts";
import { requestStake } from "./helpers/manual-flows.ts";

let stack: ExecutorStack;
let executor: RunningExecutor | undefined;

before(async () => {
  stack = await startExecutorStack();
});
after(async () => {
  await executor?.stop();
  await stack?.stop();
});

test(
  "an accept that declares another message than worked out before sending is followed by its receipt",
  { timeout: 180_000 },
  async () => {
    const { net } = stack;
    const user = devWallet(2);
    const pair = gatewayPairs(net.deployment)[0]!;
    const terms = {
      amount: parseEther("10"),
      beneficiary: user.address,
      gasPrice: parseUnits("1", "gwei"),
      gasLimit: 200_000n,
    };
    const first = await requestStake(net, user, terms);

    // What the executor stored before it stopped: the secret, and the hash of the message an accept
    // would have declared from the proxy of that moment.
    const secret = hexlify(randomBytes(32));
    const expected = messageHash("stake", {
      ...terms,
      nonce: first.nonce,
      gateway: pair.gateway,
      sender: first.stakerProxy,
      hashLock: keccak256(secret),
    });
    const books = await openBooks({ url: stack.config.databaseUrl, passphrase: SECRETS_PASSPHRASE });
    await books.storeSecret(first.stakeRequestHash, secret, expected);
    await books.close();

    const composer = bindOrigin(net.deployment, user.connect(net.origin.provider)).ostComposer;
    await mined(
      composer.getFunction("revokeStakeRequest")(
        terms.amount,
        terms.beneficiary,
        terms.gasPrice,
        terms.gasLimit,
        first.nonce,
        pair.gateway,
      ),
    );
    await mined(composer.getFunction("destructStakerProxy")());
    const again = await requestStake(net, user, terms);
    assert.equal(again.stakeRequestHash, first.stakeRequestHash, "the same request");
    assert.notEqual(again.stakerProxy.toLowerCase(), first.stakerProxy.toLowerCase(), "from a new proxy");

    const logged: string[] = [];
    executor = await startLoggedExecutor(stack.config, logged);
    const declared = messageHash("stake", {
      ...terms,
      nonce: again.nonce,
      gateway: pair.gateway,
      sender: again.stakerProxy,
      hashLock: keccak256(secret),
    });
    try {
      await waitForProgressed(stack, "Stake", 1, 60_000);
    } catch (error) {
      const gateway = bindPairOnOrigin(pair, net.origin.provider).gateway;
      const status = await gateway.getOutboxMessageStatus(declared);
      throw new Error(
        `${(error as Error).message}; the accept declared ${declared} (outbox status ${status}), the books hold ${expected}; the executor said:\n${logged.slice(-20).join("\n")}`,
      );
    }
    const held = await executor.books.heldHashLocks({
      subjects: [first.stakeRequestHash.toLowerCase()],
      hashLocks: [],
    });
    assert.deepEqual(
      held.map((record) => record.messageHash),
      [declared],
      "the books hold the hash of the message the accept declared",
    );
    assert.ok(
      logged.some((line) => line.includes("declared another message")),
      "the correction is logged",
    );
  },
);
