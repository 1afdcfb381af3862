// What the executor itself knows, and the one rule that keeps an effect from being attempted
// twice: an action is offered under its key only when no intent exists for that key or the
// intent failed (and its backoff is over).
import type { Action, Decision, IntentKey, Step } from "./decision.ts";
import { parseHeightSubject } from "./decision.ts";
import type { ChainName, IndexedMessage } from "./state.ts";

export type IntentStatus = "planned" | "sending" | "sent" | "mined" | "confirmed" | "failed" | "abandoned";

/** One intent per key: the executor updates its status in place (retries reuse the key). */
export interface IntentRecord extends IntentKey {
  status: IntentStatus;
  /** A failed intent whose next try is not due yet (the executor compares its time with the clock). */
  backingOff?: boolean;
}

/** A request this executor accepted (or is accepting): the hash lock it chose for it. */
export interface AcceptanceRecord {
  requestHash: string;
  hashLock: string;
  /**
   * The message the accept declares (its hash, from the request's terms, proxy and hash lock); null
   * when the books kept none (books from before they did): then the hash lock alone says ours.
   */
  messageHash: string | null;
  /** Whether the unlock secret behind hashLock is in the executor's secret store. */
  holdsSecret: boolean;
}

export interface ExecutorRecords {
  intents: IntentRecord[];
  acceptances: AcceptanceRecord[];
}

/** Statuses under which the executor may still land the effect: another attempt would double it. */
const IN_FLIGHT: readonly IntentStatus[] = ["planned", "sending", "sent", "mined"];

export type Gate = { open: true; retry: boolean } | { open: false; status: IntentStatus };

export class Records {
  private readonly intents = new Map<string, IntentRecord>();
  /** Acceptances by request hash and by hash lock (lower case): looked up for every open message. */
  private readonly byRequest = new Map<string, AcceptanceRecord>();
  private readonly byHashLock = new Map<string, AcceptanceRecord>();

  constructor(private readonly records: ExecutorRecords) {
    for (const intent of records.intents) this.intents.set(keyOf(intent), intent);
    // The first record of a key wins, as a search through the list would find it.
    for (const record of [...records.acceptances].reverse()) {
      this.byRequest.set(record.requestHash.toLowerCase(), record);
      this.byHashLock.set(record.hashLock.toLowerCase(), record);
    }
  }

  gate(key: IntentKey): Gate {
    const intent = this.intents.get(keyOf(key));
    if (intent === undefined) return { open: true, retry: false };
    if (intent.status === "failed" && !intent.backingOff) return { open: true, retry: true };
    return { open: false, status: intent.status };
  }

  /**
   * Heights of `chain` that an anchor or proveGateway intent still in progress (or done) will cover;
   * `tag` names the gateway pair of a proof (see heightSubject).
   */
  heightsUnderway(step: "anchor" | "proveGateway", chain: ChainName, tag?: string): bigint[] {
    return this.records.intents.flatMap((intent) => {
      const height = intent.step === step ? parseHeightSubject(intent.subject) : undefined;
      const underway = IN_FLIGHT.includes(intent.status) || intent.status === "confirmed";
      const samePair = height?.tag === tag?.toLowerCase();
      return height?.chain === chain && samePair && underway ? [height.blockHeight] : [];
    });
  }

  /**
   * Whether our own intent under the key is out but not yet confirmed (planned to mined): its
   * effect may show in the subgraph already, yet a reorganisation can still take it back, so no
   * next step builds on it.
   */
  unsettled(key: IntentKey): boolean {
    const status = this.intents.get(keyOf(key))?.status;
    return status !== undefined && IN_FLIGHT.includes(status);
  }

  /** A height whose intent was abandoned: the operator gave up on it, so it is not chosen again. */
  abandoned(step: Step, subject: string): boolean {
    return this.intents.get(keyOf({ step, subject }))?.status === "abandoned";
  }

  acceptance(requestHash: string): AcceptanceRecord | undefined {
    return this.byRequest.get(requestHash.toLowerCase());
  }

  /**
   * Ours means the message our accept declared: under a hash lock this executor chose (which also
   * rejects a request that another facilitator accepted after our own attempt failed) and with the
   * hash that accept declares. The hash lock is public from the accept on, so anyone may declare
   * other messages under it; progressing one of those would reveal the secret of ours.
   */
  acceptanceOf(message: IndexedMessage): AcceptanceRecord | undefined {
    const record = this.holderOf(message);
    if (record?.messageHash === null || record?.messageHash === message.id.toLowerCase()) return record;
    return undefined;
  }

  /** The acceptance whose hash lock the message carries, whichever message it declared. */
  holderOf(message: IndexedMessage): AcceptanceRecord | undefined {
    const { hashLock } = message;
    if (hashLock === null) return undefined;
    return this.byHashLock.get(hashLock.toLowerCase());
  }
}

function keyOf(key: IntentKey): string {
  return `${key.step} ${key.subject.toLowerCase()}`;
}

/** Notes why a closed gate holds the key back: waiting for our own intent, or given up. */
export function noteClosed(decision: Decision, key: IntentKey, status: IntentStatus): void {
  // A failed intent's gate is closed only while it backs off.
  if (status === "failed") {
    decision.waiting.push({
      ...key,
      for: "backoff",
      detail: "our intent failed; its next try is not due yet",
    });
  } else if (status === "abandoned") {
    decision.skips.push({ ...key, reason: "abandoned", detail: "the intent was abandoned; not retried" });
  } else if (status === "confirmed") {
    decision.waiting.push({
      ...key,
      for: "indexing",
      detail: "our transaction is confirmed; waiting for the subgraph to show its effect",
    });
  } else {
    decision.waiting.push({ ...key, for: "inFlight", detail: `our intent is ${status}` });
  }
}

/** Offers the action when the gate is open, or notes why not. */
export function offer(
  decision: Decision,
  records: Records,
  key: IntentKey,
  build: (retry: boolean) => Action,
): void {
  const gate = records.gate(key);
  if (gate.open) decision.actions.push(build(gate.retry));
  else noteClosed(decision, key, gate.status);
}
