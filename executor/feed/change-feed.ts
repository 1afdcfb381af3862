// Tells the executor when a subgraph has indexed a new block. Over graphql-ws where the endpoint
// offers subscriptions (a `_meta` subscription fires after each indexed block); otherwise by
// polling `_meta` over HTTP, as graph-node >= 0.38 requires. Reconnects with backoff; never
// throws at its caller. The executor reads the whole open state on each change, so a missed
// notification delays work but loses none.
import { createClient, type Client } from "graphql-ws";
import WebSocket from "ws";
import type { SubgraphReader } from "./indexed-state.ts";
import { shownUrl } from "../../chain/url-secrets.ts";

export type FeedMode = "auto" | "subscriptions" | "polling";

export interface HeadBlock {
  number: number;
  hash: string;
}

export interface ChangeFeedOptions {
  name: string;
  reader: SubgraphReader;
  wsUrl?: string;
  mode: FeedMode;
  pollIntervalMs: number;
  onBlock: (block: HeadBlock) => void;
  onNotice?: (message: string) => void;
}

const META_SUBSCRIPTION = "subscription { _meta { block { number hash } } }";
const MAX_BACKOFF_MS = 30_000;

export class ChangeFeed {
  private last: HeadBlock | undefined;
  private client: Client | undefined;
  private stopped = false;
  private pollTimer: NodeJS.Timeout | undefined;
  private backoffMs = 0;
  /** What the feed uses now: subscriptions, or polling (chosen, or fallen back to). */
  current: "subscriptions" | "polling" = "polling";

  constructor(private readonly options: ChangeFeedOptions) {}

  start(): void {
    const { mode, wsUrl } = this.options;
    if (mode !== "polling" && wsUrl) this.subscribe(wsUrl);
    else this.poll();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.pollTimer);
    await this.client?.dispose();
  }

  private seen(block: HeadBlock): void {
    this.backoffMs = 0;
    if (this.last && this.last.number === block.number && this.last.hash === block.hash) return;
    this.last = block;
    this.options.onBlock(block);
  }

  private subscribe(wsUrl: string): void {
    this.current = "subscriptions";
    let received = false;
    this.client = createClient({
      url: wsUrl,
      webSocketImpl: WebSocket,
      lazy: false,
      // Connection errors reach the subscription's error callback below; no console output.
      onNonLazyError: () => undefined,
      retryAttempts: Number.MAX_SAFE_INTEGER,
      retryWait: async (retries) => {
        await new Promise((resolve) => setTimeout(resolve, Math.min(MAX_BACKOFF_MS, 250 * 2 ** retries)));
      },
      shouldRetry: () => !this.stopped && (received || this.options.mode === "subscriptions"),
      on: {
        closed: (event) => {
          if (this.stopped) return;
          const code = (event as { code?: number })?.code;
          this.options.onNotice?.(
            `${this.options.name}: subscription connection closed (${code ?? "no code"})`,
          );
        },
      },
    });
    this.client.subscribe<{ _meta: { block: HeadBlock } }>(
      { query: META_SUBSCRIPTION },
      {
        next: (result) => {
          if (result.data) {
            received = true;
            this.seen(result.data._meta.block);
          }
        },
        error: (error) => {
          if (this.stopped) return;
          if (!received && this.options.mode === "auto") {
            // The endpoint does not offer subscriptions (graph-node >= 0.38): poll instead.
            this.options.onNotice?.(
              `${this.options.name}: no subscriptions at ${shownUrl(wsUrl)}; polling ${this.options.reader.shown}`,
            );
            void this.client?.dispose();
            this.client = undefined;
            this.poll();
            return;
          }
          this.options.onNotice?.(
            `${this.options.name}: subscription failed (${describe(error)}); polling until it returns`,
          );
          this.poll();
        },
        complete: () => undefined,
      },
    );
  }

  private poll(): void {
    if (this.stopped || this.pollTimer) return;
    if (!this.client) this.current = "polling";
    const tick = async () => {
      try {
        const head = await this.options.reader.head();
        if (head) this.seen(head);
      } catch (error) {
        this.backoffMs = Math.min(MAX_BACKOFF_MS, Math.max(500, this.backoffMs * 2));
        this.options.onNotice?.(`${this.options.name}: ${describe(error)}; retrying in ${this.backoffMs} ms`);
      }
      if (this.stopped) return;
      this.pollTimer = setTimeout(tick, this.backoffMs || this.options.pollIntervalMs);
    };
    this.pollTimer = setTimeout(tick, 0);
  }
}

function describe(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (Array.isArray(error))
    return error.map((item) => (item as { message?: string }).message ?? String(item)).join("; ");
  const code = (error as { code?: number; reason?: string })?.code;
  return code === undefined ? String(error) : `closed with code ${code}`;
}
