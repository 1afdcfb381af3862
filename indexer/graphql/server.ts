// The HTTP server of the query API, at graph-node's paths: POST (JSON {query, variables,
// operationName}) and GET (?query=) at /subgraphs/name/<name> (and /subgraphs/id/<deployment>), and
// on the same paths graphql-ws (protocol graphql-transport-ws) for queries and subscriptions.
// A browser gets GraphiQL at <subgraph>/graphql (graphiql-page.ts).
import { STATUS_CODES, createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Duplex } from "node:stream";
import { GraphQLError, type ExecutionArgs } from "graphql";
import { useServer } from "graphql-ws/use/ws";
import { WebSocketServer } from "ws";
import type { SubgraphSchema } from "../schema/model.ts";
import type { QueryableStore } from "../store/entity-query.ts";
import type { SubgraphStore } from "../store/types.ts";
import { apiSchemaFor, type ApiSchema } from "./api-schema.ts";
import { answerJson, limitsWith, queryableStore, runDocument } from "./execute.ts";
import { answerBrowser } from "./graphiql-page.ts";
import type { QueryLimits } from "./limits.ts";
import { LruCache } from "./lru-cache.ts";
import { prepareQuery } from "./prepare-query.ts";
import { PreparedRequests } from "./prepared-requests.ts";
import {
  ACCEPTED_CONTENT_TYPE,
  isAllowedOrigin,
  isJsonContentType,
  isMutationQuery,
  MUTATION_VIA_GET,
  webSocketLimitsWith,
  type WebSocketLimits,
} from "./request-guards.ts";
import { BlockDrivenResults, readSet } from "./subscriptions.ts";

export interface GraphqlSubgraph {
  store: SubgraphStore;
  schema: SubgraphSchema;
}

export interface GraphqlServerOptions {
  host?: string;
  /** 0 (the default) picks a free port. */
  port?: number;
  subgraphs: Record<string, GraphqlSubgraph>;
  /** graphql-ws on the subgraph paths; on by default. */
  subscriptions?: boolean;
  limits?: Partial<QueryLimits>;
  /** Bounds on the WebSocket endpoint; see DEFAULT_WEBSOCKET_LIMITS. */
  webSocket?: Partial<WebSocketLimits>;
}

export interface GraphqlServer {
  port: number;
  httpUrl(name: string): string;
  wsUrl(name: string): string;
  close(): Promise<void>;
}

/** Request bodies above this are refused (a query and its variables are far smaller). */
const MAX_BODY_BYTES = 1024 * 1024;
/** How long close() lets WebSocket clients answer the close handshake before cutting them off. */
const WS_CLOSE_GRACE_MS = 1000;
/** Request paths whose subgraph is remembered (clients use few; anyone may send many). */
const ROUTES_KEPT = 256;

