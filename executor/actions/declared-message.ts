// The message an accept declared, taken from its receipt. Before sending, the executor stores the
// hash of the message it expects the accept to declare, worked out from the request's proxy as read
// then; the decision takes only the message with that hash for ours (its hash lock is public, so
// others may declare theirs under it). A proxy that changed before the accept was mined (the
// requester had it destroyed and asked again with the same terms) makes the accept declare another
// message, which that hash would leave unprogressed for good: the receipt names the real one.
// The receipt is a node's answer: it is taken only for the transaction asked about, and only a
// declaration of the accept's own terms under its own hash lock, whose hash those give, is taken.
import { getAddress, type Log } from "ethers";
import { messageHash } from "../../chain/message-hashes.ts";
import { mosaicInterface } from "../../chain/mosaic-artifacts.ts";
import type { Books } from "../bookkeeping/index.ts";
import type { ChainName } from "../decide/index.ts";
import type { Logger } from "../observability/logger.ts";
import type { ChainReaders } from "./preconditions.ts";

const ACCEPTS = {
  acceptStake: {
    chain: "origin",
    kind: "stake",
    contract: "OSTComposer",
    call: "acceptStakeRequest",
    gateway: "EIP20Gateway",
    event: "StakeIntentDeclared",
  },
  acceptRedeem: {
    chain: "auxiliary",
    kind: "redeem",
    contract: "RedeemPool",
    call: "acceptRedeemRequest",
    gateway: "EIP20CoGateway",
    event: "RedeemIntentDeclared",
  },
} as const satisfies Record<string, { chain: ChainName; kind: "stake" | "redeem" } & Record<string, string>>;

type AcceptStep = keyof typeof ACCEPTS;

export function isAcceptStep(step: string): step is AcceptStep {
  return Object.hasOwn(ACCEPTS, step);
}

/** An accept as sent: its subject (the request hash), its step and its calldata. */
export interface SentAccept {
  subject: string;
  step: AcceptStep;
  calldata: string;
}

interface DeclaredMessageContext extends Pick<ChainReaders, "providers"> {
  books: Pick<Books, "heldHashLocks" | "recordDeclaredMessage">;
  logger: Logger;
}

/** The terms the accept's calldata names (both calls take the same arguments in the same order). */
function termsOf({ step, calldata }: SentAccept) {
  const accept = ACCEPTS[step];
  const [amount, beneficiary, gasPrice, gasLimit, nonce, , gateway, hashLock] = mosaicInterface(
    accept.contract,
  ).decodeFunctionData(accept.call, calldata) as unknown as [
    bigint,
    string,
    bigint,
    bigint,
    bigint,
    string,
    string,
    string,
  ];
  return { amount, beneficiary, gasPrice, gasLimit, nonce, gateway, hashLock: hashLock.toLowerCase() };
}

/** The hashes of the declarations in `logs` that the accept's terms and hash lock give. */
function declaredIn(logs: readonly Log[], step: AcceptStep, terms: ReturnType<typeof termsOf>): string[] {
  const { kind, gateway: abiName, event: eventName } = ACCEPTS[step];
  const abi = mosaicInterface(abiName);
  const event = abi.getEvent(eventName)!;
  const found: string[] = [];
  for (const log of logs) {
    if (log.topics[0] !== event.topicHash || getAddress(log.address) !== getAddress(terms.gateway)) continue;
    const [hash, sender, nonce, beneficiary, amount] = abi.decodeEventLog(
      event,
      log.data,
      log.topics,
    ) as unknown as [string, string, bigint, string, bigint];
    const expected = messageHash(kind, { ...terms, sender, nonce, beneficiary, amount });
    if (
      amount === terms.amount &&
      nonce === terms.nonce &&
      getAddress(beneficiary) === getAddress(terms.beneficiary) &&
      hash.toLowerCase() === expected
    )
      found.push(expected);
  }
  return found;
}

/**
 * After the accept mined as `hash` is confirmed: when its receipt declares another message than the
 * books hold for the request, the books take the declared one. A receipt the node does not give (or
 * fails to), of another transaction, or without exactly one declaration of the accept's terms,
 * leaves the books as they are, with a warning: the accept is confirmed whatever this finds.
 */
export async function recordDeclaredMessage(
  context: DeclaredMessageContext,
  accept: SentAccept,
  hash: string,
): Promise<void> {
  const where = { subject: accept.subject, step: accept.step, transaction: hash };
  let terms: ReturnType<typeof termsOf> | undefined;
  let declared: string[] = [];
  let fault = "the node has no receipt";
  try {
    const receipt = await context.providers[ACCEPTS[accept.step].chain].getTransactionReceipt(hash);
    if (receipt && receipt.hash.toLowerCase() !== hash.toLowerCase())
      fault = `the node answered the receipt of ${receipt.hash}`;
    else if (receipt) {
      terms = termsOf(accept);
      declared = declaredIn(receipt.logs, accept.step, terms);
      fault = `the receipt holds ${declared.length} declarations of the accept's terms`;
    }
  } catch (error) {
    fault = `reading the receipt failed: ${(error as Error).message}`;
  }
  if (declared.length !== 1 || !terms) {
    context.logger.warn("accept's message not read from its receipt; the books keep the one worked out", {
      ...where,
      fault,
    });
    return;
  }
  const [held] = await context.books.heldHashLocks({ subjects: [accept.subject], hashLocks: [] });
  // The secret the books hold for the request is the one the accept was sent with.
  if (!held || held.hashLock.toLowerCase() !== terms.hashLock) return;
  if (held.messageHash === declared[0]) return;
  await context.books.recordDeclaredMessage(accept.subject, declared[0]!);
  context.logger.warn("accept declared another message than worked out before sending; the books take it", {
    ...where,
    workedOut: held.messageHash,
    declared: declared[0],
  });
}
