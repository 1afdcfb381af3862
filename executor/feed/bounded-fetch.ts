// The subgraphs' answers are untrusted input: one without end would take the executor's memory,
// and one that never comes (or comes a byte at a time) would hold the decision that waits for it.
// A fetch for graphql-request that reads an answer (unpacked) up to a bound and refuses it past,
// and gives up on it, headers and body, at a time limit.

import { shownUrl } from "../../chain/url-secrets.ts";

/** The largest subgraph answer taken (64 MiB): a page of 1,000 entities is well under 1 MiB. */
export const MAX_SUBGRAPH_ANSWER_BYTES = 64 * 1024 * 1024;
/** How long one subgraph request may take, answer read: a page takes well under a second. */
export const DEFAULT_SUBGRAPH_TIMEOUT_MS = 30_000;

export interface AnswerLimits {
  maxBytes?: number;
  timeoutMs?: number;
}

export function boundedFetch({
  maxBytes = MAX_SUBGRAPH_ANSWER_BYTES,
  timeoutMs = DEFAULT_SUBGRAPH_TIMEOUT_MS,
}: AnswerLimits = {}): typeof fetch {
  const read = readBounded(maxBytes);
  return async (input, init) => {
    const deadline = AbortSignal.timeout(timeoutMs);
    const signal = init?.signal ? AbortSignal.any([init.signal, deadline]) : deadline;
    try {
      return await read(input, { ...init, signal });
    } catch (error) {
      if (!deadline.aborted) throw error;
      throw new Error(`the subgraph at ${shownUrl(urlOf(input))} did not answer within ${timeoutMs} ms`);
    }
  };
}

function urlOf(input: Parameters<typeof fetch>[0]): string {
  return typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
}

function readBounded(maxBytes: number): typeof fetch {
  const refused = (url: string) =>
    new Error(`the subgraph at ${shownUrl(url)} answered more than ${maxBytes} bytes`);
  return async (input, init) => {
    const response = await fetch(input, init);
    const url = response.url || urlOf(input);
    if (Number(response.headers.get("content-length") ?? 0) > maxBytes) {
      await response.body?.cancel();
      throw refused(url);
    }
    if (!response.body) return response;
    const chunks: Uint8Array[] = [];
    let received = 0;
    const reader = response.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      received += value.length;
      if (received > maxBytes) {
        await reader.cancel();
        throw refused(url);
      }
      chunks.push(value);
    }
    const headers = new Headers(response.headers);
    // The body below is the unpacked one.
    headers.delete("content-encoding");
    headers.delete("content-length");
    return new Response(Buffer.concat(chunks), {
      status: response.status,
      statusText: response.statusText,
      headers,
    });
  };
}
