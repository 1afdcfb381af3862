// The other half of sync-rpc.ts: performs each JSON-RPC request asynchronously and wakes the
// waiting thread when the reply is on the port. Plain node:http over one kept-alive connection:
// a handler waits for every reply, so each request's overhead is paid in full.
import http from "node:http";
import https from "node:https";
import { workerData } from "node:worker_threads";
import { MAX_REDIRECTS, redirectTarget, REDIRECT_STATUSES } from "../../chain/redirects.mjs";

const { port, signal, maxAnswerBytes } = workerData;
const agents = {
  "http:": new http.Agent({ keepAlive: true }),
  "https:": new https.Agent({ keepAlive: true }),
};

function post(target, auth, body, timeoutMs) {
  return new Promise((resolve, reject) => {
    const client = target.protocol === "https:" ? https : http;
    const request = client.request(
      target,
      {
        method: "POST",
        auth,
        agent: agents[target.protocol],
        headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body) },
        timeout: timeoutMs,
      },
      (response) => {
        const chunks = [];
        let received = 0;
        // An answer without end would take the process's memory: refused past the bound.
        response.on("data", (chunk) => {
          received += chunk.length;
          if (received > maxAnswerBytes)
            request.destroy(new Error(`the node's answer exceeded ${maxAnswerBytes} bytes`));
          else chunks.push(chunk);
        });
        response.on("end", () =>
          resolve({
            status: response.statusCode,
            location: response.headers.location,
            text: Buffer.concat(chunks).toString("utf8"),
          }),
        );
        response.on("error", reject);
      },
    );
    request.on("timeout", () => request.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    request.on("error", reject);
    request.end(body);
  });
}

/**
 * A node behind a redirect keeps working, as with the providers (chain/redirects.mjs): the same
 * POST and body. `auth` (user:password) goes to the URL's own origin only.
 */
async function postFollowing(url, auth, body, timeoutMs) {
  const first = new URL(url);
  let target = first;
  for (let redirects = 0; ; redirects++) {
    const reply = await post(target, target.origin === first.origin ? auth : undefined, body, timeoutMs);
    if (!REDIRECT_STATUSES.has(reply.status) || !reply.location) return reply;
    if (redirects === MAX_REDIRECTS) throw new Error(`more than ${MAX_REDIRECTS} redirects`);
    target = redirectTarget(target, reply.location);
  }
}

port.on("message", async ({ id, url, auth, body, timeoutMs }) => {
  let reply;
  try {
    reply = await postFollowing(url, auth, body, timeoutMs);
  } catch (error) {
    reply = { error: error instanceof Error ? error.message : String(error) };
  }
  // The call's id goes back with its reply: the caller drops a reply to a call it gave up on.
  port.postMessage({ id, ...reply });
  Atomics.store(signal, 0, 1);
  Atomics.notify(signal, 0);
});
