// An HTTP proxy in front of a GraphQL server that can rewrite its answers: a lying or intercepted
// subgraph, as the executor may meet it behind plain http://.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface RewritingProxy {
  /** The proxy's URL for the same path as `targetUrl` on the real server. */
  urlFor(targetUrl: string): string;
  /** Rewrites each answer's body text (to a request of `path`) before it is passed on; undefined passes it unchanged. */
  rewrite: ((body: string, path: string) => string) | undefined;
  stop(): Promise<void>;
}

export async function startRewritingProxy(targetOrigin: string): Promise<RewritingProxy> {
  const proxy: RewritingProxy = {
    urlFor: (targetUrl) => {
      const target = new URL(targetUrl);
      return `http://127.0.0.1:${port}${target.pathname}`;
    },
    rewrite: undefined,
    stop: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      void (async () => {
        try {
          const answer = await fetch(new URL(request.url ?? "/", targetOrigin), {
            method: request.method,
            headers: { "content-type": request.headers["content-type"] ?? "application/json" },
            body: request.method === "POST" ? Buffer.concat(chunks) : undefined,
          });
          const text = await answer.text();
          const body = proxy.rewrite ? proxy.rewrite(text, request.url ?? "/") : text;
          response.writeHead(answer.status, { "content-type": "application/json" });
          response.end(body);
        } catch (error) {
          response.writeHead(502, { "content-type": "application/json" });
          response.end(JSON.stringify({ errors: [{ message: String(error) }] }));
        }
      })();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return proxy;
}
