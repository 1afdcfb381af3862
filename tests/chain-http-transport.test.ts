// The providers' HTTP transport (chain/http-transport.ts) behind connectChain: a large answer sent in
// many chunks arrives whole, a gzip answer is unpacked, a node that stays silent fails the request at
// the timeout, an HTTP error without JSON-RPC in it is an error naming the status, and an answer
// past the bound (streamed, announced or gzip) is refused as too large. A URL's user and password go
// as Basic authentication, as meant where percent-encoded and as written where not. Redirects are
// followed by this transport, so the bound holds after them, and credentials go to the same origin;
// the rule it shares with the ethereum.call worker (chain/redirects.mjs) refuses https to http.
import assert from "node:assert/strict";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { after, test } from "node:test";
import { gzipSync } from "node:zlib";
import { connectChain } from "../chain/provider.ts";
import { redirectTarget } from "../chain/redirects.mjs";
import { chainIdOf } from "../cli/rpc-chain-id.ts";

type Answer = (
  body: { id: number; method: string },
  response: http.ServerResponse,
  request: http.IncomingMessage,
) => void;
let answer: Answer = () => undefined;
const sockets = new Set<import("node:net").Socket>();
const server = http.createServer((request, response) => {
  const parts: Buffer[] = [];
  request.on("data", (part: Buffer) => parts.push(part));
  request.on("end", () => answer(JSON.parse(Buffer.concat(parts).toString()), response, request));
});
server.on("connection", (socket) => {
  sockets.add(socket);
  socket.on("close", () => sockets.delete(socket));
});
await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
after(async () => {
  for (const socket of sockets) socket.destroy();
  await new Promise((resolve) => server.close(resolve));
});

const logs = Array.from({ length: 3000 }, (_, index) => ({
  logIndex: `0x${index.toString(16)}`,
  data: `0x${index.toString(16).padStart(64, "0").repeat(8)}`,
}));

test("an answer of megabytes written in small chunks arrives whole", async () => {
  answer = ({ id }, response) => {
    const text = Buffer.from(JSON.stringify({ jsonrpc: "2.0", id, result: logs }));
    response.writeHead(200, { "content-type": "application/json" });
    for (let offset = 0; offset < text.length; offset += 16_384)
      response.write(text.subarray(offset, offset + 16_384));
    response.end();
  };
  const provider = connectChain(url, 1515, { retries: 0 });
  try {
    const result = (await provider.send("eth_getLogs", [{}])) as typeof logs;
    assert.ok(JSON.stringify(logs).length > 1_500_000);
    assert.deepEqual(result, logs);
  } finally {
    provider.destroy();
  }
});

test("a gzip answer is unpacked", async () => {
  answer = ({ id }, response) => {
    response.writeHead(200, { "content-type": "application/json", "content-encoding": "gzip" });
    response.end(gzipSync(JSON.stringify({ jsonrpc: "2.0", id, result: "0x2a" })));
  };
  const provider = connectChain(url, 1515, { retries: 0 });
  try {
    assert.equal(await provider.send("eth_blockNumber", []), "0x2a");
  } finally {
    provider.destroy();
  }
});

// Ethers' own wait would be five minutes: the test's ten seconds catch a timeout not applied.
test("a node that stays silent fails the request at the timeout", { timeout: 10_000 }, async () => {
  answer = () => undefined; // never answers
  const provider = connectChain(url, 1515, { retries: 0, timeoutMs: 300 });
  try {
    await assert.rejects(provider.send("eth_blockNumber", []), /timeout/);
  } finally {
    provider.destroy();
  }
});

test("an HTTP error that is not JSON-RPC is an error naming the status", async () => {
  answer = (_, response) => {
    response.writeHead(502, { "content-type": "text/plain" });
    response.end("bad gateway");
  };
  const provider = connectChain(url, 1515, { retries: 0 });
  try {
    await assert.rejects(provider.send("eth_blockNumber", []), /502/);
  } finally {
    provider.destroy();
  }
});

