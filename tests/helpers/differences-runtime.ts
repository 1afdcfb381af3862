// The parity-differences fixture subgraph (tests/fixtures/parity-differences-subgraph) run through
// SubgraphRuntime.processBlock on blocks built here, so no chain is needed. ethereum.call goes to a
// JSON-RPC node on a worker thread (a host function blocks this thread until the answer comes): it
// answers eth_call with the word 7 and posts each request's method and params back here.
import { once } from "node:events";
import { readFileSync } from "node:fs";
import { Worker } from "node:worker_threads";
import { Interface, keccak256, toBeHex, zeroPadValue } from "ethers";
import type { RawBlock, RawLog } from "../../indexer/runtime/chain-data.ts";
import { entityShapes } from "../../indexer/runtime/entity-shapes.ts";
import { loadManifest } from "../../indexer/runtime/manifest.ts";
import { SubgraphRuntime } from "../../indexer/runtime/subgraph-runtime.ts";
import { parseSubgraphSchema } from "../../indexer/schema/index.ts";
import { buildFixtureSubgraph } from "./fixture-subgraph.ts";

export const ADDRESS = "0x00000000000000000000000000000000000000d1";
export const TX = keccak256("0x01");
const hit = new Interface(["event Hit(uint256 mode)"]);
export const word = (n: number) => zeroPadValue(toBeHex(n), 32);

const NODE = `
  const { createServer } = require("node:http");
  const { parentPort } = require("node:worker_threads");
  const server = createServer((request, response) => {
    let body = "";
    request.on("data", (chunk) => (body += chunk));
    request.on("end", () => {
      const { id, method, params } = JSON.parse(body);
      parentPort.postMessage({ method, params });
      response.setHeader("content-type", "application/json");
      response.end(JSON.stringify({ jsonrpc: "2.0", id, result: "0x" + "7".padStart(64, "0") }));
    });
  });
  server.listen(0, "127.0.0.1", () => parentPort.postMessage({ port: server.address().port }));
`;

export interface RpcRequest {
  method: string;
  params: unknown[];
}

export interface DifferencesRuntime {
  runtime: SubgraphRuntime;
  /** What the node was asked so far; its messages arrive once this thread is free. */
  requests: RpcRequest[];
  /** The first request of `method`, waiting for the node's messages until it comes. */
  firstRequest(method: string): Promise<RpcRequest>;
  stop(): Promise<void>;
}

export async function startDifferencesRuntime(): Promise<DifferencesRuntime> {
  const node = new Worker(NODE, { eval: true });
  const [{ port }] = (await once(node, "message")) as [{ port: number }];
  const requests: RpcRequest[] = [];
  node.on("message", (request: RpcRequest) => requests.push(request));
  const built = await buildFixtureSubgraph({
    fixture: "parity-differences-subgraph",
    contract: "Differences",
    // Two handlers for the same event in one data source.
    eventHandlers: [
      { event: "Hit(uint256)", handler: "handleHit" },
      { event: "Hit(uint256)", handler: "handleHitAgain" },
    ],
    entities: ["Run", "Item", "Seen"],
  });
  const manifest = loadManifest(built.manifestFile);
  const runtime = new SubgraphRuntime({
    manifest,
    shapes: entityShapes(parseSubgraphSchema(readFileSync(manifest.schemaFile, "utf8"))),
    rpcUrl: `http://127.0.0.1:${port}`,
    sources: { Differences: { address: ADDRESS, startBlock: 0 } },
  });
  return {
    runtime,
    requests,
    async firstRequest(method) {
      let found: RpcRequest | undefined;
      while (!(found = requests.find((request) => request.method === method))) await once(node, "message");
      return found;
    },
    async stop() {
      await runtime.close();
      await node.terminate();
    },
  };
}

/** Block `number` of the fixture's chain with the given transactions (each from and to ADDRESS). */
export function fixtureBlock(number: number, transactionHashes: string[] = [TX]): RawBlock {
  return {
    number: toBeHex(number),
    hash: word(0xb000 + number),
    parentHash: word(0xb000 + number - 1),
    sha3Uncles: word(0),
    miner: ADDRESS,
    stateRoot: word(0x5000 + number),
    transactionsRoot: word(0),
    receiptsRoot: word(0),
    gasUsed: "0x0",
    gasLimit: "0x1c9c380",
    timestamp: "0x6553f100",
    transactions: transactionHashes.map((hash, index) => ({
      hash,
      transactionIndex: toBeHex(index),
      from: ADDRESS,
      to: ADDRESS,
      value: "0x0",
      gas: "0x5208",
      gasPrice: "0x1",
      input: "0x",
      nonce: toBeHex(index),
    })),
  };
}

/** Hit(mode) logs in the block, one per mode, at consecutive log indexes, in one transaction. */
export function hitLogs(block: RawBlock, modes: number[], transactionHash = TX): RawLog[] {
  return modes.map((mode, index) => {
    const encoded = hit.encodeEventLog("Hit", [mode]);
    return {
      address: ADDRESS,
      topics: encoded.topics,
      data: encoded.data,
      blockNumber: block.number,
      blockHash: block.hash,
      transactionHash,
      transactionIndex: "0x0",
      logIndex: toBeHex(index),
    };
  });
}
