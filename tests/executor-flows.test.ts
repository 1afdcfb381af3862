// Both flows driven only by the executor, for many stakers and redeemers at once, against the
// development network, the embedded indexer and an anchorer: every flow completes, each step's
// effect is sent once.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { parseEther, parseUnits } from "ethers";
import { openBooks } from "../executor/bookkeeping/index.ts";
import type { RunningExecutor } from "../executor/service-api.ts";
import { devWallet, ROLE_INDEX } from "../devnet/accounts.ts";
import { type ExecutorStack, startExecutorStack, startLoggedExecutor } from "./helpers/executor-stack.ts";
import { REDEEM_STEPS, STAKE_STEPS, waitForConfirmed, waitForProgressed } from "./helpers/executor-watch.ts";
import { requestRedeem, requestStake } from "./helpers/manual-flows.ts";

const USERS = Array.from({ length: 24 }, (_, index) => index + 2);
const lines: string[] = [];
let stack: ExecutorStack;
let executor: RunningExecutor;

before(async () => {
  stack = await startExecutorStack();
  executor = await startLoggedExecutor(stack.config, lines);
});
after(async () => {
  await executor?.stop();
  await stack?.stop();
});

test(
  "24 stakes and then 24 redeems complete, driven only by the executor",
  { timeout: 300_000 },
  async () => {
    const terms = { gasPrice: parseUnits("1", "gwei"), gasLimit: 200_000n };
    await Promise.all(
      USERS.map((user) =>
        requestStake(stack.net, devWallet(user), {
          amount: parseEther("100"),
          beneficiary: devWallet(user).address,
          ...terms,
        }),
      ),
    );
    const stakes = await waitForProgressed(stack, "Stake", USERS.length);
    assert.equal(stakes.size, USERS.length);

    await Promise.all(
      USERS.map((user) =>
        requestRedeem(stack.net, devWallet(user), {
          amount: parseEther("40"),
          beneficiary: devWallet(user).address,
          ...terms,
        }),
      ),
    );
    const redeems = await waitForProgressed(stack, "Redeem", USERS.length);
    assert.equal(redeems.size, USERS.length);
    // The last steps are indexed before the executor's next look at their receipts records them.
    await waitForConfirmed(executor.books, [...STAKE_STEPS, ...REDEEM_STEPS], USERS.length);

    // Each step's effect was sent once: one intent per (message, step), each mined by one attempt.
    await executor.stop();
    const books = await openBooks({ url: stack.config.databaseUrl });
    try {
      const intents = await books.recent(10_000);
      const confirmed = intents.filter((intent) => intent.status === "confirmed");
      const count = (step: string) => confirmed.filter((intent) => intent.step === step).length;
      for (const step of STAKE_STEPS) {
        assert.equal(count(step), USERS.length, `${step} once per stake`);
      }
      for (const step of REDEEM_STEPS) {
        assert.equal(count(step), USERS.length, `${step} once per redeem`);
      }
      assert.ok(count("proveGateway") >= 2, "proofs in both directions");
      assert.ok(count("proveGateway") < 2 * USERS.length, "a proof serves several messages");
      for (const intent of confirmed) {
        assert.equal(
          intent.attempts.filter((attempt) => attempt.status === "mined").length,
          1,
          `${intent.subject} ${intent.step}`,
        );
      }
      // The facilitator sent nothing the books do not know of.
      const facilitator = devWallet(ROLE_INDEX.facilitator).address;
      for (const [chain, provider] of [
        ["origin", stack.net.origin.provider],
        ["auxiliary", stack.net.auxiliary.provider],
      ] as const) {
        const chainId = stack.net.deployment[chain].chainId;
        const sent = await provider.getTransactionCount(facilitator, "latest");
        const booked = intents.filter(
          (intent) => Number(intent.chainId) === chainId && intent.minedHash !== null,
        ).length;
        assert.equal(sent, booked, `transactions of the facilitator on ${chain}`);
      }
    } finally {
      await books.close();
    }
    assert.ok(
      !lines.some((line) => /"level":"error"/.test(line)),
      lines.filter((line) => /error/.test(line)).join("\n"),
    );
  },
);
