// Waiting in tests for the subgraphs to show flows completed, and counting what the executor sent.
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
