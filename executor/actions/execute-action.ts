// Turns a decided action into its transaction and hands it to the transaction manager: the unlock
// secret is generated and stored before an accept is sent, proofs are built at the decided height,
// and preconditions are read again first.
import { Contract, hexlify, keccak256, randomBytes, ZeroAddress } from "ethers";
import { blockHeader } from "../../chain/blocks.ts";
import type { CoGateway } from "../../chain/contract-types.ts";
import { messageHash, type MessageTerms } from "../../chain/message-hashes.ts";
import {
  buildGatewayProof,
  buildMessageProof,
  provenStorageRoot,
  type ProofSource,
} from "../../chain/proofs.ts";
import { mosaicInterface } from "../../chain/mosaic-artifacts.ts";
import type { Books } from "../bookkeeping/index.ts";
import type { Action, ChainName } from "../decide/index.ts";
import type { Logger } from "../observability/logger.ts";
import type { ExecutorMetrics } from "../observability/metrics.ts";
import type { Outcome, TransactionManager, TransactionRequest } from "../transactions/tx-manager.ts";
import { gatewayOfPair, pairOfAction } from "./action-pair.ts";
import { reserveBountyAllowance } from "./bounty-allowance.ts";
import { isAcceptStep, recordDeclaredMessage } from "./declared-message.ts";
import { brokenPrecondition, composerOf, redeemPoolOf, type ChainReaders } from "./preconditions.ts";
import { revertCall } from "./revert-calls.ts";

export interface ActionContext extends ChainReaders {
  books: Books;
  transactions: TransactionManager;
  facilitator: string;
  logger: Logger;
  metrics: ExecutorMetrics;
}

export type ActionOutcome = Outcome | { status: "dropped"; reason: string };

const other = (chain: ChainName): ChainName => (chain === "origin" ? "auxiliary" : "origin");

/** The action's pair's gateway on `chain`, proven from the other chain's Anchor. */
function proofSource(context: ActionContext, chain: ChainName, action: Action): ProofSource {
  return {
    provider: context.providers[chain],
    gateway: gatewayOfPair(pairOfAction(action, context.pairs), chain),
    anchor: {
      address: context.deployment[other(chain)].contracts.anchor,
      provider: context.providers[other(chain)],
    },
  };
}

type AcceptAction = Extract<Action, { step: "acceptStake" | "acceptRedeem" }>;

/**
 * The request's hash lock: of the secret already stored for it, or of a new one stored now with the
 * hash of the message the accept will declare under it (the decision takes only that message for
 * ours). The message's sender is the request's proxy, read from the chain; without one there is no
 * open request to accept. The proxy may change before the accept is mined: the hash is taken from
 * the accept's receipt once it is confirmed (recordDeclaredMessage).
 */
async function hashLockFor(context: ActionContext, action: AcceptAction): Promise<string | { drop: string }> {
  if (action.secret.kind === "reuse") return action.secret.hashLock;
  const stored = await context.books.readSecret({ subject: action.subject });
  if (stored) return keccak256(stored);
  const stake = action.step === "acceptStake";
  const sender = await proxyOf(context, action);
  if (sender === ZeroAddress)
    return { drop: `the request's ${stake ? "staker" : "redeemer"} has no proxy on chain` };
  const secret = hexlify(randomBytes(32));
  const terms: MessageTerms = {
    ...action,
    sender,
    hashLock: keccak256(secret),
    gateway: stake ? action.gateway : action.cogateway,
  };
  return context.books.storeSecret(action.subject, secret, messageHash(stake ? "stake" : "redeem", terms));
}

/** The proxy the composer (stakes) or the pool (redeems) declares the request's message from. */
function proxyOf(context: ActionContext, action: AcceptAction): Promise<string> {
  return action.step === "acceptStake"
    ? composerOf(context).stakerProxies(action.staker)
    : redeemPoolOf(context).redeemerProxies(action.redeemer);
}