test("an answer past the bound is refused as too large, and not asked for again", async () => {
  let asked = 0;
  const text = () => JSON.stringify({ jsonrpc: "2.0", id: 1, result: logs });
  const cases: [string, (response: http.ServerResponse, id: number) => void][] = [
    // Streamed without a length: refused as it passes the bound.
    ["chunked", (response) => response.end(text())],
    // Announced: refused before it is read.
    ["announced", (response) => response.end(text())],
    // A small gzip that unpacks past the bound.
    ["gzip", (response) => response.end(gzipSync(text()))],
  ];
  for (const [name, write] of cases) {
    answer = ({ id }, response) => {
      asked++;
      const headers: http.OutgoingHttpHeaders = { "content-type": "application/json" };
      if (name === "gzip") headers["content-encoding"] = "gzip";
      if (name === "announced") headers["content-length"] = Buffer.byteLength(text());
      response.writeHead(200, headers);
      write(response, id);
    };
    asked = 0;
    const provider = connectChain(url, 1515, { retries: 2, maxAnswerBytes: 1_000_000 });
    try {
      await assert.rejects(
        provider.send("eth_getLogs", [{}]),
        (error: Error & { code?: string }) =>
          error.code === "ANSWER_TOO_LARGE" && /exceeded 1000000 bytes/.test(error.message),
        name,
      );
      assert.equal(asked, 1, `${name}: asked once, not again at each retry`);
    } finally {
      provider.destroy();
    }
  }
  // Within the bound the same answer passes.
  answer = ({ id }, response) => {
    response.writeHead(200, { "content-type": "application/json" });
    response.end(JSON.stringify({ jsonrpc: "2.0", id, result: logs }));
  };
  const provider = connectChain(url, 1515, { retries: 0, maxAnswerBytes: 2_000_000 });
  try {
    assert.equal(((await provider.send("eth_getLogs", [{}])) as unknown[]).length, logs.length);
  } finally {
    provider.destroy();
  }
});

// A password is often a generated string, and one with a bare % (not percent-encoding) was a
// "URI malformed" error for every request, naming neither the URL nor the field.
test("a URL's user and password go as Basic authentication, a bare % in them as written", async () => {
  const seen: (string | undefined)[] = [];
  answer = ({ id }, response, request) => {
    seen.push(request.headers.authorization);
    response.writeHead(200, { "content-type": "application/json" });
    response.end(JSON.stringify({ jsonrpc: "2.0", id, result: "0x2a" }));
  };
  const cases = [
    ["facilitator:p%zz-100%", "facilitator:p%zz-100%"],
    ["facilitator:p%40ss", "facilitator:p@ss"],
    // The URL parser escapes some characters of a password (^ as %5E) and leaves a bare % alone.
    ["facilitator:p%zz^x", "facilitator:p%zz^x"],
  ];
  for (const [written, meant] of cases) {
    const provider = connectChain(url.replace("//", `//${written}@`), 1515, { retries: 0 });
    try {
      assert.equal(await provider.send("eth_blockNumber", []), "0x2a", written);
    } finally {
      provider.destroy();
    }
    assert.deepEqual(seen.splice(0), [`Basic ${Buffer.from(meant!).toString("base64")}`], written);
    // The chain id asked of a --rpc-url (devnet:deploy, npm run indexer -- --manifest) goes the same way.
    assert.equal(await chainIdOf("rpc-url", url.replace("//", `//${written}@`), ""), 42, written);
    assert.deepEqual(seen.splice(0), [`Basic ${Buffer.from(meant!).toString("base64")}`], written);
  }
});

// Ethers follows a redirect with a request of its own, on its own transport: without the bound, and
// without the URL's credentials even on the same origin.
test("a redirect is followed with the bound kept, and credentials sent to the same origin only", async () => {
  const port = new URL(url).port;
  const moved: Record<string, string> = {
    "/to-big": `${url}/big`,
    "/to-same": `${url}/whoami`,
    "/to-other": `http://localhost:${port}/whoami`,
  };
  answer = ({ id }, response, request) => {
    const location = moved[request.url ?? ""];
    if (location) {
      response.writeHead(307, { location });
      response.end();
      return;
    }
    const result = request.url === "/big" ? logs : (request.headers.authorization ?? "none");
    response.writeHead(200, { "content-type": "application/json" });
    response.end(JSON.stringify({ jsonrpc: "2.0", id, result }));
  };
  const big = connectChain(`${url}/to-big`, 1515, { retries: 0, maxAnswerBytes: 1_000_000 });
  try {
    await assert.rejects(
      big.send("eth_getLogs", [{}]),
      (error: Error & { code?: string }) => error.code === "ANSWER_TOO_LARGE",
    );
  } finally {
    big.destroy();
  }
  const basic = `Basic ${Buffer.from("facilitator:a-password").toString("base64")}`;
  for (const [path, expected] of [
    ["/to-same", basic],
    ["/to-other", "none"],
  ]) {
    const provider = connectChain(`${url.replace("//", "//facilitator:a-password@")}${path}`, 1515, {
      retries: 0,
    });
    try {
      assert.equal(await provider.send("eth_blockNumber", []), expected, path);
    } finally {
      provider.destroy();
    }
  }
});

test("a redirect leads to the Location's URL without its credentials, and not from https to http", () => {
  const from = new URL("https://node.example/v3/key");
  assert.equal(redirectTarget(from, "/v4/key?x=1").href, "https://node.example/v4/key?x=1");
  assert.equal(redirectTarget(from, "https://user:secret@other.example/").href, "https://other.example/");
  assert.throws(
    () => redirectTarget(from, "http://node.example/"),
    /a redirect from https to http: is not followed/,
  );
  assert.equal(redirectTarget(new URL("http://127.0.0.1:8545/"), "https://node.example/").protocol, "https:");
});
