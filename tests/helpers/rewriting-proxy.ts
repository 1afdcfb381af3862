// An HTTP proxy in front of a GraphQL server that can rewrite its answers: a lying or intercepted
// subgraph, as the executor may meet it behind plain http://.
import { startAnsweringServer } from "./answering-server.ts";

export interface RewritingProxy {
  /** The proxy's URL for the same path as `targetUrl` on the real server. */
  urlFor(targetUrl: string): string;
  /** Rewrites each answer's body text (to a request of `path`) before it is passed on; undefined passes it unchanged. */
  rewrite: ((body: string, path: string) => string) | undefined;
  stop(): Promise<void>;
}

export async function startRewritingProxy(targetOrigin: string): Promise<RewritingProxy> {
  const server = await startAnsweringServer(
    async ({ method, url, contentType, body }) => {
      const answer = await fetch(new URL(url, targetOrigin), {
        method,
        headers: { "content-type": contentType ?? "application/json" },
        body: method === "POST" ? body : undefined,
      });
      const text = await answer.text();
      return { status: answer.status, body: proxy.rewrite ? proxy.rewrite(text, url) : text };
    },
    (error) => JSON.stringify({ errors: [{ message: String(error) }] }),
  );
  const proxy: RewritingProxy = {
    urlFor: (targetUrl) => `http://127.0.0.1:${server.port}${new URL(targetUrl).pathname}`,
    rewrite: undefined,
    stop: () => server.stop(),
  };
  return proxy;
}
