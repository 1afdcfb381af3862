// A local HTTP server whose every answer is computed from the whole request body: the base of the
// tests' proxies (an answer that throws becomes a 502 with the error's text, as `failure` words it).
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface Answer {
  status: number;
  body: string;
}

export interface Asked {
  method: string;
  url: string;
  contentType: string | undefined;
  body: Buffer<ArrayBuffer>;
}

export interface AnsweringServer {
  port: number;
  stop(): Promise<void>;
}

export async function startAnsweringServer(
  answer: (request: Asked) => Promise<Answer>,
  failure: (error: unknown) => string,
): Promise<AnsweringServer> {
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const asked: Asked = {
        method: request.method ?? "GET",
        url: request.url ?? "/",
        contentType: request.headers["content-type"],
        body: Buffer.concat(chunks),
      };
      answer(asked)
        .catch((error: unknown): Answer => ({ status: 502, body: failure(error) }))
        .then(
          ({ status, body }) => {
            response.writeHead(status, { "content-type": "application/json" });
            response.end(body);
          },
          () => undefined,
        );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as AddressInfo).port,
    stop: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
