// One HTTP exchange for ethers' FetchRequest. Ethers' own Node transport gathers a response by
// copying everything received so far into a new array at every chunk, which is quadratic in the
// answer's size: a range of a thousand logs (about 1 MB, some 16 chunks) was copied over and over,
// and that copying took about a quarter of the indexer's thread while it indexed from scratch. Here
// the chunks are kept as they come and joined once. As in ethers, the timeout is the longest the
// socket may stay silent, and a gzip answer is unpacked.
//
// A node's answer is untrusted input: one without end (or a small gzip that unpacks to gigabytes)
// would take the process's memory. An answer is refused past a bound, with an error that says it
// was too large, which the indexer's log ranges take as the sign to ask for fewer blocks.
import http from "node:http";
import https from "node:https";
import { gunzipSync } from "node:zlib";
import type { FetchGetUrlFunc, GetUrlResponse } from "ethers";
import { MAX_REDIRECTS, redirectTarget, REDIRECT_STATUSES } from "./redirects.mjs";
import { requestTarget } from "./url-credentials.ts";

/**
 * The largest answer taken, unpacked (128 MiB): far above a block with every transaction in full
 * or a log range sized by its log count, far below what would exhaust the process.
 */
export const MAX_ANSWER_BYTES = 128 * 1024 * 1024;

export class AnswerTooLargeError extends Error {
  override name = "AnswerTooLargeError";
  readonly code = "ANSWER_TOO_LARGE";
  constructor(maxBytes: number) {
    super(`the node's answer exceeded ${maxBytes} bytes (a request for less may pass)`);
  }
}

/**
 * The transport, refusing answers larger than `maxBytes`. It follows redirects itself (as ethers
 * does, the same method and body): ethers would follow them with its own transport, without this
 * bound. The URL's user and password go to its own origin only.
 */
export const getUrlWithin =
  (maxBytes: number): FetchGetUrlFunc =>
  async (req, signal) => {
    const { url: first, auth } = requestTarget(req.url);
    let target = first;
    for (let redirects = 0; ; redirects++) {
      const response = await exchange(
        target,
        target.origin === first.origin ? auth : undefined,
        req,
        signal,
        maxBytes,
      );
      const location = response.headers.location;
      if (!REDIRECT_STATUSES.has(response.statusCode) || !location) return response;
      if (redirects === MAX_REDIRECTS) throw new Error(`more than ${MAX_REDIRECTS} redirects`);
      target = redirectTarget(target, location);
    }
  };

/** One request and its answer. */
function exchange(
  url: URL,
  auth: string | undefined,
  req: Parameters<FetchGetUrlFunc>[0],
  signal: Parameters<FetchGetUrlFunc>[1],
  maxBytes: number,
): Promise<GetUrlResponse> {
  return new Promise<GetUrlResponse>((resolve, reject) => {
    const { protocol } = url;
    if (protocol !== "http:" && protocol !== "https:") {
      reject(new Error(`unsupported protocol ${protocol} in an RPC URL`));
      return;
    }
    const request = (protocol === "http:" ? http : https).request(url, {
      method: req.method,
      headers: { ...req.headers },
      auth,
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
      if (Number(response.headers["content-length"] ?? 0) > maxBytes) {
        fail(new AnswerTooLargeError(maxBytes));
        return;
      }
      const chunks: Buffer[] = [];
      let received = 0;
      response.on("data", (chunk: Buffer) => {
        received += chunk.length;
        if (received > maxBytes) fail(new AnswerTooLargeError(maxBytes));
        else chunks.push(chunk);
      });
      response.on("error", fail);
      response.on("end", () => {
        if (received > maxBytes) return;
        let body: Buffer | null = chunks.length > 0 ? Buffer.concat(chunks) : null;
        try {
          if (body && response.headers["content-encoding"] === "gzip")
            body = gunzipSync(body, { maxOutputLength: maxBytes });
        } catch (error) {
          const code = (error as { code?: string }).code;
          fail(code === "ERR_BUFFER_TOO_LARGE" ? new AnswerTooLargeError(maxBytes) : (error as Error));
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
}
