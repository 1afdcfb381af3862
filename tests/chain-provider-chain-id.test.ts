// A provider with checkChainId asks each URL its chain id before it sends it anything, also a URL
// that was down when the provider was made (the executor's start-up check could not ask it then).
// A URL of another chain is never used, for reads or sends, and is reported once. Real anvils.
import assert from "node:assert/strict";
import { after, test } from "node:test";
import { connectChain, WrongChainError } from "../chain/provider.ts";
import { devWallet } from "../devnet/accounts.ts";
import { freePort, startAnvil, type AnvilChain } from "../devnet/anvil.ts";

const running: AnvilChain[] = [];
after(() => Promise.all(running.map((chain) => chain.stop())));

test("a URL down at start and up later on another chain is refused, and nothing is sent to it", async () => {
  const ours = await startAnvil({ name: "ours", chainId: 1515 });
  running.push(ours);
  const direct = connectChain(ours.rpcUrl, 1515);
  for (let block = 0; block < 3; block++) await direct.send("evm_mine", []);
  direct.destroy();
  const laterPort = await freePort();
  const wrongChain: [number, bigint][] = [];
  const provider = connectChain([`http://127.0.0.1:${laterPort}`, ours.rpcUrl], 1515, {
    retries: 0,
    timeoutMs: 2000,
    checkChainId: true,
    onWrongChain: (index, chainId) => wrongChain.push([index, chainId]),
  });
  try {
    assert.equal(await provider.getBlockNumber(), 3, "the first URL is down: ours answers");

    // The first URL comes up, on another chain; ours goes down.
    const other = await startAnvil({ name: "other", chainId: 1616, port: laterPort });
    running.push(other);
    running.splice(running.indexOf(ours), 1);
    await ours.stop();
    await assert.rejects(provider.getBlockNumber(), (error: Error) => {
      assert.ok(error instanceof WrongChainError, `${error.name}: ${error.message}`);
      assert.match(error.message, /^127\.0\.0\.1:\d+ is chain 1616, not chain 1515: it is not used$/);
      return true;
    });
    const sender = devWallet(2, provider);
    await assert.rejects(sender.sendTransaction({ to: devWallet(3).address, value: 1n, chainId: 1515 }));
    assert.deepEqual(wrongChain, [[0, 1616n]], "reported once");
    const otherProvider = connectChain(other.rpcUrl, 1616);
    assert.equal(await otherProvider.getTransactionCount(sender.address), 0, "nothing was sent to it");
    assert.equal(await otherProvider.getBlockNumber(), 0);
    otherProvider.destroy();
  } finally {
    provider.destroy();
  }
});
