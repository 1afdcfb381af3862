// The executor reads the subgraphs (SubgraphReader), which it does not trust. The head block it
// pins its queries to must be a block number and hash. Paging through
// entities by id, a page that does not move past the last one, or holds more than a page, ends the
// read with an error naming the subgraph, rather than asking for the next page forever, and so does
// a page of recent heights longer than asked for; an answer without end is refused past the bound
// rather than taking the executor's memory, and so are pages of rising ids without end.
import assert from "node:assert/strict";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { after, test } from "node:test";
import { gzipSync } from "node:zlib";
import { boundedFetch, MAX_SUBGRAPH_ANSWER_BYTES } from "../executor/feed/bounded-fetch.ts";
import { MAX_ROWS, SubgraphReader } from "../executor/feed/indexed-state.ts";

type Page = (after: string, asked: number) => { id: string }[];
let page: Page = () => [];
let asked = 0;
let headBlock: unknown = null;
const server = http.createServer((request, response) => {
  if (request.url === "/endless") {
    response.writeHead(200, { "content-type": "application/json" });
    const chunk = Buffer.alloc(1 << 20, 32);
    const more = () => {
      while (!response.destroyed && response.write(chunk));
    };
    response.on("drain", more);
    return more();
  }
  // Takes the request and never answers; or answers a byte at a time, without end.
  if (request.url === "/silent") return;
  if (request.url === "/drip") {
    response.writeHead(200, { "content-type": "application/json" });
    const drip = setInterval(() => (response.destroyed ? clearInterval(drip) : response.write(" ")), 50);
    return;
  }
  if (request.url === "/announced" || request.url === "/gzip") {
    const body = JSON.stringify({ data: { page: rows(1, 100) } });
    const gzip = request.url === "/gzip";
    const bytes = gzip ? gzipSync(body) : Buffer.from(body);
    response.writeHead(200, {
      "content-type": "application/json",
      "content-length": bytes.length,
      ...(gzip ? { "content-encoding": "gzip" } : {}),
    });
    return response.end(bytes);
  }
  if (request.url === "/head") {
    response.writeHead(200, { "content-type": "application/json" });
    return response.end(JSON.stringify({ data: { _meta: { block: headBlock } } }));
  }
  const parts: Buffer[] = [];
  request.on("data", (part: Buffer) => parts.push(part));
  request.on("end", () => {
    const { variables } = JSON.parse(Buffer.concat(parts).toString()) as { variables?: { after: string } };
    response.writeHead(200, { "content-type": "application/json" });
    response.end(JSON.stringify({ data: { page: page(variables?.after ?? "", ++asked) } }));
  });
});
await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/subgraphs/name/origin`;
after(() => {
  server.closeAllConnections(); // an endless answer a reader did not refuse would keep it open
  return new Promise((resolve) => server.close(resolve));
});

const id = (n: number) => `0x${n.toString(16).padStart(64, "0")}`;
const rows = (from: number, count: number) => Array.from({ length: count }, (_, i) => ({ id: id(from + i) }));
const read = () => new SubgraphReader(url).all("stakeRequests", "", "id", 100);

test("pages whose ids rise are read to the end", async () => {
  page = (afterId) => (afterId === "0x" ? rows(1, 1000) : afterId === id(1000) ? rows(1001, 5) : []);
  asked = 0;
  const all = await read();
  assert.equal(all.length, 1005);
  assert.equal(asked, 2);
});

test("the same full page answered again ends the read with an error", async () => {
  // A subgraph that ignores id_gt; after 20 pages it gives up, so a reader that loops ends too.
  page = (_, n) => (n <= 20 ? rows(1, 1000) : []);
  asked = 0;
  await assert.rejects(
    read(),
    /answered stakeRequests out of order: id 0x0+1 after 0x0+3e8 \(ids must rise\)/,
  );
  assert.equal(asked, 2, "the second page is the last asked");
});

test("full pages of rising ids are read up to a bound, not without end", async () => {
  // Ends after 150 pages, so a reader without the bound ends too (with 150,000 rows).
  page = (_, n) => (n <= 150 ? rows(1000 * (n - 1) + 1, 1000) : []);
  asked = 0;
  await assert.rejects(read(), new RegExp(`answered more than ${MAX_ROWS} stakeRequests`));
  assert.equal(asked, MAX_ROWS / 1000 + 1, "no page past the first over the bound is asked for");
  // Exactly the bound is read whole.
  page = (_, n) => (n <= MAX_ROWS / 1000 ? rows(1000 * (n - 1) + 1, 1000) : []);
  asked = 0;
  assert.equal((await read()).length, MAX_ROWS);
});

test("a page of more rows than asked for, or ids not in order, is refused", async () => {
  asked = 0;
  page = (_, n) => (n <= 20 ? rows(1001 * n, 1001) : []);
  await assert.rejects(read(), /answered stakeRequests with no page of at most 1000 rows/);
  page = () => [{ id: id(2) }, { id: id(1) }];
  await assert.rejects(read(), /out of order: id 0x0+1 after 0x0+2/);
  page = () => [{ id: "0xABCD" }];
  await assert.rejects(read(), /out of order: id 0xABCD after 0x/);
});

test("a page of recent heights holds at most the heights asked for", async () => {
  const recent = new SubgraphReader(url);
  page = () => rows(1, 100);
  assert.equal((await recent.recent("anchoredStateRoots", "id", 100)).length, 100);
  page = () => rows(1, 101);
  await assert.rejects(
    recent.recent("anchoredStateRoots", "id", 100),
    /answered anchoredStateRoots with no page of at most 100 rows/,
  );
});

test("an answer without end is refused past the bound", { timeout: 30_000 }, async () => {
  const endless = new SubgraphReader(new URL("/endless", url).href);
  await assert.rejects(
    endless.head(),
    new RegExp(
      `the subgraph at http://127\\.0\\.0\\.1:\\d+/… answered more than ${MAX_SUBGRAPH_ANSWER_BYTES} bytes`,
    ),
  );
});

