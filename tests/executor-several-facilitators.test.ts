// Three facilitators, each with its own worker key, books and port, on one development network:
// every request is accepted exactly once (counted from the chains), every flow completes, and at
// most one transaction reverts in all. Then the leader of some requests is killed (SIGKILL) before
// they are made: the next worker in their order accepts them, takeoverBlocks after the request.
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { after, before, test } from "node:test";
import { encryptKeystoreJsonSync, parseEther, parseUnits, type HDNodeWallet } from "ethers";
import { bindAuxiliary, bindOrigin } from "../chain/mosaic-contracts.ts";
import { stakeRequestHash } from "../chain/request-hashes.ts";
import { devWallet, facilitatorIndex } from "../devnet/accounts.ts";
import { auditChains, type Audit } from "../devnet/faults/chain-audit.ts";
import { requestRedeem, requestStake, type Request } from "../devnet/user-requests.ts";
import { turnOrder } from "../executor/decide/leader.ts";
import { SUBGRAPH_NAMES } from "../subgraph/hosting.ts";
import { spawnExecutor, type ExecutorProcess } from "./helpers/executor-process.ts";
import { KEYSTORE_PASSWORD, startExecutorStack, type ExecutorStack } from "./helpers/executor-stack.ts";
import { waitForProgressed } from "./helpers/executor-watch.ts";
import { graphql } from "./helpers/graphql-client.ts";

const FACILITATORS = 3;
const TAKEOVER_BLOCKS = 8;
const FIRST_USERS = [2, 3, 4, 5, 6, 7, 8, 9, 10, 11];
const TERMS = { gasPrice: parseUnits("1", "gwei"), gasLimit: 200_000n };

const facilitators: HDNodeWallet[] = Array.from({ length: FACILITATORS }, (_, n) =>
  devWallet(facilitatorIndex(n)),
);
const workers = facilitators.map((wallet) => wallet.address.toLowerCase());
let stack: ExecutorStack;
const running = new Map<number, ExecutorProcess>();

/** Facilitator n's configuration: the stack's, with its own keystore, books and (free) port. */
function configFor(n: number): string {
  const base = JSON.parse(readFileSync(stack.configFile, "utf8")) as Record<string, unknown>;
  const wallet = facilitators[n]!;
  const keystore = `keystore-${n}.json`;
  writeFileSync(
    path.join(stack.dir, keystore),
    encryptKeystoreJsonSync({ address: wallet.address, privateKey: wallet.privateKey }, KEYSTORE_PASSWORD, {
      scrypt: { N: 1024 },
    }),
  );
  const file = path.join(stack.dir, `facilitator-${n}.json`);
  writeFileSync(
    file,
    JSON.stringify({
      ...base,
      keystore,
      database: `file:books-${n}.sqlite`,
      takeoverBlocks: TAKEOVER_BLOCKS,
    }),
  );
  return file;
}

