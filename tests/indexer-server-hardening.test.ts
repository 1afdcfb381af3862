// The query server under hostile input: chained fragments validate in linear time, POST bodies
// other than JSON are refused (a browser page may POST text/plain cross-origin), and the WebSocket
// endpoint bounds message size, connections and subscriptions and refuses foreign browser origins.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { createClient, type Client } from "graphql-ws";
import WebSocket from "ws";
import {
  startGraphqlServer,
  type GraphqlServer,
  type GraphqlServerOptions,
} from "../indexer/graphql/index.ts";
import { openSqliteStore } from "../indexer/store/index.ts";
import type { QueryableStore } from "../indexer/store/entity-query.ts";
import { block, fixtureSchema, temporaryDirectory, token } from "./fixtures/indexer-fixture.ts";

const schema = fixtureSchema();
const tmp = temporaryDirectory();
let store: QueryableStore;
before(() => {
  store = openSqliteStore({ file: tmp.file("hardening.sqlite"), schema, deployment: "QmHardening" });
  store.applyBlock(block(1), [token("t1", { symbol: "ALPHA" })]);
});
after(() => {
  store.close();
  tmp.cleanup();
});

async function withServer(
  options: Omit<GraphqlServerOptions, "subgraphs">,
  body: (server: GraphqlServer) => Promise<void>,
): Promise<void> {
  const server = await startGraphqlServer({ ...options, subgraphs: { test: { store, schema } } });
  try {
    await body(server);
  } finally {
    await server.close();
  }
}

async function post(url: string, query: string, contentType: string): Promise<Response> {
  return fetch(url, {
    method: "POST",
    headers: { "content-type": contentType },
    body: JSON.stringify({ query }),
  });
}

/** `levels` fragments, each spreading the next one `spreads` times: 3^18 paths in about 1 KB. */
function chainedFragments(levels: number, spreads: number, nest = (spread: string) => spread): string {
  let text = "{ tokens { ...F0 } }\n";
  for (let level = 0; level < levels; level++) {
    const spread = `...F${level + 1}`;
    text += `fragment F${level} on Token { id symbol ${nest(Array(spreads).fill(spread).join(" "))} }\n`;
  }
  return text + `fragment F${levels} on Token { id symbol }\n`;
}

describe("query validation", () => {
  test("chained fragment spreads are validated without re-walking them", { timeout: 20_000 }, async () => {
    await withServer({}, async (server) => {
      const query = chainedFragments(18, 3);
      assert.ok(query.length > 900 && query.length < 2048, `query of ${query.length} bytes`);
      const response = await post(server.httpUrl("test"), query, "application/json");
      assert.equal(response.status, 200);
      assert.deepEqual(await response.json(), { data: { tokens: [{ id: "t1", symbol: "ALPHA" }] } });
    });
  });

  test("the depth of a fragment is still counted at every spread", { timeout: 20_000 }, async () => {
    await withServer({}, async (server) => {
      // Each level adds two fields (owner, tokens): 1 + 2 * 12 levels + 1 = 26 > 24.
      const query = chainedFragments(12, 3, (spreads) => `owner { tokens { ${spreads} } }`);
      const response = await post(server.httpUrl("test"), query, "application/json");
      assert.match(JSON.stringify(await response.json()), /exceeds the limit of `24`/);
    });
  });
});

describe("HTTP content type", () => {
  test("a POST that is not application/json is refused with 415", async () => {
    await withServer({}, async (server) => {
      for (const type of [
        "text/plain;charset=UTF-8",
        "application/x-www-form-urlencoded",
        "multipart/form-data",
      ]) {
        const refused = await post(server.httpUrl("test"), "{ tokens { id } }", type);
        assert.equal(refused.status, 415, type);
        assert.deepEqual(await refused.json(), {
          errors: [
            { message: `unsupported content type \`${type}\`; send the query as \`application/json\`` },
          ],
        });
      }
      const missing = await fetch(server.httpUrl("test"), {
        method: "POST",
        body: new Uint8Array(Buffer.from(JSON.stringify({ query: "{ tokens { id } }" }))),
      });
      assert.equal(missing.status, 415);
      for (const type of ["application/json", "application/json; charset=utf-8", "Application/JSON"]) {
        const accepted = await post(server.httpUrl("test"), "{ tokens { id } }", type);
        assert.equal(accepted.status, 200, type);
        assert.deepEqual(await accepted.json(), { data: { tokens: [{ id: "t1" }] } });
      }
      const get = new URL(server.httpUrl("test"));
      get.searchParams.set("query", "{ tokens { id } }");
      assert.deepEqual(await (await fetch(get)).json(), { data: { tokens: [{ id: "t1" }] } });
    });
  });
});