async function transactionFor(
  context: ActionContext,
  action: Action,
): Promise<TransactionRequest | { drop: string }> {
  const base = { subject: action.subject, step: action.step, chain: action.chain };
  switch (action.step) {
    case "acceptStake": {
      const hashLock = await hashLockFor(context, action);
      if (typeof hashLock !== "string") return hashLock;
      const args = [
        action.amount,
        action.beneficiary,
        action.gasPrice,
        action.gasLimit,
        action.nonce,
        action.staker,
        action.gateway,
        hashLock,
      ];
      return {
        ...base,
        to: context.deployment.origin.contracts.ostComposer,
        data: mosaicInterface("OSTComposer").encodeFunctionData("acceptStakeRequest", args),
      };
    }
    case "acceptRedeem": {
      const hashLock = await hashLockFor(context, action);
      if (typeof hashLock !== "string") return hashLock;
      const cogatewayContract = new Contract(
        action.cogateway,
        mosaicInterface("EIP20CoGateway"),
        context.providers.auxiliary,
      );
      const bounty = await (cogatewayContract as CoGateway).bounty();
      const args = [
        action.amount,
        action.beneficiary,
        action.gasPrice,
        action.gasLimit,
        action.nonce,
        action.redeemer,
        action.cogateway,
        hashLock,
      ];
      return {
        ...base,
        to: context.deployment.auxiliary.contracts.redeemPool,
        data: mosaicInterface("RedeemPool").encodeFunctionData("acceptRedeemRequest", args),
        value: bounty,
      };
    }
    case "anchor": {
      const { stateRoot } = await blockHeader(context.providers[action.source], Number(action.blockHeight));
      return {
        ...base,
        to: context.deployment[action.chain].contracts.anchor,
        data: mosaicInterface("Anchor").encodeFunctionData("anchorStateRoot", [
          action.blockHeight,
          stateRoot,
        ]),
      };
    }
    case "proveGateway": {
      const proof = await buildGatewayProof(
        proofSource(context, other(action.chain), action),
        Number(action.blockHeight),
      );
      const abi = mosaicInterface(action.chain === "origin" ? "EIP20Gateway" : "EIP20CoGateway");
      return {
        ...base,
        to: action.gateway,
        data: abi.encodeFunctionData("proveGateway", [
          action.blockHeight,
          proof.rlpAccount,
          proof.rlpParentNodes,
        ]),
      };
    }
    case "confirmStakeIntent": {
      const proof = await buildMessageProof(
        proofSource(context, "origin", action),
        "outbox",
        action.messageHash,
        Number(action.blockHeight),
        "Declared",
        await provenStorageRoot(context.providers.auxiliary, action.coGateway, action.blockHeight),
      );
      const args = [
        action.staker,
        action.stakerNonce,
        action.beneficiary,
        action.amount,
        action.gasPrice,
        action.gasLimit,
        action.hashLock,
        action.blockHeight,
        proof.rlpParentNodes,
      ];
      return {
        ...base,
        to: action.coGateway,
        data: mosaicInterface("EIP20CoGateway").encodeFunctionData("confirmStakeIntent", args),
      };
    }
    case "confirmRedeemIntent": {
      const proof = await buildMessageProof(
        proofSource(context, "auxiliary", action),
        "outbox",
        action.messageHash,
        Number(action.blockHeight),
        "Declared",
        await provenStorageRoot(context.providers.origin, action.gateway, action.blockHeight),
      );
      const args = [
        action.redeemer,
        action.redeemerNonce,
        action.beneficiary,
        action.amount,
        action.gasPrice,
        action.gasLimit,
        action.blockHeight,
        action.hashLock,
        proof.rlpParentNodes,
      ];
      return {
        ...base,
        to: action.gateway,
        data: mosaicInterface("EIP20Gateway").encodeFunctionData("confirmRedeemIntent", args),
      };
    }
    case "confirmRevertStakeIntent":
    case "confirmRevertRedeemIntent":
    case "progressRevertStake":
    case "progressRevertRedeem":
    case "progressStakeWithProof":
    case "progressRedeemWithProof":
      return { ...base, ...(await revertCall(context, action)) };
    case "progressStake":
    case "progressMint":
    case "progressRedeem":
    case "progressUnstake": {
      const secret = await context.books.readSecret({ hashLock: action.hashLock });
      if (!secret) return { drop: `no secret is held for hash lock ${action.hashLock}` };
      const abi = mosaicInterface(
        action.step === "progressStake" || action.step === "progressUnstake"
          ? "EIP20Gateway"
          : "EIP20CoGateway",
      );
      return {
        ...base,
        to: action.gateway,
        data: abi.encodeFunctionData(action.step, [action.messageHash, secret]),
      };
    }
  }
}

export async function executeAction(context: ActionContext, action: Action): Promise<ActionOutcome> {
  const broken = await brokenPrecondition(action, context);
  if (broken?.check === "requestTerms") {
    context.metrics.untrustedInput.inc({ reason: "requestTerms" });
    context.logger.warn("action refused: untrusted input", {
      subject: action.subject,
      step: action.step,
      reason: broken.reason,
    });
    return { status: "dropped", reason: broken.reason };
  }
  if (broken) {
    context.logger.info("action dropped: precondition no longer holds", {
      subject: action.subject,
      step: action.step,
      reason: broken.reason,
    });
    return { status: "dropped", reason: broken.reason };
  }
  if (action.step !== "acceptStake") return send(context, action);
  const reservation = await reserveBountyAllowance(context, action.gateway);
  if ("refused" in reservation) return reservation.refused;
  try {
    return await send(context, action);
  } finally {
    reservation.release();
  }
}

async function send(context: ActionContext, action: Action): Promise<ActionOutcome> {
  const request = await transactionFor(context, action);
  if ("drop" in request) return { status: "dropped", reason: request.drop };
  const outcome = await context.transactions.send(request);
  if (outcome.status === "confirmed" && isAcceptStep(request.step))
    await recordDeclaredMessage(
      context,
      { subject: request.subject, step: request.step, calldata: request.data },
      outcome.hash,
    );
  return outcome;
}
