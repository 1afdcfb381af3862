// New heads over a node's WebSocket (chain/new-heads.ts) against a stand-in node: heads are passed
// on, and what goes wrong is reported naming the node by its host, never by its URL (a hosted
// node's URL holds its API key in the path or the query, and these reports reach the logs).
import assert from "node:assert/strict";
import type { AddressInfo } from "node:net";
import { after, test } from "node:test";
import { WebSocketServer } from "ws";
import { followNewHeads } from "../chain/new-heads.ts";
import { freePort } from "../devnet/anvil.ts";

const KEY = "0123456789abcdef0123456789abcdef";
let refuse = false;
const server = new WebSocketServer({ host: "127.0.0.1", port: 0 });
server.on("connection", (socket) =>
  socket.on("message", (data) => {
    const { id } = JSON.parse(String(data)) as { id: number };
    if (refuse) {
      socket.send(
        JSON.stringify({ jsonrpc: "2.0", id, error: { code: -32601, message: "no subscriptions here" } }),
      );
      return;
    }
    socket.send(JSON.stringify({ jsonrpc: "2.0", id, result: "0x1" }));
    socket.send(
      JSON.stringify({
        jsonrpc: "2.0",
        method: "eth_subscription",
        params: { subscription: "0x1", result: { number: "0x2a", hash: `0x${"ab".repeat(32)}` } },
      }),
    );
  }),
);
await new Promise((resolve) => server.once("listening", resolve));
const host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
after(() => new Promise((resolve) => server.close(resolve)));

/** Follows `url` until `until` says enough; the heads and errors seen. */
async function follow(url: string, until: (seen: { heads: number[]; errors: string[] }) => boolean) {
  const seen = { heads: [] as number[], errors: [] as string[] };
  const heads = followNewHeads({
    url,
    onHead: (head) => seen.heads.push(head.number),
    onError: (error) => seen.errors.push(error.message),
  });
  try {
    const deadline = Date.now() + 10_000;
    while (!until(seen) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
  } finally {
    heads.stop();
  }
  return seen;
}

test("a head the node pushes is passed on", async () => {
  refuse = false;
  const seen = await follow(`ws://${host}/v3/${KEY}`, ({ heads }) => heads.length > 0);
  assert.deepEqual(seen.heads, [42]);
  assert.deepEqual(seen.errors, []);
});

test("a refused subscription, a node that cannot be reached and a URL ws refuses are reported without the key", async () => {
  refuse = true;
  const refused = await follow(`ws://${host}/v3/${KEY}?apikey=${KEY}`, ({ errors }) => errors.length > 0);
  assert.equal(refused.errors[0], `${host}: eth_subscribe refused: no subscriptions here`);

  const closed = `127.0.0.1:${await freePort()}`;
  const unreachable = await follow(`ws://user:${KEY}@${closed}/v3/${KEY}`, ({ errors }) => errors.length > 0);
  assert.match(unreachable.errors[0] ?? "", new RegExp(`^${closed}: .*ECONNREFUSED`));
  // ws's own error for a URL it cannot take quotes the URL whole, and was thrown at the caller.
  const invalid = await follow(`ws://bad host/v3/${KEY}`, ({ errors }) => errors.length > 0);
  assert.deepEqual(invalid.errors, ["(not a URL): not a WebSocket URL (SyntaxError)"]);

  for (const message of [...refused.errors, ...unreachable.errors])
    assert.ok(!message.includes(KEY.slice(0, 8)), message);
});
