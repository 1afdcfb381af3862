// GraphiQL on the query server, offline: graph-node v0.44.0 serves it at GET <subgraph>/graphql and
// redirects a GET of the subgraph itself there (server/http/src/service.rs). Ours serves graphiql's
// own bundle and React from the server instead of graph-node's CDN, and runs it in headless Chromium
// with every request to a non-loopback host refused.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { startGraphqlServer, type GraphqlServer } from "../indexer/graphql/index.ts";
import type { QueryableStore } from "../indexer/store/entity-query.ts";
import { openSqliteStore } from "../indexer/store/index.ts";
import { block, fixtureSchema, temporaryDirectory, token } from "./fixtures/indexer-fixture.ts";
import { launchOfflineChromium, type OfflineBrowser } from "./helpers/chromium.ts";

const schema = fixtureSchema();
const tmp = temporaryDirectory();
/** A name with a slash, as the Mosaic subgraphs have: the `/graphql` suffix must still be found. */
const NAME = "acme/tokens";
let store: QueryableStore;
let server: GraphqlServer;
before(async () => {
  store = openSqliteStore({ file: tmp.file("graphiql.sqlite"), schema, deployment: "QmGraphiql" });
  store.applyBlock(block(1), [token("t1")]);
  store.applyBlock(block(2), []);
  server = await startGraphqlServer({ subgraphs: { [NAME]: { store, schema } } });
});
after(async () => {
  await server?.close();
  store?.close();
  tmp.cleanup();
});

const BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";

describe("HTTP", () => {
  // graph-node: service.rs:362-365 routes GET …/graphql to handle_graphiql (l.89-100), which answers
  // 200 with `text/html; charset=utf-8`.
  test("GET <subgraph>/graphql serves the GraphiQL page and its assets from this server", async () => {
    const response = await fetch(`${server.httpUrl(NAME)}/graphql`);
    assert.equal(response.status, 200);
    assert.equal(response.headers.get("content-type"), "text/html; charset=utf-8");
    const csp = response.headers.get("content-security-policy") ?? "";
    assert.match(csp, /default-src 'none'/);
    assert.match(csp, /script-src 'self'/);
    assert.match(csp, /frame-ancestors 'none'/);
    assert.equal(response.headers.get("x-content-type-options"), "nosniff");
    const html = await response.text();
    assert.match(html, /<div id="graphiql">/);
    const sources = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((match) => match[1]!);
    assert.ok(sources.length >= 5, `assets: ${sources.join(", ")}`);
    for (const source of sources) {
      assert.match(source, /^\/graphiql\//, "every asset from this server, at a fixed path");
      const asset = await fetch(new URL(source, server.httpUrl(NAME)));
      assert.equal(asset.status, 200, source);
      assert.match(asset.headers.get("content-type") ?? "", /^(text\/css|text\/javascript)/, source);
      assert.equal(asset.headers.get("x-content-type-options"), "nosniff", source);
      assert.ok((await asset.arrayBuffer()).byteLength > 0, source);
    }
    const missing = await fetch(new URL("/graphiql/../package.json", server.httpUrl(NAME)));
    assert.equal(missing.status, 404);
  });

  // graph-node: service.rs:370-376 answers GET /subgraphs/name/<name> with handle_temp_redirect
  // (l.259-271): 302 to <name>/graphql. Ours does that for a browser (Accept text/html) only.
  test("a browser's GET of the subgraph without a query is redirected to GraphiQL", async () => {
    const response = await fetch(server.httpUrl(NAME), {
      headers: { accept: BROWSER_ACCEPT },
      redirect: "manual",
    });
    assert.equal(response.status, 302);
    assert.equal(response.headers.get("location"), "/subgraphs/name/acme/tokens/graphql");
  });

  test("a GET without text/html, or with a query, keeps answering JSON", async () => {
    const bare = await fetch(server.httpUrl(NAME), { headers: { accept: "application/json" } });
    assert.equal(bare.status, 400);
    assert.match(bare.headers.get("content-type") ?? "", /^application\/json/);
    assert.ok(((await bare.json()) as { errors: unknown[] }).errors.length > 0);
    const url = new URL(server.httpUrl(NAME));
    url.searchParams.set("query", "{ tokens { id } }");
    const answered = await fetch(url, { headers: { accept: BROWSER_ACCEPT } });
    assert.equal(answered.status, 200);
    assert.deepEqual(await answered.json(), { data: { tokens: [{ id: "t1" }] } });
    const unknown = await fetch(`${server.httpUrl("nobody")}/graphql`);
    assert.equal(unknown.status, 404, "no GraphiQL for a subgraph that is not served");
  });
});

describe("in Chromium, offline", () => {
  let browser: OfflineBrowser;
  before(async () => {
    browser = await launchOfflineChromium();
  });
  after(() => browser?.close());

  test(
    "the editor opens with ?query= and running it shows the block number",
    { timeout: 60_000 },
    async () => {
      const query = "{ _meta { block { number } } }";
      const page = await browser.open();
      const response = await page.goto(`${server.httpUrl(NAME)}/graphql?query=${encodeURIComponent(query)}`);
      assert.equal(response?.status(), 200);
      const editor = page.locator(".graphiql-query-editor .CodeMirror");
      await editor.waitFor({ timeout: 30_000 });
      assert.match(await editor.innerText(), /_meta/, "the editor holds the query from the URL");
      await page.locator(".graphiql-execute-button").click();
      const result = page.locator(".graphiql-response .CodeMirror");
      await page.waitForFunction(
        () => /"number":\s*\d+/.test(document.querySelector(".graphiql-response")?.textContent ?? ""),
        undefined,
        { timeout: 30_000 },
      );
      assert.match(await result.innerText(), /"number":\s*2\b/, "block 2, the head");
      assert.deepEqual(browser.problems, []);
    },
  );
});
