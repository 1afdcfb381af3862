// The subgraph is a hint, the chain and the deployment are the truth: an HTTP proxy in front of the
// indexer rewrites the composer and redeem pool of real open requests, and then a request's terms.
// Nothing is sent to, or approved for, the addresses it names; a request answered with a null
// amount is refused on its own while one beside it completes; once it stops lying, both flows
// complete, and the composer's allowance stays bounded.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { MaxUint256, parseEther, parseUnits } from "ethers";
import { bindOrigin } from "../chain/mosaic-contracts.ts";
import { devWallet, ROLE_INDEX } from "../devnet/accounts.ts";
import { BOUNTY_ALLOWANCE_BOUNTIES } from "../executor/actions/bounty-allowance.ts";
import { createMetrics, type ExecutorMetrics } from "../executor/observability/metrics.ts";
import type { RunningExecutor } from "../executor/service-api.ts";
import { formatStatus, statusOf } from "../executor/status.ts";
import { SUBGRAPH_NAMES } from "../subgraph/hosting.ts";
import {
  configThrough,
  type ExecutorStack,
  startExecutorStack,
  startLoggedExecutor,
} from "./helpers/executor-stack.ts";
import { waitForProgressed } from "./helpers/executor-watch.ts";
import { requestRedeem, requestStake } from "./helpers/manual-flows.ts";
import { startRewritingProxy, type RewritingProxy } from "./helpers/rewriting-proxy.ts";

const ATTACKER = "0x000000000000000000000000000000000000bad1";
const lines: string[] = [];
let stack: ExecutorStack;
let proxy: RewritingProxy;
let executor: RunningExecutor;
let metrics: ExecutorMetrics;

/** Every composer and redeem pool in the answers becomes the attacker's address. */
const lieAboutContracts = (body: string) =>
  body.replace(/"(composer|redeemPool)":"0x[0-9a-fA-F]{40}"/g, `"$1":"${ATTACKER}"`);
/** Every beneficiary in the answers becomes the attacker's address (the contracts stay true). */
const lieAboutTerms = (body: string) =>
  body.replace(/"beneficiary":"0x[0-9a-fA-F]{40}"/g, `"beneficiary":"${ATTACKER}"`);

/** The amount of every stake request of `staker` in the answers becomes null. */
const nullAmountOfRequestsBy = (staker: string) => (body: string) => {
  const answer = JSON.parse(body) as { data?: { page?: unknown } };
  const page = answer.data?.page;
  if (!Array.isArray(page)) return body;
  for (const row of page as Record<string, unknown>[])
    if (row?.staker === staker.toLowerCase()) row.amount = null;
  return JSON.stringify(answer);
};

