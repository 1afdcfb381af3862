// GET /health and GET /metrics for the operator's probes and Prometheus, and the status page at /
// for people (status-page.ts). Loopback only: the endpoint has no authentication, and health details
// (last error, feed state) are for the host.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { isIP } from "node:net";
import type { ExecutorHealth } from "../service-api.ts";
import type { ExecutorMetrics } from "./metrics.ts";
import { redact } from "./redact.ts";
import { renderStatusPage, STATUS_PAGE_CSP, type StatusPageSource } from "./status-page.ts";

export interface ObservabilityServerOptions {
  host: string;
  /** 0 picks a free port. */
  port: number;
  health: () => ExecutorHealth;
  metrics: ExecutorMetrics;
  /** The facilitation status page at /; without it / is not found. */
  statusPage?: StatusPageSource;
}

export interface ObservabilityServer {
  port: number;
  url: string;
  close(): Promise<void>;
}

/** Probes treat 200 as ready; "starting" is still alive, so a restart loop does not kill it. */
const HEALTHY: ReadonlySet<ExecutorHealth["status"]> = new Set(["ok", "starting", "standby"]);

function isLoopback(host: string): boolean {
  if (host === "localhost" || host === "::1") return true;
  return isIP(host) === 4 && host.startsWith("127.");
}

function send(
  response: ServerResponse,
  status: number,
  contentType: string,
  body: string,
  headers: Record<string, string> = {},
): void {
  response.writeHead(status, { "content-type": contentType, "cache-control": "no-store", ...headers });
  response.end(body);
}

/**
 * A page other sites must not read: a browser only sends a loopback Host to a loopback server
 * unless a hostile name was made to resolve to 127.0.0.1 (DNS rebinding).
 */
function hasLoopbackHost(request: IncomingMessage): boolean {
  const host = request.headers.host;
  if (host === undefined) return false;
  const name = host.startsWith("[") ? host.slice(1, host.indexOf("]")) : host.replace(/:\d+$/, "");
  return isLoopback(name);
}

function json(response: ServerResponse, status: number, body: unknown): void {
  send(response, status, "application/json; charset=utf-8", `${JSON.stringify(body)}\n`);
}

async function answer(
  request: IncomingMessage,
  response: ServerResponse,
  options: ObservabilityServerOptions,
): Promise<void> {
  const path = new URL(request.url ?? "/", "http://localhost").pathname;
  const page = path === "/" ? options.statusPage : undefined;
  if (path !== "/health" && path !== "/metrics" && !page) {
    const pages = options.statusPage ? "/, /health or /metrics" : "/health or /metrics";
    json(response, 404, { error: `not found: ${path} (try ${pages})` });
    return;
  }
  if (request.method !== "GET" && request.method !== "HEAD") {
    response.setHeader("allow", "GET, HEAD");
    json(response, 405, { error: `${request.method} is not allowed on ${path}: use GET` });
    return;
  }
  if (page) {
    if (!hasLoopbackHost(request)) {
      json(response, 403, {
        error: "the status page answers only a loopback Host (127.0.0.1, [::1] or localhost)",
      });
      return;
    }
    const html = await renderStatusPage(page, options.health());
    send(response, 200, "text/html; charset=utf-8", html, {
      "content-security-policy": STATUS_PAGE_CSP,
      "x-content-type-options": "nosniff",
      "referrer-policy": "no-referrer",
    });
    return;
  }
  if (path === "/metrics") {
    const { registry } = options.metrics;
    send(response, 200, registry.contentType, await registry.metrics());
    return;
  }
  // The service's health carries its last error as text: redacted like a log line.
  const health = redact(options.health()) as ExecutorHealth;
  json(response, HEALTHY.has(health.status) ? 200 : 503, health);
}

export async function startObservabilityServer(
  options: ObservabilityServerOptions,
): Promise<ObservabilityServer> {
  if (!isLoopback(options.host)) {
    throw new Error(
      `http.host "${options.host}" is not a loopback address: /health and /metrics listen on loopback only ` +
        "(127.0.0.1, ::1 or localhost); expose them through a reverse proxy or an agent on this host",
    );
  }
  const server = createServer((request, response) => {
    answer(request, response, options).catch((error: unknown) => {
      if (!response.headersSent) json(response, 500, { error: String(redact((error as Error).message)) });
      else response.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("the server has no TCP address");
  const hostInUrl = address.family === "IPv6" ? `[${address.address}]` : address.address;
  return {
    port: address.port,
    url: `http://${hostInUrl}:${address.port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        // Keep-alive connections from a scraper would otherwise hold close() open.
        server.closeAllConnections();
      }),
  };
}
