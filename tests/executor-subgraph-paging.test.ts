// The executor pages through a subgraph's entities by id (SubgraphReader.all). The subgraph is not
// trusted: a page that does not move past the last one, or holds more than a page, ends the read
// with an error naming the subgraph, rather than asking for the next page forever.
import assert from "node:assert/strict";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { after, test } from "node:test";
import { SubgraphReader } from "../executor/feed/indexed-state.ts";

type Page = (after: string, asked: number) => { id: string }[];
let page: Page = () => [];
let asked = 0;
const server = http.createServer((request, response) => {
  const parts: Buffer[] = [];
  request.on("data", (part: Buffer) => parts.push(part));
  request.on("end", () => {
    const { variables } = JSON.parse(Buffer.concat(parts).toString()) as { variables: { after: string } };
    response.writeHead(200, { "content-type": "application/json" });
    response.end(JSON.stringify({ data: { page: page(variables.after, ++asked) } }));
  });
});
await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/subgraphs/name/origin`;
after(() => new Promise((resolve) => server.close(resolve)));

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

test("a page of more rows than asked for, or ids not in order, is refused", async () => {
  page = (_, n) => (n <= 20 ? rows(1001 * n, 1001) : []);
  await assert.rejects(read(), /answered stakeRequests with no page of at most 1000 rows/);
  page = () => [{ id: id(2) }, { id: id(1) }];
  await assert.rejects(read(), /out of order: id 0x0+1 after 0x0+2/);
  page = () => [{ id: "0xABCD" }];
  await assert.rejects(read(), /out of order: id 0xABCD after 0x/);
});
