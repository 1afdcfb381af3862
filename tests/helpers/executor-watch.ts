// Waiting in tests for the subgraphs to show flows completed, and counting what the executor sent.
import type { Books } from "../../executor/bookkeeping/index.ts";
import { SUBGRAPH_NAMES } from "../../subgraph/hosting.ts";
import type { ExecutorStack } from "./executor-stack.ts";
import { graphql } from "./graphql-client.ts";

type Row = Record<string, unknown>;

/** Messages of a kind that are Progressed on both chains. */
export async function progressedOnBoth(stack: ExecutorStack, kind: "Stake" | "Redeem"): Promise<Set<string>> {
  const query = `query($kind: MessageKind!) { messages(first: 1000, where: { kind: $kind, status: Progressed }) { id } }`;
  const [origin, auxiliary] = await Promise.all(
    [SUBGRAPH_NAMES.origin, SUBGRAPH_NAMES.auxiliary].map(
      async (name) =>
        (await graphql<{ messages: Row[] }>(stack.host.httpUrl(name), query, { kind })).messages,
    ),
  );
  const onAuxiliary = new Set(auxiliary!.map((row) => row.id as string));
  return new Set(origin!.map((row) => row.id as string).filter((id) => onAuxiliary.has(id)));
}

/** A stake's steps and a redeem's, in their order (each is sent once per flow). */
export const STAKE_STEPS = ["acceptStake", "confirmStakeIntent", "progressStake", "progressMint"];
export const REDEEM_STEPS = ["acceptRedeem", "confirmRedeemIntent", "progressRedeem", "progressUnstake"];

export async function waitForProgressed(
  stack: ExecutorStack,
  kind: "Stake" | "Redeem",
  count: number,
  timeoutMs = 120_000,
): Promise<Set<string>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const done = await progressedOnBoth(stack, kind);
    if (done.size >= count) return done;
    if (Date.now() > deadline)
      throw new Error(`only ${done.size} of ${count} ${kind} messages progressed on both chains`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/**
 * Waits until the books hold `count` confirmed intents of each step. A step's event is indexed as
 * soon as its block is, while the executor records the step confirmed at its next look at the
 * receipt: a test that stops the executor as soon as the subgraph shows the flows done may stop it
 * before that look.
 */
export async function waitForConfirmed(
  books: Books,
  steps: readonly string[],
  count: number,
  timeoutMs = 60_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const confirmed = (await books.recent(10_000)).filter((intent) => intent.status === "confirmed");
    const short = steps.filter((step) => confirmed.filter((intent) => intent.step === step).length < count);
    if (short.length === 0) return;
    if (Date.now() > deadline)
      throw new Error(`fewer than ${count} confirmed intents of ${short.join(", ")} in the books`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
