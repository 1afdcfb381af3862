// An anchor's root is read from the executor's own node, so the `blockDepth` precondition asks
// that node (not the subgraph) for its head just before sending: the height must have the
// configured confirmations on top there, or the anchor is dropped. Real anvil.
import assert from "node:assert/strict";
import { after, test } from "node:test";
import { connectChain } from "../chain/provider.ts";
import { startAnvil } from "../devnet/anvil.ts";
import { brokenPrecondition, type ChainReaders } from "../executor/actions/preconditions.ts";
import type { AnchorAction } from "../executor/decide/index.ts";

const chain = await startAnvil({ name: "depth", chainId: 1515 });
const provider = connectChain(chain.rpcUrl, 1515);
after(async () => {
  provider.destroy();
  await chain.stop();
});

const anchorAt = (blockHeight: bigint, confirmations: bigint): AnchorAction => ({
  subject: `origin@${blockHeight}`,
  step: "anchor",
  chain: "auxiliary",
  source: "origin",
  from: "0x0000000000000000000000000000000000000001",
  retry: false,
  blockHeight,
  preconditions: [{ check: "blockDepth", chain: "origin", blockHeight, confirmations }],
});

test("an anchor holds only while our node has its confirmations on top of the height", async () => {
  for (let block = 0; block < 5; block++) await provider.send("evm_mine", []);
  const readers = { providers: { origin: provider, auxiliary: provider } } as unknown as ChainReaders;
  assert.equal(await brokenPrecondition(anchorAt(3n, 2n), readers), undefined, "5 >= 3 + 2");
  assert.equal(await brokenPrecondition(anchorAt(5n, 0n), readers), undefined, "the head itself, none asked");
  assert.deepEqual(await brokenPrecondition(anchorAt(4n, 2n), readers), {
    check: "blockDepth",
    reason: "origin's node does not have 2 blocks on top of height 4 yet (the subgraph is ahead of it)",
  });
  await provider.send("evm_mine", []);
  assert.equal(await brokenPrecondition(anchorAt(4n, 2n), readers), undefined, "one more block");
});
