// A hosted subgraph gateway carries its API key in the URL's path (`/api/<key>/subgraphs/id/…`),
// others in the query or the user part: no error or log of the executor, no status page and no
// configuration error shows it. graph-node's own paths (`/subgraphs/name/…`) are shown whole. A
// GraphQL server stands in for a gateway, reached at a URL holding three keys.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import { writeDeploymentFile } from "../chain/deployment-file.ts";
import { connectChain } from "../chain/provider.ts";
import { ConfigError, parseConfig } from "../executor/config.ts";
import { SubgraphReader } from "../executor/feed/indexed-state.ts";
import { redact } from "../executor/observability/redact.ts";
import { renderStatusPage } from "../executor/observability/status-page.ts";
import type { ExecutorHealth } from "../executor/service-api.ts";
import { shownUrl } from "../chain/url-secrets.ts";
import type { BooksView } from "../executor/status.ts";
import { errorText } from "../executor/transactions/rpc-errors.ts";
import { placeholderDeployment } from "../subgraph/build.ts";
import { address, hash, stakeRequestRow } from "./helpers/stake-request-row.ts";

const PATH_KEY = "0123456789abcdef0123456789abcdef";
const QUERY_KEY = "q-key-fedcba9876543210";
const PASSWORD = "pw-5e3c7e7";
const KEYS = [PATH_KEY, QUERY_KEY, PASSWORD];
const REQUEST = hash(0x3001);

/** What the stand-in answers: a head, a stake request and the rows of every page. */
let head: unknown = { number: 10, hash: hash(10) };
let rows: unknown = [];
let authorization: string | undefined;
const server = http.createServer((request, response) => {
  authorization = request.headers.authorization;
  if (request.url!.includes("/silent")) return;
  // A gateway's error page, and a GraphQL error, that quote what was asked (the key with it).
  if (request.url!.includes("/echo-page")) {
    response.writeHead(502, { "content-type": "text/html" });
    return response.end(`<h1>502</h1> no upstream for ${request.url}`);
  }
  if (request.url!.includes("/echo-error")) {
    response.writeHead(200, { "content-type": "application/json" });
    return response.end(JSON.stringify({ errors: [{ message: `unknown key in ${request.url}` }] }));
  }
  // The same, the URL quoted whole across the 300 characters an error quotes.
  if (request.url!.includes("/echo-long")) {
    response.writeHead(200, { "content-type": "application/json" });
    const quoted = `http://facilitator:${PASSWORD}@127.0.0.1:${port}${request.url}`;
    // Cut 12 characters into the key in the path.
    const padding = "-".repeat(300 - " see ".length - quoted.indexOf(PATH_KEY) - 12);
    return response.end(JSON.stringify({ errors: [{ message: `${padding} see ${quoted}` }] }));
  }
  // A JSON-RPC provider refusing the key, quoting it.
  if (request.url!.startsWith("/v3/")) {
    response.writeHead(401, { "content-type": "text/plain" });
    return response.end(`invalid project id ${PATH_KEY}`);
  }
  if (request.url!.includes("/large")) {
    response.writeHead(200, { "content-type": "application/json" });
    return response.end(JSON.stringify({ data: { padding: "x".repeat(4000) } }));
  }
  const parts: Buffer[] = [];
  request.on("data", (part: Buffer) => parts.push(part));
  request.on("end", () => {
    const { query } = JSON.parse(Buffer.concat(parts).toString()) as { query: string };
    response.writeHead(200, { "content-type": "application/json" });
    const answer = (data: unknown) => response.end(JSON.stringify({ data }));
    if (query.includes("_meta")) return answer({ _meta: { block: head } });
    if (query.includes("entity: stakeRequest")) return answer({ entity: stakeRequest });
    if (query.includes("entity:")) return answer({ entity: null });
    return answer({ page: rows, rows: [] });
  });
});
await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
const port = (server.address() as AddressInfo).port;
after(() => new Promise((resolve) => server.close(resolve)));

/** A gateway's URL: a key in the path, another in the query, a password in the user part. */
const keyed = (subgraph: string) =>
  `http://facilitator:${PASSWORD}@127.0.0.1:${port}/api/${PATH_KEY}/subgraphs/id/${subgraph}?api-key=${QUERY_KEY}`;

/** No key in `text`, nor the start of one (an answer cut off in the middle of it). */
function assertNoKey(text: string, what: string): void {
  for (const key of KEYS) assert.ok(!text.includes(key.slice(0, 8)), `${what} shows a key: ${text}`);
}

const stakeRequest = stakeRequestRow(REQUEST);

test("a URL is shown with its scheme and host, and its path only when it is graph-node's", () => {
  assert.equal(shownUrl(keyed("QmOrigin")), `http://127.0.0.1:${port}/…`);
  assert.equal(
    shownUrl("https://api.example.org/subgraphs/name/mosaic-origin"),
    "https://api.example.org/subgraphs/name/mosaic-origin",
  );
  assert.equal(
    shownUrl("http://127.0.0.1:8000/subgraphs/id/QmAbc?key=x"),
    "http://127.0.0.1:8000/subgraphs/id/QmAbc",
  );
  assert.equal(shownUrl("https://gateway.example.org/query/123/mosaic/v1"), "https://gateway.example.org/…");
  assert.equal(shownUrl("wss://u:p@rpc.example.org/"), "wss://rpc.example.org");
  assert.equal(shownUrl("not a url"), "(not a URL)");
});

