// Preparations of whole HTTP request bodies, kept per served subgraph. A status poller sends the
// same request (query text and variables) again and again, and a preparation depends on nothing
// else: the API schema and the server's limits are fixed, and the store is read only when the
// prepared document runs. A repeated request then skips coercing its variables and rebuilding its
// document, and the document's per-node caches (lifted filters) hit. Answers are never kept.
import type { ApiSchema } from "./api-schema.ts";
import type { QueryLimits } from "./limits.ts";
import { LruCache } from "./lru-cache.ts";
import { prepareQuery, type Preparation } from "./prepare-query.ts";

/** Request bodies kept; each costs its text and the nodes its preparation rebuilt. */
const KEPT_REQUESTS = 1000;
/** Longer bodies are prepared every time, so the cache stays a few megabytes at most. */
const MAX_KEPT_BODY = 2 * 1024;

export class PreparedRequests {
  private readonly kept = new LruCache<string, Preparation>(KEPT_REQUESTS);

  constructor(
    private readonly api: ApiSchema,
    private readonly limits: QueryLimits,
  ) {}

  /** How many request bodies are kept. */
  get size(): number {
    return this.kept.size;
  }

  /** The preparation of `query` with `variables`, which `body` (the request's exact text) carries. */
  prepare(body: string, query: string, variables: Record<string, unknown> | null | undefined): Preparation {
    if (body.length > MAX_KEPT_BODY) return this.prepareNow(query, variables);
    let preparation = this.kept.get(body);
    if (!preparation) this.kept.set(body, (preparation = this.prepareNow(query, variables)));
    // A copy of a refusal: the kept one stays as it is whatever a caller does with its answer.
    return "errors" in preparation ? { errors: [...preparation.errors] } : preparation;
  }

  private prepareNow(query: string, variables: Record<string, unknown> | null | undefined): Preparation {
    return prepareQuery(this.api, query, variables, this.limits, { subscriptions: false });
  }
}
