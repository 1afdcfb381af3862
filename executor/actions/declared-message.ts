// The message an accept declared, taken from its receipt. Before sending, the executor stores the
// hash of the message it expects the accept to declare, worked out from the request's proxy as read
// then; the decision takes only the message with that hash for ours (its hash lock is public, so
// others may declare theirs under it). A proxy that changed before the accept was mined (the
// requester had it destroyed and asked again with the same terms) makes the accept declare another
// message, which that hash would leave unprogressed for good: the receipt names the real one.
import type { Books } from "../bookkeeping/index.ts";
import type { Action } from "../decide/index.ts";
import type { Logger } from "../observability/logger.ts";
import { mosaicInterface } from "../../chain/mosaic-artifacts.ts";
import type { ChainReaders } from "./preconditions.ts";

export type AcceptAction = Extract<Action, { step: "acceptStake" | "acceptRedeem" }>;

export function isAccept(action: Action): action is AcceptAction {
  return action.step === "acceptStake" || action.step === "acceptRedeem";
}

interface DeclaredMessageContext extends Pick<ChainReaders, "providers"> {
  books: Books;
  logger: Logger;
}

/** The declaration event's message hashes in the receipt, from the gateway the accept named. */
function declaredIn(
  logs: readonly { address: string; topics: readonly string[]; data: string }[],
  action: AcceptAction,
): string[] {
  const stake = action.step === "acceptStake";
  const abi = mosaicInterface(stake ? "EIP20Gateway" : "EIP20CoGateway");
  const event = abi.getEvent(stake ? "StakeIntentDeclared" : "RedeemIntentDeclared")!;
  const gateway = (stake ? action.gateway : action.cogateway).toLowerCase();
  return logs
    .filter((log) => log.address.toLowerCase() === gateway && log.topics[0] === event.topicHash)
    .map((log) => String(abi.decodeEventLog(event, log.data, log.topics)[0]).toLowerCase());
}

/**
 * After the accept `hash` is confirmed: when its receipt declares another message than the books
 * hold for the request, the books take the declared one. A receipt the node does not give (or fails
 * to), or one without exactly one declaration, leaves the books as they are, with a warning: the
 * accept is confirmed whatever this finds.
 */
export async function recordDeclaredMessage(
  context: DeclaredMessageContext,
  action: AcceptAction,
  hash: string,
): Promise<void> {
  const where = { subject: action.subject, step: action.step, transaction: hash };
  let declared: string[] = [];
  let fault = "the node has no receipt";
  try {
    const receipt = await context.providers[action.chain].getTransactionReceipt(hash);
    if (receipt) {
      declared = declaredIn(receipt.logs, action);
      fault = `the receipt holds ${declared.length} declarations`;
    }
  } catch (error) {
    fault = `reading the receipt failed: ${(error as Error).message}`;
  }
  if (declared.length !== 1) {
    context.logger.warn("accept's message not read from its receipt; the books keep the one worked out", {
      ...where,
      fault,
    });
    return;
  }
  const [held] = await context.books.heldHashLocks({ subjects: [action.subject], hashLocks: [] });
  if (held?.messageHash === declared[0]) return;
  await context.books.recordDeclaredMessage(action.subject, declared[0]!);
  context.logger.warn("accept declared another message than worked out before sending; the books take it", {
    ...where,
    workedOut: held?.messageHash ?? null,
    declared: declared[0],
  });
}
