// One HTTP exchange for ethers' FetchRequest. Ethers' own Node transport gathers a response by
// copying everything received so far into a new array at every chunk, which is quadratic in the
// answer's size: a range of a thousand logs (about 1 MB, some 16 chunks) was copied over and over,
// and that copying took about a quarter of the indexer's thread while it indexed from scratch. Here
// the chunks are kept as they come and joined once. As in ethers, the timeout is the longest the
// socket may stay silent, and a gzip answer is unpacked.
import http from "node:http";
import https from "node:https";
import { gunzipSync } from "node:zlib";
import type { FetchGetUrlFunc, GetUrlResponse } from "ethers";

export const getUrlJoiningOnce: FetchGetUrlFunc = (req, signal) =>
  new Promise<GetUrlResponse>((resolve, reject) => {
    const { protocol } = new URL(req.url);
    if (protocol !== "http:" && protocol !== "https:") {
      reject(new Error(`unsupported protocol ${protocol} in an RPC URL`));
      return;
    }
    const request = (protocol === "http:" ? http : https).request(req.url, {
      method: req.method,
      headers: { ...req.headers },
    });
    const fail = (error: Error) => {
      request.destroy();
      reject(error);
    };
    request.setTimeout(req.timeout, () =>
      fail(Object.assign(new Error("request timeout"), { code: "TIMEOUT" })),
    );
    signal?.addListener(() => fail(Object.assign(new Error("request cancelled"), { code: "CANCELLED" })));
    request.on("error", fail);
    request.on("response", (response) => {
      const chunks: Buffer[] = [];
      response.on("data", (chunk: Buffer) => chunks.push(chunk));
      response.on("error", fail);
      response.on("end", () => {
        let body: Buffer | null = chunks.length > 0 ? Buffer.concat(chunks) : null;
        try {
          if (body && response.headers["content-encoding"] === "gzip") body = gunzipSync(body);
        } catch (error) {
          fail(error as Error);
          return;
        }
        const headers: Record<string, string> = {};
        for (const [name, value] of Object.entries(response.headers)) {
          if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(", ") : value;
        }
        resolve({
          statusCode: response.statusCode ?? 0,
          statusMessage: response.statusMessage ?? "",
          headers,
          body,
        });
      });
    });
    request.end(req.body ? Buffer.from(req.body) : undefined);
  });
