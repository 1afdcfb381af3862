// What the server accepts before any query runs. The server listens on loopback, but any web page
// the user opens can reach loopback too: it may POST a "simple" (text/plain) request without a
// CORS preflight and open a WebSocket without CORS at all, so both are checked here.

export interface WebSocketLimits {
  /** Largest WebSocket message; a larger one closes the connection (code 1009). */
  maxPayloadBytes: number;
  /** Open WebSocket connections over all subgraphs; more are refused with 503. */
  maxConnections: number;
  /** Operations running at once on one connection; more are answered with an error. */
  maxSubscriptionsPerConnection: number;
}

export const DEFAULT_WEBSOCKET_LIMITS: WebSocketLimits = {
  maxPayloadBytes: 64 * 1024,
  maxConnections: 64,
  maxSubscriptionsPerConnection: 100,
};

export function webSocketLimitsWith(overrides: Partial<WebSocketLimits> = {}): WebSocketLimits {
  const limits = { ...DEFAULT_WEBSOCKET_LIMITS, ...overrides };
  for (const [name, value] of Object.entries(limits))
    if (!Number.isSafeInteger(value) || value < 1)
      throw new Error(`webSocket.${name} must be a positive integer, got ${String(value)}`);
  return limits;
}

export const ACCEPTED_CONTENT_TYPE = "application/json";

/** True for `application/json` with or without parameters (`; charset=utf-8`). */
export function isJsonContentType(header: string | undefined): boolean {
  return header?.split(";")[0]?.trim().toLowerCase() === ACCEPTED_CONTENT_TYPE;
}

const LOOPBACK_HOSTS = new Set(["127.0.0.1", "localhost", "[::1]"]);

/**
 * Browsers always send Origin on a WebSocket handshake; Node clients send none. A page served
 * from loopback (a local dashboard) may connect; any other page may not.
 */
export function isAllowedOrigin(origin: string | undefined): boolean {
  if (origin === undefined) return true;
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false;
  }
  return (url.protocol === "http:" || url.protocol === "https:") && LOOPBACK_HOSTS.has(url.hostname);
}

/** graph-node's answer (400, `{"error": …}`) to a GET whose query is a mutation (service.rs:287-289). */
export const MUTATION_VIA_GET = "Can't use mutations with GET method";

/** graph-node's test for it (server/http/src/service.rs:348-358): the text starts with `mutation`. */
export function isMutationQuery(query: string | null): boolean {
  return (query ?? "").trim().toLowerCase().startsWith("mutation");
}
