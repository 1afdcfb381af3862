// indexer/runtime/declared-calls.ts: a manifest's `calls:` on an event handler, parsed against the
// data source's ABIs and the event's parameters (refused by label when they do not fit), and the
// call each log makes, and the node's answers taken only as hex data. (Made early by the indexer:
// indexer-prefetch.test.ts.)
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import { Interface, type JsonRpcProvider } from "ethers";
import { ChainReader } from "../indexer/ingest/chain-reader.ts";
import { InFlightLimit } from "../indexer/ingest/in-flight-limit.ts";
import { callRequest } from "../indexer/runtime/declared-calls.ts";
import { loadManifest, ManifestError } from "../indexer/runtime/manifest.ts";
import { writeOneSourceManifest } from "./helpers/manifest-file.ts";

const dir = mkdtempSync(path.join(tmpdir(), "declared-calls-"));
after(() => rmSync(dir, { recursive: true, force: true }));

const TOKEN = new Interface([
  "event Moved(address indexed who, bytes32 indexed key, uint256 value)",
  "function balanceOf(address who) view returns (uint256)",
  "function entry(bytes32 key, uint256 value) view returns (uint256)",
  "function entry(bytes32 key) view returns (uint256)",
  "function total() view returns (uint256)",
]);
writeFileSync(path.join(dir, "Token.json"), JSON.stringify(TOKEN.formatJson()));

let written = 0;
function manifestWith(calls: unknown): string {
  return writeOneSourceManifest(path.join(dir, `subgraph-${++written}.yaml`), {
    contract: "Token",
    startBlock: 1,
    handler: { event: "Moved(indexed address,indexed bytes32,uint256)", handler: "handleMoved", calls },
  });
}

const WHO = "0x00000000000000000000000000000000000000B2";
const KEY = `0x${"ab".repeat(32)}`;
const LOG_ADDRESS = "0x00000000000000000000000000000000000000AA";

test("each declared call is the calldata the handler's own call of that function sends, to the contract named", () => {
  const file = manifestWith({
    owned: "Token[event.address].balanceOf(event.params.who)",
    byKey: "Token[event.address].entry(event.params.key, event.params.value)",
    elsewhere: "Token[event.params.who].total()",
  });
  const [handler] = loadManifest(file).dataSources[0]!.eventHandlers;
  const params = [WHO, KEY, 7n];
  const requests = handler!.declaredCalls.map((call) => [call.label, callRequest(call, LOG_ADDRESS, params)]);
  assert.deepEqual(Object.fromEntries(requests), {
    owned: { to: LOG_ADDRESS.toLowerCase(), data: TOKEN.encodeFunctionData("balanceOf", [WHO]) },
    byKey: {
      to: LOG_ADDRESS.toLowerCase(),
      data: TOKEN.encodeFunctionData("entry(bytes32,uint256)", [KEY, 7n]),
    },
    elsewhere: { to: WHO.toLowerCase(), data: TOKEN.encodeFunctionData("total") },
  });
  assert.deepEqual(loadManifest(manifestWith(undefined)).dataSources[0]!.eventHandlers[0]!.declaredCalls, []);
});

test("a value that does not fit the function makes no call (the handler's own call decides)", () => {
  const [handler] = loadManifest(manifestWith({ wrong: "Token[event.address].balanceOf(event.params.key)" }))
    .dataSources[0]!.eventHandlers;
  assert.equal(callRequest(handler!.declaredCalls[0]!, LOG_ADDRESS, [WHO, KEY, 7n]), undefined);
});

test("a declaration that does not fit the ABIs or the event is refused, naming the handler and the label", () => {
  const refusals: [unknown, RegExp][] = [
    [{ a: "Vault[event.address].total()" }, /handleMoved: call a: no ABI named Vault/],
    [{ b: "Token[event.address].supply()" }, /call b: Token has no function supply of 0 arguments/],
    [{ c: "Token[event.address].balanceOf(event.params.owner)" }, /call c: event.params.owner is neither/],
    [{ d: "Token.balanceOf(event.params.who)" }, /call d: "Token.balanceOf\(event.params.who\)" is not/],
    [
      { e: "Token[event.address].entry(event.params.key, event.params.value, event.params.who)" },
      /call e: Token has no function entry of 3/,
    ],
    [["Token[event.address].total()"], /calls must map labels/],
  ];
  for (const [calls, message] of refusals)
    assert.throws(
      () => loadManifest(manifestWith(calls)),
      (error: Error) => {
        assert.ok(error instanceof ManifestError, error.message);
        assert.match(error.message, message);
        return true;
      },
    );
});

test("an early answer that is not hex data is refused, so the handler asks the node itself", async () => {
  const asked: unknown[][] = [];
  let answer: unknown;
  const node = {
    send: async (method: string, params: unknown[]) => {
      asked.push([method, ...params]);
      return answer;
    },
  } as unknown as JsonRpcProvider;
  const reader = new ChainReader(node);
  const request = { to: "0x00000000000000000000000000000000000000aa", data: "0x18160ddd" };
  const blockHash = `0x${"12".repeat(32)}`;
  for (const given of [null, undefined, 7, "", "0x1", "0xzz", "ff", { result: "0x" }]) {
    answer = given;
    await assert.rejects(reader.call(request, blockHash), /the node's answer is not hex data/, String(given));
  }
  for (const given of ["0x", `0x${"00".repeat(31)}2a`]) {
    answer = given;
    assert.equal(await reader.call(request, blockHash), given);
  }
  assert.deepEqual(asked[0], ["eth_call", { ...request, gas: "0x2faf080" }, { blockHash }]);
});

test("declared calls are made at most so many at a time, in the order asked, a failed one giving its place", async () => {
  const limit = new InFlightLimit(2);
  let inFlight = 0;
  let most = 0;
  const started: number[] = [];
  const finish: (() => void)[] = [];
  const task = (index: number) => () => {
    started.push(index);
    inFlight++;
    most = Math.max(most, inFlight);
    return new Promise<number>((resolve, reject) => {
      finish[index] = () => {
        inFlight--;
        if (index === 1) reject(new Error("refused"));
        else resolve(index);
      };
    });
  };
  const runs = [0, 1, 2, 3, 4].map((index) => limit.run(task(index)));
  const settled = Promise.allSettled(runs);
  const turn = () => new Promise((resolve) => setImmediate(resolve));
  await turn();
  assert.deepEqual(started, [0, 1]);
  finish[1]!();
  await turn();
  assert.deepEqual(started, [0, 1, 2], "the failed call's place went to the next");
  finish[0]!();
  await turn();
  finish[2]!();
  await turn();
  finish[3]!();
  await turn();
  finish[4]!();
  const results = await settled;
  assert.deepEqual(started, [0, 1, 2, 3, 4]);
  assert.equal(most, 2);
  assert.deepEqual(
    results.map((result) => (result.status === "fulfilled" ? result.value : "refused")),
    [0, "refused", 2, 3, 4],
  );
  assert.throws(() => new InFlightLimit(0), /positive integer/);
});
