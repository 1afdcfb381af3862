// What the query loads share: the request and result shapes, one checked query, percentiles. The
// load itself runs in a process of its own (query-load-process.ts).
export interface GraphqlRequest {
  query: string;
  variables?: Record<string, unknown>;
}

export interface QueryLoadResult {
  latenciesMs: number[];
  seconds: number;
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
