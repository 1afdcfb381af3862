// What the books tell one decision: the intents that can still matter to it, with the failed ones
// whose backoff is not over marked as backing off, and the hash locks of the secrets held for the
// requests and messages of the snapshot. Loading only these keeps a decision's memory and time
// bounded by the open work rather than by everything the executor ever did.
import type { Books } from "./bookkeeping/index.ts";
import { heightSubject } from "./decide/decision.ts";
import type { ExecutorRecords, IndexedState, IntentStatus, Step } from "./decide/index.ts";
import { isNonceGapIntent } from "./transactions/nonce-gaps.ts";

/**
 * Failed, confirmed and abandoned intents whose subject the snapshot does not show are still loaded
 * this long after their last change: an anchor backing off (its height is no indexed subject), or a
 * confirmed anchor or proof the subgraph has not indexed yet, must still hold its key back.
 */
export const RECENTLY_CLOSED_MS = 60 * 60_000;

/** Every subject the decision may key an intent on for this snapshot. */
export function snapshotSubjects(state: IndexedState): string[] {
  const subjects = [
    ...state.origin.stakeRequests.map((request) => request.id),
    ...state.auxiliary.redeemRequests.map((request) => request.id),
    ...state.origin.messages.map((message) => message.id),
    ...state.auxiliary.messages.map((message) => message.id),
    // Heights anchored or proven on one chain are heights of the other.
    ...[...state.origin.anchoredStateRoots, ...state.origin.gatewayProofs].map((row) =>
      heightSubject("auxiliary", row.blockHeight),
    ),
    ...[...state.auxiliary.anchoredStateRoots, ...state.auxiliary.gatewayProofs].map((row) =>
      heightSubject("origin", row.blockHeight),
    ),
    // A proof for a pair other than the first names the proven gateway (heightSubject).
    ...state.origin.gatewayProofs.map((row) =>
      heightSubject("auxiliary", row.blockHeight, row.remoteGateway),
    ),
    ...state.auxiliary.gatewayProofs.map((row) =>
      heightSubject("origin", row.blockHeight, row.remoteGateway),
    ),
  ];
  return [...new Set(subjects)];
}

export async function decisionRecords(
  books: Pick<Books, "decisionIntents" | "heldHashLocks">,
  state: IndexedState,
  now = Date.now(),
): Promise<ExecutorRecords> {
  const subjects = snapshotSubjects(state);
  const intents = await books.decisionIntents({ subjects, since: new Date(now - RECENTLY_CLOSED_MS) });
  const hashLocks = [...state.origin.messages, ...state.auxiliary.messages].flatMap((message) =>
    message.hashLock === null ? [] : [message.hashLock],
  );
  const held = await books.heldHashLocks({ subjects, hashLocks });
  return {
    intents: intents
      // The transaction manager's own no-ops that fill nonce gaps are no flow step.
      .filter((intent) => !isNonceGapIntent(intent))
      .map((intent) => ({
        subject: intent.subject,
        step: intent.step as Step,
        status: intent.status as IntentStatus,
        backingOff:
          intent.status === "failed" && intent.nextAttemptAt !== null && intent.nextAttemptAt.getTime() > now,
      })),
    acceptances: held.map(({ subject, hashLock, messageHash }) => ({
      requestHash: subject,
      hashLock,
      messageHash,
      holdsSecret: true,
    })),
  };
}