interface Served {
  name: string;
  store: QueryableStore;
  schema: SubgraphSchema;
  api: ApiSchema;
  /** POST bodies' preparations, for requests sent again. */
  preparations: PreparedRequests;
  sockets: WebSocketServer | null;
  disposeSockets: (() => Promise<void>) | null;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export async function startGraphqlServer(options: GraphqlServerOptions): Promise<GraphqlServer> {
  const host = options.host ?? "127.0.0.1";
  const limits = limitsWith(options.limits);
  const subscriptions = options.subscriptions ?? true;
  const webSocket = webSocketLimitsWith(options.webSocket);
  const served = new Map<string, Served>();
  for (const [name, { store, schema }] of Object.entries(options.subgraphs)) {
    const api = apiSchemaFor(schema);
    const entry: Served = {
      name,
      store: queryableStore(store),
      schema,
      api,
      preparations: new PreparedRequests(api, limits),
      sockets: null,
      disposeSockets: null,
    };
    if (subscriptions) attachWebSockets(entry, limits, webSocket);
    served.set(name, entry);
  }

  const findRoute = (url: string): Served | null => {
    const path = new URL(url, "http://localhost").pathname;
    const byName = /^\/subgraphs\/name\/(.+)$/.exec(path);
    if (byName?.[1]) return served.get(decodeURIComponent(byName[1])) ?? null;
    const byId = /^\/subgraphs\/id\/([^/]+)$/.exec(path);
    if (byId?.[1]) {
      const deployment = decodeURIComponent(byId[1]);
      return [...served.values()].find((entry) => entry.store.deployment === deployment) ?? null;
    }
    return null;
  };
  // The subgraphs served are fixed at start, so a URL always routes the same way.
  const routes = new LruCache<string, Served | null>(ROUTES_KEPT);
  const route = (url = "/"): Served | null => {
    let target = routes.get(url);
    if (target === undefined) routes.set(url, (target = findRoute(url)));
    return target;
  };

  const server = createServer((request, response) => {
    if (answerBrowser(request, response, (path) => route(path) !== null)) return;
    handleHttp(request, response, route(request.url), limits).catch((error: unknown) => {
      const status = error instanceof HttpError ? error.status : 500;
      const message =
        error instanceof HttpError ? error.message : `internal error: ${(error as Error).message}`;
      if (!response.headersSent) sendJson(response, status, { errors: [{ message }] });
      else response.end();
    });
  });

  // Counted from the upgrade to the socket's close, so a burst of handshakes cannot pass the cap.
  let connections = 0;
  server.on("upgrade", (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    const target = route(request.url);
    if (!subscriptions) return refuseUpgrade(socket, 400, "subscriptions are disabled on this server");
    if (!target?.sockets) return refuseUpgrade(socket, 404, `no subgraph at ${request.url}`);
    const origin = request.headers.origin;
    if (!isAllowedOrigin(origin))
      return refuseUpgrade(
        socket,
        403,
        `WebSocket connections from origin \`${origin}\` are refused; only pages served from 127.0.0.1, localhost or [::1] (or clients that send no Origin) may connect`,
      );
    if (connections >= webSocket.maxConnections)
      return refuseUpgrade(
        socket,
        503,
        `too many WebSocket connections (limit ${webSocket.maxConnections}); close one or raise webSocket.maxConnections`,
      );
    connections += 1;
    socket.once("close", () => {
      connections -= 1;
    });
    const sockets = target.sockets;
    sockets.handleUpgrade(request, socket, head, (client) => sockets.emit("connection", client, request));
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const urlHost = host.includes(":") ? `[${host}]` : host;
  const path = (name: string) => `/subgraphs/name/${name.split("/").map(encodeURIComponent).join("/")}`;

  return {
    port,
    httpUrl: (name) => `http://${urlHost}:${port}${path(name)}`,
    wsUrl: (name) => `ws://${urlHost}:${port}${path(name)}`,
    close: async () => {
      await Promise.all([...served.values()].map(closeWebSockets));
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
  };
}

function attachWebSockets(entry: Served, limits: QueryLimits, webSocket: WebSocketLimits): void {
  const sockets = new WebSocketServer({ noServer: true, maxPayload: webSocket.maxPayloadBytes });
  const { api, store } = entry;
  const disposable = useServer(
    {
      onSubscribe: (context, _id, payload) => {
        // graphql-ws has already registered this operation in context.subscriptions.
        if (Object.keys(context.subscriptions).length > webSocket.maxSubscriptionsPerConnection)
          return [
            new GraphQLError(
              `more than ${webSocket.maxSubscriptionsPerConnection} subscriptions on one connection; complete one first or open another connection`,
            ),
          ];
        const prepared = prepareQuery(api, payload.query, payload.variables, limits, { subscriptions: true });
        if ("errors" in prepared) return prepared.errors.map((error) => new GraphQLError(error.message));
        // Variables are in place in the prepared document; its one operation runs whatever its name.
        return {
          schema: api.schema,
          document: prepared.document,
          operationName: prepared.operation.name?.value,
        };
      },
      execute: (args: ExecutionArgs) => runDocument(api, store, args.document, limits),
      subscribe: (args: ExecutionArgs) =>
        new BlockDrivenResults(store, readSet(api, args.document), () =>
          runDocument(api, store, args.document, limits),
        ),
    },
    sockets,
  );
  entry.sockets = sockets;
  entry.disposeSockets = () => disposable.dispose() as Promise<void>;
}

async function closeWebSockets(entry: Served): Promise<void> {
  if (!entry.sockets || !entry.disposeSockets) return;
  const clients = [...entry.sockets.clients];
  const cutOff = setTimeout(() => clients.forEach((client) => client.terminate()), WS_CLOSE_GRACE_MS);
  try {
    await entry.disposeSockets();
  } finally {
    clearTimeout(cutOff);
  }
}

async function handleHttp(
  request: IncomingMessage,
  response: ServerResponse,
  target: Served | null,
  limits: QueryLimits,
): Promise<void> {
  if (request.method === "OPTIONS") {
    response.writeHead(204, corsHeaders()).end();
    return;
  }
  if (!target)
    throw new HttpError(404, `no subgraph at ${new URL(request.url ?? "/", "http://localhost").pathname}`);
  let body: { query?: unknown; variables?: unknown; operationName?: unknown };
  // The request's exact text (POST only), under which its preparation is kept.
  let text: string | null = null;
  if (request.method === "POST") {
    const type = request.headers["content-type"];
    if (!isJsonContentType(type))
      throw new HttpError(
        415,
        type === undefined
          ? `the request has no content type; send the query as \`${ACCEPTED_CONTENT_TYPE}\``
          : `unsupported content type \`${type}\`; send the query as \`${ACCEPTED_CONTENT_TYPE}\``,
      );
    text = await readBody(request);
    body = parseJson(text, "request body") as typeof body;
    if (typeof body !== "object" || body === null)
      throw new HttpError(400, "the request body must be a JSON object");
  } else if (request.method === "GET") {
    const params = new URL(request.url ?? "/", "http://localhost").searchParams;
    if (isMutationQuery(params.get("query"))) {
      sendJson(response, 400, { error: MUTATION_VIA_GET });
      return;
    }
    const variables = params.get("variables");
    body = {
      query: params.get("query") ?? undefined,
      variables: variables ? parseJson(variables, "variables") : undefined,
      operationName: params.get("operationName") ?? undefined,
    };
  } else {
    throw new HttpError(405, `method ${request.method} is not allowed; use POST or GET`);
  }
  if (typeof body.query !== "string" || body.query.trim() === "")
    throw new HttpError(400, "the request has no `query` string");
  if (
    body.variables !== undefined &&
    body.variables !== null &&
    (typeof body.variables !== "object" || Array.isArray(body.variables))
  )
    throw new HttpError(400, "`variables` must be a JSON object");
  if (
    body.operationName !== undefined &&
    body.operationName !== null &&
    typeof body.operationName !== "string"
  )
    throw new HttpError(400, "`operationName` must be a string");
  // operationName is accepted and not read, as graph-node never reads it.
  const variables = body.variables as Record<string, unknown> | null | undefined;
  const preparation =
    text === null
      ? prepareQuery(target.api, body.query, variables, limits, { subscriptions: false })
      : target.preparations.prepare(text, body.query, variables);
  sendJsonText(response, 200, answerJson(target.store, target.api, preparation, limits));
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let chunks: Buffer[] = [];
    let size = 0;
    request.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new HttpError(413, `the request body is larger than ${MAX_BODY_BYTES} bytes`));
        request.destroy();
        return;
      }
      chunks.push(chunk);
    });
    request.on("end", () => {
      // A query's body mostly comes in one chunk: no copy then.
      resolve((chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)).toString("utf8"));
      chunks = [];
    });
    request.on("error", reject);
  });
}

function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new HttpError(400, `${what} is not valid JSON: ${(error as Error).message}`);
  }
}

function corsHeaders(): Record<string, string> {
  return {
    "access-control-allow-origin": "*",
    "access-control-allow-methods": "GET, POST, OPTIONS",
    "access-control-allow-headers": "content-type",
  };
}

/** The headers of every JSON answer but its length, names and values in one flat list (Node's raw form). */
const JSON_HEADERS = [
  ...Object.entries(corsHeaders()).flat(),
  "content-type",
  "application/json; charset=utf-8",
];

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  sendJsonText(response, status, JSON.stringify(body));
}

function sendJsonText(response: ServerResponse, status: number, text: string): void {
  response.writeHead(status, [...JSON_HEADERS, "content-length", String(Buffer.byteLength(text))]);
  response.end(text);
}

function refuseUpgrade(socket: Duplex, status: number, message: string): void {
  const body = JSON.stringify({ errors: [{ message }] });
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nConnection: close\r\nContent-Type: application/json\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}
