// The blocking JSON-RPC of the mapping's host functions (ethereum.call) follows a node's redirects
// (301, 302, 307, 308) with the same POST, as the executor's provider does (chain/redirects.mjs),
// and refuses a redirect loop with an error that says so, and an answer past its bound; an answer
// that comes after its call gave up is not taken as the next call's. A URL's user
// and password go as Basic authentication (a bare % in them as written), also after a redirect on
// the same origin, and not after one to another, nor those a Location names. The node runs on a worker thread: the call blocks this one.
import assert from "node:assert/strict";
import { once } from "node:events";
import { after, before, test } from "node:test";
import { Worker } from "node:worker_threads";
import { SyncRpc } from "../indexer/runtime/sync-rpc.ts";

// /node answers every JSON-RPC request with its method's name; /moved-N redirects to /node with
// status N; /loop redirects to itself; /whoami answers with the request's authorization header,
// /to-whoami redirects there, /to-other-origin to it at localhost rather than 127.0.0.1, and
// /to-other-origin-with-credentials to it there with a user and password of its own in the Location;
// /slow-first answers its first request after 2 s, keeping its socket awake meanwhile, and the
// others at once as /node does.
const NODE = `
  const { createServer } = require("node:http");
  const { parentPort } = require("node:worker_threads");
  let slowed = false;
  const server = createServer((request, response) => {
    let body = "";
    request.on("data", (chunk) => (body += chunk));
    request.on("end", () => {
      const moved = /^\\/moved-(\\d+)$/.exec(request.url);
      if (moved) {
        response.writeHead(Number(moved[1]), { location: "/node" });
        return response.end();
      }
      if (request.url === "/endless") {
        response.writeHead(200, { "content-type": "application/json" });
        const chunk = Buffer.alloc(65536, 32);
        const more = () => { while (response.write(chunk)); };
        response.on("drain", more);
        response.on("close", () => response.off("drain", more));
        return more();
      }
      if (request.url === "/to-whoami") {
        response.writeHead(307, { location: "/whoami" });
        return response.end();
      }
      if (request.url === "/to-other-origin") {
        response.writeHead(307, { location: "http://localhost:" + server.address().port + "/whoami" });
        return response.end();
      }
      if (request.url === "/to-other-origin-with-credentials") {
        const port = server.address().port;
        response.writeHead(307, { location: "http://other:secret@localhost:" + port + "/whoami" });
        return response.end();
      }
      if (request.url === "/whoami") {
        const { id } = JSON.parse(body);
        response.setHeader("content-type", "application/json");
        const result = request.headers.authorization ?? "none";
        return response.end(JSON.stringify({ jsonrpc: "2.0", id, result }));
      }
      if (request.url === "/slow-first" && !slowed) {
        // The first answer comes after 2 s, a space every 200 ms keeping the socket awake until then.
        slowed = true;
        const { id } = JSON.parse(body);
        response.writeHead(200, { "content-type": "application/json" });
        const awake = setInterval(() => response.write(" "), 200);
        return setTimeout(() => {
          clearInterval(awake);
          response.end(JSON.stringify({ jsonrpc: "2.0", id, result: "late" }));
        }, 2000);
      }
      if (request.url === "/loop") {
        response.writeHead(307, { location: "/loop" });
        return response.end();
      }
      const { id, method } = JSON.parse(body);
      response.setHeader("content-type", "application/json");
      response.end(JSON.stringify({ jsonrpc: "2.0", id, result: method + " via " + request.method }));
    });
  });
  server.listen(0, "127.0.0.1", () => parentPort.postMessage(server.address().port));
`;
let node: Worker;
let base: string;

before(async () => {
  node = new Worker(NODE, { eval: true });
  const [port] = (await once(node, "message")) as [number];
  base = `http://127.0.0.1:${port}`;
});
after(() => node?.terminate());

for (const status of [301, 302, 307, 308]) {
  test(`a ${status} redirect is followed with the same POST`, async () => {
    const rpc = new SyncRpc(`${base}/moved-${status}`, 5000);
    try {
      assert.equal(rpc.call("eth_chainId", []), "eth_chainId via POST");
    } finally {
      await rpc.close();
    }
  });
}

test("a redirect loop ends in an error naming the redirects", async () => {
  const rpc = new SyncRpc(`${base}/loop`, 5000);
  try {
    assert.throws(
      () => rpc.call("eth_chainId", []),
      /eth_chainId to 127\.0\.0\.1:\d+ failed: more than 5 redirects/,
    );
  } finally {
    await rpc.close();
  }
});

test("an answer past the bound ends the call with an error that says so", async () => {
  const rpc = new SyncRpc(`${base}/endless`, 5000, 1_000_000);
  try {
    assert.throws(
      () => rpc.call("eth_call", []),
      /eth_call to 127\.0\.0\.1:\d+ failed: the node's answer exceeded 1000000 bytes/,
    );
  } finally {
    await rpc.close();
  }
});

test("a URL's user and password go as Basic authentication, a bare % in them as written", async () => {
  const expected = `Basic ${Buffer.from("facilitator:p%zz").toString("base64")}`;
  for (const [path, sent] of [
    ["/whoami", expected],
    ["/to-whoami", expected],
    ["/to-other-origin", "none"],
    ["/to-other-origin-with-credentials", "none"],
  ]) {
    const rpc = new SyncRpc(`${base.replace("//", "//facilitator:p%zz@")}${path}`, 5000);
    try {
      assert.equal(rpc.call("eth_chainId", []), sent, path);
    } finally {
      await rpc.close();
    }
  }
});

test("an answer that comes after its call gave up is not taken as the next call's", async () => {
  // The call waits 0.3 s + 1 s; the node's socket stays awake, so the worker gets its answer at 2 s.
  const slow = new SyncRpc(`${base}/slow-first`, 300);
  try {
    assert.throws(() => slow.call("eth_call", []), /eth_call to 127\.0\.0\.1:\d+ timed out/);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    // The node answers at once from now on: each call gets its own answer.
    assert.equal(slow.call("eth_chainId", []), "eth_chainId via POST");
    assert.equal(slow.call("eth_blockNumber", []), "eth_blockNumber via POST");
  } finally {
    await slow.close();
  }
});