/** Opening the books (migrations) takes tens of seconds on a busy machine: wait generously. */
async function started(executor: ExecutorProcess): Promise<void> {
  const deadline = Date.now() + 240_000;
  while (!executor.output().includes('"msg":"executor started"')) {
    assert.ok(Date.now() < deadline, `an executor did not start:\n${executor.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function audits(): Promise<Audit[]> {
  const chains = { origin: stack.net.origin.provider, auxiliary: stack.net.auxiliary.provider };
  return Promise.all(facilitators.map((wallet) => auditChains(chains, wallet.address)));
}

/** Who accepted each request ("staker#nonce"), and in which block, counted from the chains. */
function acceptances(found: Audit[]): Map<string, { facilitator: number; block: number }[]> {
  const accepted = new Map<string, { facilitator: number; block: number }[]>();
  found.forEach((audit, facilitator) => {
    for (const transaction of audit.transactions) {
      if (transaction.reverted || !/^accept(Stake|Redeem)Request$/.test(transaction.step)) continue;
      const key = `${transaction.step} ${transaction.subject}`;
      accepted.set(key, [...(accepted.get(key) ?? []), { facilitator, block: transaction.block }]);
    }
  });
  return accepted;
}

before(async () => {
  stack = await startExecutorStack({ network: { facilitators: FACILITATORS, blockTime: 1 } });
  for (let n = 0; n < FACILITATORS; n++) running.set(n, spawnExecutor(configFor(n)));
  await Promise.all([...running.values()].map(started));
});
after(async () => {
  for (const executor of running.values()) executor.child.kill("SIGKILL");
  await Promise.all([...running.values()].map((executor) => executor.exited));
  await stack?.stop();
});

test(
  "three facilitators: 10 stakes then 10 redeems, each accepted once, every flow complete",
  { timeout: 400_000 },
  async () => {
    const stake = (user: number) =>
      requestStake(stack.net, devWallet(user), {
        amount: parseEther("20"),
        beneficiary: devWallet(user).address,
        ...TERMS,
      });
    await Promise.all(FIRST_USERS.map(stake));
    await waitForProgressed(stack, "Stake", FIRST_USERS.length, 240_000);
    await Promise.all(
      FIRST_USERS.map((user) =>
        requestRedeem(stack.net, devWallet(user), {
          amount: parseEther("5"),
          beneficiary: devWallet(user).address,
          ...TERMS,
        }),
      ),
    );
    await waitForProgressed(stack, "Redeem", FIRST_USERS.length, 240_000);

    const found = await audits();
    const accepted = acceptances(found);
    assert.equal(accepted.size, 2 * FIRST_USERS.length, "every request accepted");
    for (const [request, by] of accepted) assert.equal(by.length, 1, `${request} accepted once`);
    const reverted = found.flatMap((audit) => audit.reverted);
    assert.ok(reverted.length <= 1, `reverted: ${JSON.stringify(reverted)}`);
    for (const audit of found) assert.deepEqual(audit.duplicates, []);
    // Each facilitator led and accepted some of the 20 requests.
    const byFacilitator = [...accepted.values()].map((by) => by[0]!.facilitator);
    assert.equal(new Set(byFacilitator).size, FACILITATORS, `acceptances by ${byFacilitator.join(",")}`);
  },
);

/** Terms (an amount near `around`) whose request the worker `leader` leads, with its request hash. */
async function termsLedBy(
  leader: string,
  hashOf: (request: Request) => Promise<string>,
  user: HDNodeWallet,
): Promise<Request & { hash: string }> {
  for (let extra = 0n; ; extra++) {
    const request = { amount: parseEther("3") + extra, beneficiary: user.address, ...TERMS };
    const hash = await hashOf(request);
    if (turnOrder(hash, workers)[0] === leader) return { ...request, hash };
  }
}

test(
  "the leader killed: the next in order takes its requests over after takeoverBlocks",
  { timeout: 300_000 },
  async () => {
    const killed = FACILITATORS - 1;
    const leader = workers[killed]!;
    running.get(killed)!.child.kill("SIGKILL");
    await running.get(killed)!.exited;
    running.delete(killed);

    const origin = bindOrigin(stack.net.deployment, stack.net.origin.provider);
    const auxiliary = bindAuxiliary(stack.net.deployment, stack.net.auxiliary.provider);
    const typeHash = await origin.ostComposer.STAKEREQUEST_INTENT_TYPEHASH();
    const stakers = [devWallet(12), devWallet(13)];
    const redeemers = [devWallet(2), devWallet(3)];
    const stakes = await Promise.all(
      stakers.map(async (staker) => {
        const nonce = await origin.gateway.getNonce(await origin.ostComposer.stakerProxies(staker.address));
        return termsLedBy(
          leader,
          async (request) =>
            stakeRequestHash(stack.net.deployment.origin.contracts.ostComposer, typeHash, {
              ...request,
              nonce,
              staker: staker.address,
              gateway: stack.net.deployment.origin.contracts.gateway,
            }),
          staker,
        );
      }),
    );
    const redeems = await Promise.all(
      redeemers.map(async (redeemer) => {
        const nonce = await auxiliary.coGateway.getNonce(
          await auxiliary.redeemPool.redeemerProxies(redeemer.address),
        );
        return termsLedBy(
          leader,
          (request) =>
            auxiliary.redeemPool.hashRedeemRequest(
              request.amount,
              request.beneficiary,
              request.gasPrice,
              request.gasLimit,
              nonce,
              redeemer.address,
              stack.net.deployment.auxiliary.contracts.coGateway,
            ),
          redeemer,
        );
      }),
    );
    const made = await Promise.all([
      ...stakes.map((terms, i) => requestStake(stack.net, stakers[i]!, terms)),
      ...redeems.map((terms, i) => requestRedeem(stack.net, redeemers[i]!, terms)),
    ]);
    assert.deepEqual(
      made.map((request) =>
        "stakeRequestHash" in request ? request.stakeRequestHash : request.redeemRequestHash,
      ),
      [...stakes, ...redeems].map((terms) => terms.hash),
      "the requests have the hashes their terms were chosen for",
    );
    await waitForProgressed(stack, "Stake", FIRST_USERS.length + stakes.length, 180_000);
    await waitForProgressed(stack, "Redeem", FIRST_USERS.length + redeems.length, 180_000);

    const requested = async (chain: "origin" | "auxiliary", field: string, hash: string) => {
      const data = await graphql<Record<string, { requestedBlock: string } | null>>(
        stack.host.httpUrl(SUBGRAPH_NAMES[chain]),
        `query($id: ID!) { request: ${field}(id: $id) { requestedBlock } }`,
        { id: hash },
      );
      return Number(data.request!.requestedBlock);
    };
    const accepted = acceptances(await audits());
    for (const [i, request] of made.entries()) {
      const isStake = "stakeRequestHash" in request;
      const hash = isStake ? request.stakeRequestHash : request.redeemRequestHash;
      const who = isStake ? request.staker : request.redeemer;
      const key = `${isStake ? "acceptStakeRequest" : "acceptRedeemRequest"} ${who.toLowerCase()}#${request.nonce}`;
      const by = accepted.get(key);
      assert.equal(by?.length, 1, `request ${i} (${key}) accepted once`);
      const next = workers.indexOf(turnOrder(hash, workers)[1]!);
      assert.equal(by[0]!.facilitator, next, `request ${i} taken over by the next in its order`);
      const requestedBlock = await requested(
        isStake ? "origin" : "auxiliary",
        isStake ? "stakeRequest" : "redeemRequest",
        hash,
      );
      assert.ok(
        by[0]!.block >= requestedBlock + TAKEOVER_BLOCKS,
        `request ${i} accepted at block ${by[0]!.block}, requested at ${requestedBlock}`,
      );
    }
  },
);
