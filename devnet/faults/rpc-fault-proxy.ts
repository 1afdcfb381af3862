// A JSON-RPC proxy in front of a node (anvil) that fails chosen methods on request, as a failing
// node or network would: an HTTP 500, a request that never gets an answer, or one that is forwarded
// (so the node acts on it) and whose answer is then dropped.
import http from "node:http";
import type { AddressInfo } from "node:net";

export type RpcFault = "http500" | "hang" | "drop";

export interface RpcFaultProxy {
  url: string;
  /**
   * The next `times` requests of `method` fail with `fault` (Infinity: until clear()), after the
   * next `after` of them (0 by default) are let through.
   */
  fail(method: string, fault: RpcFault, times?: number, after?: number): void;
  /**
   * From now on a share (`rate`, 0 to 1) of all requests fails, each with a fault picked at random;
   * the same seed gives the same sequence of faults.
   */
  chaos(options: { rate: number; seed: number }): void;
  /** Stops failing `method` (every method, and the chaos, when left out). */
  clear(method?: string): void;
  /** Requests seen per method, failed ones included. */
  seen(method: string): number;
  /** Requests of `method` failed so far; of every method when left out. */
  failed(method?: string): number;
  stop(): Promise<void>;
}

const CHAOS_FAULTS: RpcFault[] = ["http500", "hang", "drop"];

/** mulberry32: numbers in [0, 1) from a 32-bit seed, the same ones for the same seed. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export async function startRpcFaultProxy(target: string): Promise<RpcFaultProxy> {
  const faults = new Map<string, { fault: RpcFault; left: number; through: number }>();
  const seen = new Map<string, number>();
  const failed = new Map<string, number>();
  let chaos: { rate: number; next: () => number } | undefined;
  const bump = (counts: Map<string, number>, method: string) =>
    counts.set(method, (counts.get(method) ?? 0) + 1);

  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      let method = "";
      try {
        const parsed = JSON.parse(body) as { method?: string } | { method?: string }[];
        method = (Array.isArray(parsed) ? parsed[0]?.method : parsed.method) ?? "";
      } catch {
        // Not JSON: forwarded as it is, the node answers.
      }
      bump(seen, method);
      const planned = faults.get(method);
      let fault: RpcFault | undefined;
      if (planned && planned.through > 0) planned.through--;
      else if (planned && planned.left > 0) {
        planned.left--;
        fault = planned.fault;
      }
      if (!fault && chaos && chaos.next() < chaos.rate) fault = CHAOS_FAULTS[Math.floor(chaos.next() * 3)];
      if (fault) bump(failed, method);
      if (fault === "http500") {
        response.writeHead(500, { "content-type": "text/plain" }).end("injected fault");
        return;
      }
      if (fault === "hang") return; // never answered; stop() closes the connection
      fetch(target, { method: "POST", headers: { "content-type": "application/json" }, body })
        .then(async (answer) => {
          const text = await answer.text();
          if (fault === "drop") {
            request.socket.destroy();
            return;
          }
          response.writeHead(answer.status, { "content-type": "application/json" }).end(text);
        })
        .catch(() => request.socket.destroy());
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    fail(method, fault, times = Infinity, after = 0) {
      faults.set(method, { fault, left: times, through: after });
    },
    chaos({ rate, seed }) {
      chaos = { rate, next: seededRandom(seed) };
    },
    clear(method) {
      if (method === undefined) {
        faults.clear();
        chaos = undefined;
      } else faults.delete(method);
    },
    seen: (method) => seen.get(method) ?? 0,
    failed: (method) =>
      method === undefined
        ? [...failed.values()].reduce((sum, count) => sum + count, 0)
        : (failed.get(method) ?? 0),
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