test("credentials in the URL are sent as a header, and the reader's errors name the subgraph without its keys", async () => {
  const reader = new SubgraphReader(keyed("QmOrigin"));
  assert.deepEqual(await reader.head(), { number: 10, hash: hash(10) });
  assert.equal(authorization, `Basic ${Buffer.from(`facilitator:${PASSWORD}`).toString("base64")}`);
  const failures: (() => Promise<unknown>)[] = [
    () => ((head = "0x12"), reader.head()),
    () => ((rows = [{ id: hash(2) }, { id: hash(1) }]), reader.all("stakeRequests", "", "id", 10)),
    () => new SubgraphReader(keyed("silent"), { timeoutMs: 300 }).head(),
    () => new SubgraphReader(keyed("large"), { maxBytes: 1000 }).head(),
    () => new SubgraphReader(keyed("echo-page")).head(),
    () => new SubgraphReader(keyed("echo-error")).head(),
    () => new SubgraphReader(keyed("echo-long")).head(),
  ];
  for (const failure of failures) {
    const error = await failure().then(
      () => assert.fail("no error"),
      (error: unknown) => error as Error,
    );
    assert.match(error.message, new RegExp(`the subgraph at http://127\\.0\\.0\\.1:${port}/… `));
    assertNoKey(JSON.stringify(redact(error)), "an error as logged");
  }
  head = { number: 10, hash: hash(10) };
  rows = [];
});

test("an RPC node's refusal reaches the log without the URL's keys", async () => {
  const url = `http://facilitator:${PASSWORD}@127.0.0.1:${port}/v3/${PATH_KEY}?apikey=${QUERY_KEY}`;
  const provider = connectChain(url, 1515, { retries: 0 });
  try {
    const error = await provider.getBlockNumber().then(
      () => assert.fail("no error"),
      (error: unknown) => error as Error,
    );
    assert.match(error.message, /server response 401/);
    assert.match(error.message, new RegExp(`127\\.0\\.0\\.1:${port}`), "the host is named");
    assertNoKey(JSON.stringify(redact(error)), "an RPC error as logged");
    assertNoKey(errorText(error), "an RPC error's text");
  } finally {
    provider.destroy();
  }
});

test("the status page links GraphiQL only at a URL it can show whole", async () => {
  const books = {
    intentsFor: () => Promise.resolve([]),
    inFlight: () => Promise.resolve([]),
    recent: () => Promise.resolve([]),
    skips: () =>
      Promise.resolve([{ subject: REQUEST, reason: "gasPriceBelowPolicy: …", updatedAt: new Date(0) }]),
  } as unknown as BooksView;
  const health: ExecutorHealth = {
    status: "ok",
    feeds: { origin: { mode: "polling", lastBlock: 10 }, auxiliary: { mode: "polling", lastBlock: 10 } },
    lastDecisionAt: null,
    lastError: null,
  };
  const page = (origin: string, auxiliary: string) => {
    const readers = { origin: new SubgraphReader(origin), auxiliary: new SubgraphReader(auxiliary) };
    const executor = { facilitator: address(7), books, readers, funds: () => undefined };
    return renderStatusPage({ executor: () => executor as never }, health);
  };
  const keyedPage = await page(keyed("QmOrigin"), keyed("QmAuxiliary"));
  assert.match(keyedPage, /Requests and messages \(1\)/);
  assert.match(keyedPage, /request on origin/);
  assert.doesNotMatch(keyedPage, /class="graphiql"/);
  assertNoKey(keyedPage, "the status page");
  const local = `http://127.0.0.1:${port}/subgraphs/name`;
  const localPage = await page(`${local}/mosaic-origin`, `${local}/mosaic-auxiliary`);
  assert.match(
    localPage,
    new RegExp(
      `<a class="graphiql" href="http://127\\.0\\.0\\.1:${port}/subgraphs/name/mosaic-origin/graphql\\?query=`,
    ),
  );
});

test("a configuration error quotes a URL without its keys", () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "shown-url-"));
  try {
    writeDeploymentFile(path.join(dir, "deployment.json"), placeholderDeployment());
    const config = (changes: Record<string, unknown>, subgraph: Record<string, unknown> = {}) => ({
      deploymentFile: "deployment.json",
      keystore: "keystore.json",
      chains: {
        origin: { subgraph: { httpUrl: "http://127.0.0.1:8000/subgraphs/name/mosaic-origin", ...subgraph } },
        auxiliary: { subgraph: { httpUrl: "http://127.0.0.1:8000/subgraphs/name/mosaic-auxiliary" } },
      },
      ...changes,
    });
    for (const [value, named] of [
      [
        config({ database: `mysql://facilitator:${PASSWORD}@db.example.org/books` }),
        /database: .*got "mysql:\/\/db\.example\.org\/…"/,
      ],
      [
        config({}, { wsUrl: keyed("QmOrigin") }),
        /chains\.origin\.subgraph\.wsUrl: expected a ws or wss URL, got "http:\/\/127\.0\.0\.1:\d+\/…"/,
      ],
      [
        config({}, { httpUrl: `gateway.example.org/api/${PATH_KEY}` }),
        /chains\.origin\.subgraph\.httpUrl: expected a URL \(http or https\), got text that is not a URL/,
      ],
    ] as const) {
      assert.throws(
        () => parseConfig(value, path.join(dir, "facilitator.json")),
        (error: Error) => {
          assert.ok(error instanceof ConfigError, String(error));
          assert.match(error.message, named);
          assertNoKey(error.message, "a configuration error");
          return true;
        },
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
