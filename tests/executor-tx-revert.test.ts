// A transaction whose dry run passed but that reverts in its block (another transaction changed the
// state in between): its intent fails with the contract's revert reason, the reverted attempt is set
// aside for good, and once the state allows it the same (subject, step) is sent again at a new nonce
// and mined with status 1.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import {
  Contract,
  ContractFactory,
  Interface,
  solidityPackedKeccak256,
  zeroPadValue,
  type JsonRpcProvider,
} from "ethers";
import { tokenArtifact } from "../chain/mosaic-artifacts.ts";
import { mined } from "../chain/receipts.ts";
import { devWallet, ROLE_INDEX } from "../devnet/accounts.ts";
import type { Books } from "../executor/bookkeeping/index.ts";
import { createLogger } from "../executor/observability/logger.ts";
import type { TransactionManager, TransactionRequest } from "../executor/transactions/tx-manager.ts";
import { startManagerChains, testGasPolicy, type ManagerChains } from "./helpers/manager-chains.ts";

const facilitator = devWallet(ROLE_INDEX.facilitator);
const payee = devWallet(5).address;
const AMOUNT = 100n;
/** MintableToken's storage: name, symbol, totalSupply, then the balanceOf mapping. */
const BALANCE_OF_SLOT = 3n;

let books: Books;
let manager: TransactionManager;
let origin: JsonRpcProvider;
let stack: ManagerChains | undefined;
let token: Contract;

before(async () => {
  stack = await startManagerChains({
    chainIds: { origin: 4131, auxiliary: 4132 },
    gas: testGasPolicy(30_000),
    logger: createLogger({ level: "error", write: () => undefined }),
  });
  ({ books, manager } = stack);
  origin = stack.providers.origin;
  const owner = devWallet(ROLE_INDEX.owner).connect(origin);
  const { abi, bytecode } = tokenArtifact();
  const deployed = await new ContractFactory(abi, bytecode, owner).deploy("Token", "TOK");
  await mined(deployed.deploymentTransaction()!);
  token = deployed as Contract;
  await mined(token.getFunction("mint")(owner.address, AMOUNT));
  await mined(token.getFunction("approve")(facilitator.address, AMOUNT));
});

after(async () => {
  await stack?.stop();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

test("a transaction that reverts in its block fails with the reason; sent again after the fix, it is mined", async () => {
  const owner = devWallet(ROLE_INDEX.owner).connect(origin);
  const request: TransactionRequest = {
    chain: "origin",
    subject: "0x" + "cd".repeat(32),
    step: "takeTokens",
    to: await token.getAddress(),
    data: new Interface(tokenArtifact().abi).encodeFunctionData("transferFrom", [
      owner.address,
      payee,
      AMOUNT,
    ]),
  };

  await origin.send("evm_setAutomine", [false]);
  const first = manager.send(request); // the dry run passes: the allowance is there
  for (;;) {
    const [intent] = await books.intentsFor(request.subject);
    if (intent?.attempts.some((attempt) => attempt.status === "broadcast")) break;
    await sleep(50);
  }
  // The owner's balance goes (written straight into the token's storage) before the block is mined.
  const balanceSlot = solidityPackedKeccak256(["uint256", "uint256"], [owner.address, BALANCE_OF_SLOT]);
  await origin.send("anvil_setStorageAt", [request.to, balanceSlot, zeroPadValue("0x00", 32)]);
  assert.equal(await token.getFunction("balanceOf")(owner.address), 0n);
  await origin.send("evm_mine", []);
  const reverted = await first;
  assert.equal(reverted.status, "failed");
  assert.equal((reverted as { kind: string }).kind, "revert");
  assert.match((reverted as { message: string }).message, /Balance is too low/);
  const [failed] = await books.intentsFor(request.subject);
  assert.equal(failed!.status, "failed");
  assert.match(failed!.errorMessage ?? "", /Balance is too low/);
  assert.deepEqual(
    failed!.attempts.map((attempt) => attempt.status),
    ["reverted"],
  );

  await origin.send("evm_setAutomine", [true]);
  await mined(token.connect(owner).getFunction("mint")(owner.address, AMOUNT));
  const second = await manager.send(request);
  assert.equal(second.status, "confirmed", JSON.stringify(second));
  const receipt = await origin.getTransactionReceipt((second as { hash: string }).hash);
  assert.equal(receipt!.status, 1);
  assert.equal(await token.getFunction("balanceOf")(payee), AMOUNT);
  const [confirmed] = await books.intentsFor(request.subject);
  assert.equal(confirmed!.status, "confirmed");
  assert.deepEqual(
    confirmed!.attempts.map((attempt) => [attempt.status, attempt.nonce]),
    [
      ["reverted", 0n],
      ["mined", 1n],
    ],
  );
});
