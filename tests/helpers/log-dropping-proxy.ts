// A JSON-RPC proxy in front of a node that leaves chosen logs out of its eth_getLogs answers, as a
// node that answers a block's logs without some of them would (no error, the rest whole).
import { startAnsweringServer } from "./answering-server.ts";

export interface AnsweredLog {
  address: string;
  topics: string[];
  blockNumber: string;
  transactionHash: string;
}

export interface LogDroppingProxy {
  url: string;
  /** Logs for which this says true are left out of the answers; undefined passes every log. */
  drop: ((log: AnsweredLog) => boolean) | undefined;
  /** The logs left out so far. */
  dropped: AnsweredLog[];
  stop(): Promise<void>;
}

export async function startLogDroppingProxy(target: string): Promise<LogDroppingProxy> {
  const server = await startAnsweringServer(
    async ({ body }) => {
      const answer = await fetch(target, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body,
      });
      const text = await answer.text();
      const asked = JSON.parse(body.toString("utf8")) as { method?: string };
      const parsed = JSON.parse(text) as { result?: unknown };
      const drop = proxy.drop;
      if (asked.method !== "eth_getLogs" || !drop || !Array.isArray(parsed.result))
        return { status: answer.status, body: text };
      const logs = parsed.result as AnsweredLog[];
      proxy.dropped.push(...logs.filter(drop));
      return {
        status: answer.status,
        body: JSON.stringify({ ...parsed, result: logs.filter((log) => !drop(log)) }),
      };
    },
    (error) => JSON.stringify({ jsonrpc: "2.0", id: null, error: { code: -32603, message: String(error) } }),
  );
  const proxy: LogDroppingProxy = {
    url: `http://127.0.0.1:${server.port}`,
    drop: undefined,
    dropped: [],
    stop: () => server.stop(),
  };
  return proxy;
}