async function until(what: string, condition: () => boolean | Promise<boolean>, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

async function untrustedCount(reason: string): Promise<number> {
  const metric = await metrics.untrustedInput.get();
  return metric.values.find((value) => value.labels.reason === reason)?.value ?? 0;
}

const skipLogged = (subject: string) =>
  lines.some(
    (line) =>
      line.includes('"msg":"left alone"') &&
      line.includes(subject.toLowerCase()) &&
      line.includes("untrustedInput"),
  );

async function targets(): Promise<string[]> {
  return (await executor.books.recent(10_000)).map((intent) => intent.target.toLowerCase());
}

before(async () => {
  stack = await startExecutorStack();
  proxy = await startRewritingProxy(new URL(stack.host.httpUrl(SUBGRAPH_NAMES.origin)).origin);
  proxy.rewrite = lieAboutContracts;
  metrics = createMetrics();
  executor = await startLoggedExecutor(configThrough(stack, proxy.urlFor), lines, metrics);
});
after(async () => {
  await executor?.stop();
  await proxy?.stop();
  await stack?.stop();
});

test(
  "requests placed at other contracts, with other terms or malformed, by the subgraph are refused; the truth completes",
  { timeout: 300_000 },
  async () => {
    const { deployment } = stack.net;
    const facilitator = devWallet(ROLE_INDEX.facilitator).address;
    const baseToken = bindOrigin(deployment, stack.net.origin.provider).baseToken;
    const user = devWallet(2);
    const terms = { gasPrice: parseUnits("1", "gwei"), gasLimit: 200_000n };

    // 1. The subgraph places the stake request at the attacker's composer.
    const stake = await requestStake(stack.net, user, {
      amount: parseEther("10"),
      beneficiary: user.address,
      ...terms,
    });
    await until("the stake request left alone as untrusted input", () => skipLogged(stake.stakeRequestHash));
    assert.ok((await untrustedCount("requestContract")) >= 1, "counted in facilitator_untrusted_input_total");
    const status = formatStatus(
      await statusOf(stake.stakeRequestHash, { readers: executor.readers, books: executor.books }),
    );
    assert.match(status, /untrustedInput/, "`facilitator status` shows the reason");

    // 2. The contracts are told truly, the terms are not: the request's id does not hash from them.
    proxy.rewrite = lieAboutTerms;
    await until("a refusal of the lied-about terms", async () => (await untrustedCount("requestTerms")) >= 1);
    assert.deepEqual(await executor.books.intentsFor(stake.stakeRequestHash), [], "nothing planned for it");
    assert.equal(await baseToken.allowance(facilitator, ATTACKER), 0n, "nothing approved for the attacker");

    // 3. The truth: the stake completes.
    proxy.rewrite = undefined;
    await waitForProgressed(stack, "Stake", 1);

    // 4. A stake request answered with a null amount is refused on its own; one beside it completes.
    const [clean, malformed] = [user, devWallet(3)];
    proxy.rewrite = nullAmountOfRequestsBy(malformed.address);
    await requestStake(stack.net, clean, { amount: parseEther("3"), beneficiary: clean.address, ...terms });
    const refusedStake = await requestStake(stack.net, malformed, {
      amount: parseEther("2"),
      beneficiary: malformed.address,
      ...terms,
    });
    await waitForProgressed(stack, "Stake", 2, 60_000);
    await until("the malformed row refused", () =>
      lines.some(
        (line) =>
          line.includes('"msg":"subgraph row refused"') &&
          line.includes(refusedStake.stakeRequestHash.toLowerCase()) &&
          line.includes("amount is null"),
      ),
    );
    assert.ok((await untrustedCount("subgraphRow")) >= 1, "counted in facilitator_untrusted_input_total");
    assert.deepEqual(
      await executor.books.intentsFor(refusedStake.stakeRequestHash),
      [],
      "nothing planned for it",
    );
    proxy.rewrite = undefined;
    await waitForProgressed(stack, "Stake", 3);

    // 5. The same for a redeem at the attacker's pool, then the truth.
    proxy.rewrite = lieAboutContracts;
    const redeem = await requestRedeem(stack.net, user, {
      amount: parseEther("4"),
      beneficiary: user.address,
      ...terms,
    });
    await until("the redeem request left alone as untrusted input", () =>
      skipLogged(redeem.redeemRequestHash),
    );
    assert.deepEqual(await executor.books.intentsFor(redeem.redeemRequestHash), [], "nothing planned for it");
    proxy.rewrite = undefined;
    await waitForProgressed(stack, "Redeem", 1);

    // Every transaction went to a contract of the deployment; the attacker was never a target.
    const contracts = new Set(
      [...Object.values(deployment.origin.contracts), ...Object.values(deployment.auxiliary.contracts)].map(
        (address) => address.toLowerCase(),
      ),
    );
    for (const target of await targets()) {
      assert.ok(contracts.has(target), `${target} is a contract of the deployment`);
    }
    assert.equal(await baseToken.allowance(facilitator, ATTACKER), 0n);
    // The composer's allowance is bounded: at most the top-up, never unlimited.
    const gateway = bindOrigin(deployment, stack.net.origin.provider).gateway;
    const allowance = await baseToken.allowance(facilitator, deployment.origin.contracts.ostComposer);
    assert.ok(allowance < MaxUint256);
    assert.ok(allowance <= (await gateway.bounty()) * BOUNTY_ALLOWANCE_BOUNTIES, `allowance ${allowance}`);
  },
);
