// The subgraphs' answers are untrusted input: one without end would take the executor's memory.
// A fetch for graphql-request that reads an answer (unpacked) up to a bound and refuses it past.

/** The largest subgraph answer taken (64 MiB): a page of 1,000 entities is well under 1 MiB. */
export const MAX_SUBGRAPH_ANSWER_BYTES = 64 * 1024 * 1024;

export function boundedFetch(maxBytes = MAX_SUBGRAPH_ANSWER_BYTES): typeof fetch {
  const refused = (url: string) => new Error(`the subgraph at ${url} answered more than ${maxBytes} bytes`);
  return async (input, init) => {
    const response = await fetch(input, init);
    const url = response.url || String(input);
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
