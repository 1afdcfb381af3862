// New heads of a chain pushed by its node: `eth_subscribe("newHeads")` over the node's WebSocket
// (anvil serves one on its HTTP port). A caller that reacts to a head the moment it is mined, rather
// than on its next poll, acts in the next block. Reconnects with backoff until stopped; never throws
// at its caller (errors go to onError, so the caller can keep a timer as its fallback). Errors name
// the node by its host: a hosted node's URL holds its API key, and they reach the logs.
import WebSocket from "ws";
import { hostOf, withoutUrlSecrets } from "./url-secrets.ts";

export interface NewHeadsOptions {
  /** The node's WebSocket URL (ws:// or wss://). */
  url: string;
  onHead: (head: { number: number; hash: string }) => void;
  onError?: (error: Error) => void;
}

export interface NewHeads {
  stop(): void;
}

const MAX_BACKOFF_MS = 10_000;

/** The WebSocket URL of a node served at an http(s) URL on the same port, as anvil does. */
export function webSocketUrlOf(rpcUrl: string): string {
  return rpcUrl.replace(/^http/, "ws");
}

export function followNewHeads(options: NewHeadsOptions): NewHeads {
  let stopped = false;
  let socket: WebSocket | undefined;
  let retry: NodeJS.Timeout | undefined;
  let failures = 0;
  const host = hostOf(options.url);
  const report = (text: string) =>
    options.onError?.(new Error(`${host}: ${withoutUrlSecrets(text, options.url, host)}`));

  const connect = () => {
    if (stopped) return;
    let current: WebSocket;
    try {
      current = new WebSocket(options.url);
    } catch (error) {
      // Not a WebSocket URL (ws's own message quotes it whole): nothing to follow.
      report(`not a WebSocket URL (${(error as Error).name})`);
      return;
    }
    socket = current;
    current.on("open", () => {
      current.send(JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_subscribe", params: ["newHeads"] }));
    });
    current.on("message", (data) => {
      const message = parseMessage(String(data));
      if (message?.error) {
        report(`eth_subscribe refused: ${message.error.message}`);
        current.close();
        return;
      }
      const head = message?.params?.result;
      if (message?.method !== "eth_subscription" || !head?.number || !head.hash) return;
      failures = 0;
      options.onHead({ number: Number(head.number), hash: head.hash });
    });
    current.on("error", (error) => report(error.message));
    current.on("close", () => {
      if (stopped) return;
      failures++;
      retry = setTimeout(connect, Math.min(MAX_BACKOFF_MS, 250 * 2 ** failures));
    });
  };
  connect();
  return {
    stop() {
      stopped = true;
      clearTimeout(retry);
      socket?.removeAllListeners("close");
      socket?.on("error", () => undefined);
      socket?.terminate();
    },
  };
}

interface SubscriptionMessage {
  method?: string;
  params?: { result?: { number?: string; hash?: string } };
  error?: { message: string };
}

function parseMessage(text: string): SubscriptionMessage | undefined {
  try {
    return JSON.parse(text) as SubscriptionMessage;
  } catch {
    return undefined;
  }
}
