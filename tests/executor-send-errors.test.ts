// An RPC fault after an intent is planned and before its first attempt is recorded: the intent is
// left failed (the decision plans it again), not planned (which reads as in flight until a
// restart), and the next send goes through at the nonce the failed one did not use.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { JsonRpcProvider } from "ethers";
import { devWallet, ROLE_INDEX } from "../devnet/accounts.ts";
import type { Books } from "../executor/bookkeeping/index.ts";
import type { ChainName } from "../executor/config.ts";
import { createLogger } from "../executor/observability/logger.ts";
import type { TransactionManager } from "../executor/transactions/tx-manager.ts";
import { startManagerChains, testGasPolicy, type ManagerChains } from "./helpers/manager-chains.ts";

const facilitator = devWallet(ROLE_INDEX.facilitator);
let books: Books;
let manager: TransactionManager;
let providers: Record<ChainName, JsonRpcProvider>;
let stack: ManagerChains | undefined;
/** Methods whose next call fails as a dropped connection would. */
const failNext = new Set<string>();

before(async () => {
  stack = await startManagerChains({
    chainIds: { origin: 4121, auxiliary: 4122 },
    gas: testGasPolicy(5000),
    logger: createLogger({ level: "error", write: () => undefined }),
    adapt: (provider) => {
      const send = provider.send.bind(provider);
      provider.send = async (method: string, params: unknown[] | Record<string, unknown>) => {
        if (failNext.delete(method)) throw Object.assign(new Error("socket hang up"), { code: "ECONNRESET" });
        return send(method, params);
      };
    },
  });
  ({ books, manager, providers } = stack);
});

after(async () => {
  await stack?.stop();
});

test("a fault before the first attempt is recorded leaves the intent failed; sent again, it goes through", async () => {
  const request = {
    chain: "origin" as const,
    subject: "0x" + "ab".repeat(32),
    step: "progressStake",
    to: devWallet(3).address,
    data: "0x",
    value: 1n,
  };
  failNext.add("eth_getBlockByNumber"); // the base fee, read after the dry run
  const first = await manager.send(request);
  assert.equal(first.status, "failed");
  const [failed] = await books.intentsFor(request.subject);
  assert.equal(failed!.status, "failed", "not left planned");
  assert.equal(failed!.attempts.length, 0, "nothing was signed");

  const second = await manager.send(request);
  assert.equal(second.status, "confirmed", JSON.stringify(second));
  const tx = await providers.origin.getTransaction((second as { hash: string }).hash);
  assert.equal(tx!.nonce, 0, "the failed send used no nonce");
  assert.equal(await providers.origin.getTransactionCount(facilitator.address, "latest"), 1);
});
