// The development network's life cycle: it refuses clearly when it cannot start, and no anvil
// process outlives the program that started it, however that program ends.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import net from "node:net";
import { test } from "node:test";
import { HDNodeWallet } from "ethers";
import { DEV_MNEMONIC, LOOPBACK, startAnvil } from "../devnet/anvil.ts";
import { startDevNetwork } from "../devnet/network.ts";
import { anvilPidsForChainId, isRunning, waitUntilGone } from "./helpers/processes.ts";

test("starts two chains with distinct ids on free loopback ports and stops them", async () => {
  const network = await startDevNetwork({ originChainId: 4101, auxiliaryChainId: 4102 });
  const pids = [network.origin.pid, network.auxiliary.pid];
  try {
    assert.notEqual(network.origin.port, network.auxiliary.port);
    assert.match(network.origin.rpcUrl, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.equal((await network.origin.provider.getNetwork()).chainId, 4101n);
    assert.equal(Number(await network.auxiliary.provider.send("eth_chainId", [])), 4102);
    assert.ok(pids.every(isRunning));
  } finally {
    await network.stop();
  }
  assert.deepEqual(await waitUntilGone(pids, 2000), [], "anvil processes are gone after stop()");
  assert.deepEqual(anvilPidsForChainId(4101), []);
});

test("mines on an interval when a block time is given", async () => {
  const network = await startDevNetwork({ blockTime: 1 });
  try {
    const first = await network.origin.provider.getBlockNumber();
    await new Promise((resolve) => setTimeout(resolve, 2500));
    assert.ok((await network.origin.provider.getBlockNumber()) >= first + 2, "two or more blocks in 2.5 s");
  } finally {
    await network.stop();
  }
});

test("starts with hundreds of accounts, each funded (their listing outgrows the kept output)", async () => {
  const chain = await startAnvil({ name: "origin", chainId: 4231, accounts: 300 });
  try {
    const last = HDNodeWallet.fromPhrase(DEV_MNEMONIC, "", "m/44'/60'/0'/0").deriveChild(299).address;
    const balance = await fetch(chain.rpcUrl, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_getBalance", params: [last, "latest"] }),
    });
    assert.ok(BigInt(((await balance.json()) as { result: string }).result) > 0n, "account #299 has ether");
  } finally {
    await chain.stop();
  }
});

test("refuses a port that is taken, naming the chain and the port, and leaves nothing running", async () => {
  const holder = net.createServer();
  await new Promise<void>((resolve) => holder.listen(0, LOOPBACK, resolve));
  const port = (holder.address() as net.AddressInfo).port;
  try {
    await assert.rejects(
      startDevNetwork({ originChainId: 4301, auxiliaryPort: port }),
      new RegExp(`auxiliary chain: port ${port} on 127\\.0\\.0\\.1 is already in use`),
    );
  } finally {
    holder.close();
  }
  assert.deepEqual(anvilPidsForChainId(4301), [], "the origin chain that did start was stopped");
});

test("refuses a missing anvil binary and says how to get one", async () => {
  await assert.rejects(
    startDevNetwork({ anvilBinary: "/nonexistent/bin/anvil" }),
    /the anvil binary was not found at \/nonexistent\/bin\/anvil; run `npm ci`.*ANVIL_BINARY/,
  );
});

test("no anvil outlives a parent killed with SIGKILL", async () => {
  const child = spawn(
    process.execPath,
    ["--import", "tsx", "tests/helpers/devnet-child.ts", "4201", "4202"],
    {
      stdio: ["ignore", "pipe", "inherit"],
    },
  );
  const pids = await new Promise<number[]>((resolve, reject) => {
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => {
      output += chunk.toString();
      const line = output.split("\n").find((text) => text.startsWith("{"));
      if (line) resolve((JSON.parse(line) as { pids: number[] }).pids);
    });
    child.once("exit", (code) => reject(new Error(`the child exited early (${code})`)));
  });
  assert.equal(pids.length, 2);
  assert.ok(pids.every(isRunning), "both chains run while their parent lives");
  child.kill("SIGKILL");
  assert.deepEqual(await waitUntilGone(pids), [], "both anvil processes ended with their parent");
});
