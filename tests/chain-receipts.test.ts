// Waiting for receipts: a receipt that appears after the chain's last block is still seen, a
// transaction never mined ends in a timeout naming it, a receipt of another transaction is not taken
// for ours, and a reverted one is not taken as mined.
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  JsonRpcProvider,
  Network,
  TransactionResponse,
  type JsonRpcPayload,
  type JsonRpcResult,
} from "ethers";
import { mined, receiptOf, ReceiptTimeoutError } from "../chain/receipts.ts";
import { startAnvil } from "../devnet/anvil.ts";
import { connectChain } from "../chain/provider.ts";
import { devWallet } from "../devnet/accounts.ts";

const HASH = `0x${"ab".repeat(32)}`;
const OTHER_HASH = `0x${"ef".repeat(32)}`;
const FROM = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
const TO = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC";

/** A node under automine after its last transaction: the head stays at block 5 (which holds the
 * transaction), and the receipt is only there from the `receiptOnAsk`-th ask on. */
class LastBlockNode extends JsonRpcProvider {
  receiptAsks = 0;
  constructor(
    private readonly receiptOnAsk: number,
    private readonly status = 1,
    /** Asks before this one are answered with a receipt of another transaction. */
    private readonly othersBefore = 0,
  ) {
    super("http://127.0.0.1:1", Network.from(1515), { staticNetwork: true, cacheTimeout: -1 });
    this.pollingInterval = 20;
  }

  override async _send(payload: JsonRpcPayload | JsonRpcPayload[]): Promise<JsonRpcResult[]> {
    const requests = Array.isArray(payload) ? payload : [payload];
    return requests.map(({ id, method }) => ({ id, result: this.answer(method) }));
  }

  private answer(method: string): unknown {
    if (method === "eth_blockNumber") return "0x5";
    if (method === "eth_getTransactionCount") return "0x0";
    if (method !== "eth_getTransactionReceipt") throw new Error(`not asked in this test: ${method}`);
    this.receiptAsks += 1;
    if (this.receiptAsks < this.receiptOnAsk) return null;
    return {
      transactionHash: this.receiptAsks < this.othersBefore ? OTHER_HASH : HASH,
      transactionIndex: "0x0",
      blockHash: `0x${"cd".repeat(32)}`,
      blockNumber: "0x5",
      from: FROM,
      to: TO,
      contractAddress: null,
      cumulativeGasUsed: "0x5208",
      gasUsed: "0x5208",
      effectiveGasPrice: "0x1",
      logs: [],
      logsBloom: `0x${"00".repeat(256)}`,
      status: `0x${this.status}`,
      type: "0x2",
    };
  }
}

/** The response a send returns, bound to the node. */
function sentTo(node: LastBlockNode): TransactionResponse {
  return new TransactionResponse(
    {
      blockNumber: null,
      blockHash: null,
      hash: HASH,
      index: 0,
      type: 2,
      to: TO,
      from: FROM,
      nonce: 0,
      gasLimit: 21_000n,
      gasPrice: 1n,
      maxPriorityFeePerGas: 1n,
      maxFeePerGas: 1n,
      maxFeePerBlobGas: null,
      data: "0x",
      value: 1n,
      chainId: 1515n,
      signature: { r: `0x${"11".repeat(32)}`, s: `0x${"22".repeat(32)}`, yParity: 0 } as never,
      accessList: [],
      blobVersionedHashes: null,
      authorizationList: null,
    },
    node,
  );
}

test(
  "a receipt that appears only after the chain's last block is still seen",
  { timeout: 10_000 },
  async () => {
    const node = new LastBlockNode(4);
    const receipt = await mined(sentTo(node), 5_000);
    assert.equal(receipt.hash, HASH);
    assert.equal(receipt.blockNumber, 5);
    assert.equal(node.receiptAsks, 4, "asked again until it came, with no new block to prompt it");
    node.destroy();
  },
);

test("a receipt of another transaction is not taken for ours: it is asked for again", async () => {
  const node = new LastBlockNode(1, 1, 3);
  const receipt = await receiptOf(node, HASH, 5_000);
  assert.equal(receipt.hash, HASH);
  assert.equal(node.receiptAsks, 3, "two answers of another transaction, then ours");
  node.destroy();
});

test("a transaction never mined ends in a timeout that names it", async () => {
  const node = new LastBlockNode(Number.POSITIVE_INFINITY);
  const started = Date.now();
  await assert.rejects(receiptOf(node, HASH, 300), (error: unknown) => {
    assert.ok(error instanceof ReceiptTimeoutError);
    assert.match(error.message, new RegExp(`${HASH} was not mined within 0.3 s`));
    return true;
  });
  assert.ok(Date.now() - started >= 300, "waited the whole timeout");
  assert.ok(node.receiptAsks >= 2, "asked more than once");
  node.destroy();
});

test("a reverted transaction is returned by receiptOf and refused by mined", async () => {
  const node = new LastBlockNode(1, 0);
  assert.equal((await receiptOf(node, HASH, 1_000)).status, 0);
  await assert.rejects(mined(sentTo(node), 1_000), /failed \(status 0\)/);
  node.destroy();
});

test("mined returns the receipt of a transaction sent to anvil under automine", async () => {
  const chain = await startAnvil({ name: "receipts", chainId: 1515 });
  const provider = connectChain(chain.rpcUrl, 1515);
  try {
    const sender = devWallet(2, provider);
    const sent = await sender.sendTransaction({ to: devWallet(3).address, value: 1n });
    const receipt = await mined(sent);
    assert.equal(receipt.hash, sent.hash);
    assert.equal(receipt.status, 1);
    assert.equal(receipt.blockNumber, await provider.getBlockNumber(), "no block came after it");
  } finally {
    provider.destroy();
    await chain.stop();
  }
});