test("a subgraph that never answers, or answers without end a byte at a time, fails at its time limit", async () => {
  for (const where of ["/silent", "/drip"]) {
    const reader = new SubgraphReader(new URL(where, url).href, { timeoutMs: 300 });
    const waited = new Promise((resolve) =>
      setTimeout(() => resolve("still waiting after 5 s"), 5000).unref(),
    );
    await assert.rejects(
      Promise.race([reader.head(), waited]),
      new RegExp(`the subgraph at http://127\\.0\\.0\\.1:\\d+/… did not answer within 300 ms`),
      where,
    );
  }
});

test("an answer announced past the bound, or unpacking past it, is refused", async () => {
  const small = boundedFetch({ maxBytes: 1000 });
  await assert.rejects(small(new URL("/announced", url)), /answered more than 1000 bytes/);
  await assert.rejects(small(new URL("/gzip", url)), /answered more than 1000 bytes/);
  const text = await (await boundedFetch({ maxBytes: 100_000 })(new URL("/gzip", url))).text();
  assert.equal((JSON.parse(text) as { data: { page: unknown[] } }).data.page.length, 100);
});

test("a head that is no block number and hash is refused", async () => {
  const reader = new SubgraphReader(new URL("/head", url).href);
  const hash = `0x${"ab".repeat(32)}`;
  headBlock = { number: 7, hash };
  assert.deepEqual(await reader.head(), { number: 7, hash });
  for (const bad of [
    { number: "7 } } stakeRequests { id", hash },
    { number: -1, hash },
    { number: 1.5, hash },
    { number: 7, hash: null },
    { number: 7, hash: "0x1234" },
    null,
  ]) {
    headBlock = bad;
    await assert.rejects(
      reader.head(),
      /answered _meta.block .*, not a block number and hash/,
      JSON.stringify(bad),
    );
  }
});