describe("WebSocket limits", () => {
  test("a message above maxPayloadBytes closes the connection", { timeout: 10_000 }, async () => {
    await withServer({ webSocket: { maxPayloadBytes: 4096 } }, async (server) => {
      const socket = await open(server.wsUrl("test"));
      socket.send(JSON.stringify({ type: "connection_init" }));
      await nextMessage(socket);
      const closed = closeOf(socket);
      socket.send(
        JSON.stringify({
          id: "1",
          type: "subscribe",
          payload: { query: `{ tokens { id } }${" ".repeat(5000)}` },
        }),
      );
      assert.equal((await closed).code, 1009, "1009: message too big");
    });
  });

  test("connections above maxConnections are refused", { timeout: 10_000 }, async () => {
    await withServer({ webSocket: { maxConnections: 2 } }, async (server) => {
      const first = await open(server.wsUrl("test"));
      const second = await open(server.wsUrl("test"));
      assert.equal(await upgradeStatus(server.wsUrl("test")), 503);
      first.close();
      // The server counts the connection until its socket is closed on its side too.
      let status = -1;
      while (status !== 0) status = await upgradeStatus(server.wsUrl("test"));
      second.terminate();
    });
  });

  test("subscriptions above maxSubscriptionsPerConnection are refused", { timeout: 10_000 }, async () => {
    await withServer({ webSocket: { maxSubscriptionsPerConnection: 2 } }, async (server) => {
      const client = createClient({ url: server.wsUrl("test"), webSocketImpl: WebSocket, retryAttempts: 0 });
      try {
        const firstResults = [live(client, "a"), live(client, "b")];
        for (const result of firstResults)
          assert.deepEqual((await result.first).data, { tokens: [{ id: "t1" }] });
        const third = live(client, "c");
        await assert.rejects(third.first, /more than 2 subscriptions on one connection/);
        firstResults[0]!.stop();
        await firstResults[0]!.done;
        const fourth = live(client, "d");
        assert.deepEqual((await fourth.first).data, { tokens: [{ id: "t1" }] });
        fourth.stop();
        firstResults[1]!.stop();
      } finally {
        await client.dispose();
      }
    });
  });

  test("a browser Origin other than loopback is refused", { timeout: 10_000 }, async () => {
    await withServer({}, async (server) => {
      for (const origin of ["http://evil.example", "http://127.0.0.1.evil.example:80", "null", "file://"])
        assert.equal(await upgradeStatus(server.wsUrl("test"), origin), 403, origin);
      for (const origin of [
        "http://127.0.0.1:5173",
        "http://localhost:3000",
        "http://[::1]:8080",
        "http://localhost",
      ])
        assert.equal(await upgradeStatus(server.wsUrl("test"), origin), 0, origin);
      assert.equal(await upgradeStatus(server.wsUrl("test")), 0, "no Origin (a Node client)");
    });
  });
});

function open(url: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, "graphql-transport-ws");
    socket.once("open", () => resolve(socket));
    socket.once("error", reject);
  });
}

function nextMessage(socket: WebSocket): Promise<unknown> {
  return new Promise((resolve) => socket.once("message", (data) => resolve(JSON.parse(String(data)))));
}

function closeOf(socket: WebSocket): Promise<{ code: number }> {
  return new Promise((resolve) => socket.once("close", (code) => resolve({ code })));
}

/** A subscription: its first result (or its error), stop() and when it ended. */
function live(client: Client, id: string) {
  let stop = () => {};
  let resolveFirst: (value: { data?: unknown }) => void = () => {};
  let rejectFirst: (error: Error) => void = () => {};
  const first = new Promise<{ data?: unknown }>((resolve, reject) => {
    resolveFirst = resolve;
    rejectFirst = reject;
  });
  const done = new Promise<void>((resolve) => {
    stop = client.subscribe(
      { query: `subscription ${id} { tokens { id } }` },
      {
        next: (value) => resolveFirst(value as { data?: unknown }),
        error: (error) => {
          rejectFirst(new Error(JSON.stringify(error)));
          resolve();
        },
        complete: () => resolve(),
      },
    );
  });
  return { first, done, stop: () => stop() };
}

/** The HTTP status with which a WebSocket upgrade is refused (0 if it was accepted). */
function upgradeStatus(url: string, origin?: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, "graphql-transport-ws", origin === undefined ? {} : { origin });
    socket.on("unexpected-response", (_request, response) => {
      resolve(response.statusCode ?? -1);
      response.resume();
      socket.terminate();
    });
    socket.on("open", () => {
      socket.terminate();
      resolve(0);
    });
    socket.on("error", (error) => {
      if (!/Unexpected server response/.test(error.message)) reject(error);
    });
  });
}
