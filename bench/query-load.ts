// Concurrent GraphQL clients against one endpoint, each sending its queries one after another, with
// every answer checked and timed. Bounded in count and in time; meant for 127.0.0.1 only.
export interface GraphqlRequest {
  query: string;
  variables?: Record<string, unknown>;
}

export interface QueryLoadOptions {
  url: string;
  concurrency: number;
  queriesPerClient: number;
  /** The request a client sends as its n-th query. */
  request: (client: number, n: number) => GraphqlRequest;
  /** The whole load stops with an error past this. */
  deadlineMs?: number;
}

export interface QueryLoadResult {
  latenciesMs: number[];
  seconds: number;
}

export async function runQueryLoad(options: QueryLoadOptions): Promise<QueryLoadResult> {
  const host = new URL(options.url).hostname;
  if (host !== "127.0.0.1" && host !== "localhost" && host !== "[::1]") {
    throw new Error(`the query load only targets this machine's loopback, not ${host}`);
  }
  const latenciesMs: number[] = [];
  const started = performance.now();
  const deadline = started + (options.deadlineMs ?? 120_000);
  await Promise.all(
    Array.from({ length: options.concurrency }, async (_, client) => {
      for (let n = 0; n < options.queriesPerClient; n++) {
        const sent = performance.now();
        // A signal per query: one shared signal would collect a listener per fetch.
        const remaining = AbortSignal.timeout(Math.max(0, Math.floor(deadline - sent)));
        await postQuery(options.url, options.request(client, n), remaining);
        latenciesMs.push(performance.now() - sent);
      }
    }),
  );
  return { latenciesMs, seconds: (performance.now() - started) / 1000 };
}

/** Sends one query; fails on an HTTP error, a GraphQL error or an answer without data. */
export async function postQuery(
  url: string,
  request: GraphqlRequest,
  signal?: AbortSignal,
): Promise<Record<string, unknown>> {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(request),
    signal,
  });
  const body = (await response.json()) as { data?: Record<string, unknown>; errors?: { message: string }[] };
  if (!response.ok || body.errors?.length || !body.data) {
    const reason = body.errors?.map((error) => error.message).join("; ") ?? "no data";
    throw new Error(`query answered HTTP ${response.status}: ${reason}`);
  }
  return body.data;
}

/** The nearest-rank percentile (p in 0..100) of the values. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) throw new Error("no values to take a percentile of");
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(rank, sorted.length) - 1]!;
}
