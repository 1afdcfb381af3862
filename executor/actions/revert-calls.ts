// The revert flows' calls: (messageHash, blockHeight, rlpParentNodes), the parent nodes proving the
// message's status in the other chain's gateway box against the storage root the gateway the call
// goes to proved at that height. The confirmations prove the revocation declared in the source
// outbox; the progress calls prove the inbox copy Revoked, or Progressed when the revert lost its
// race (progressStakeWithProof / progressRedeemWithProof, whose arguments come in another order).
import { Interface } from "ethers";
import { mosaicInterface } from "../../chain/mosaic-artifacts.ts";
import {
  buildMessageProof,
  MESSAGE_STATUS,
  provenStorageRoot,
  type MessageBox,
  type MessageStatus,
} from "../../chain/proofs.ts";
import type { ChainName, RevertAction, RevertStep } from "../decide/index.ts";
import type { ChainReaders } from "./preconditions.ts";

const gateway = mosaicInterface("EIP20Gateway");
const coGateway = mosaicInterface("EIP20CoGateway");

/** Which box of the remote gateway is proven, in which status, and the ABI of the called contract. */
const CALLS: Record<RevertStep, { box: MessageBox; status: MessageStatus; abi: Interface }> = {
  confirmRevertStakeIntent: { box: "outbox", status: "DeclaredRevocation", abi: coGateway },
  confirmRevertRedeemIntent: { box: "outbox", status: "DeclaredRevocation", abi: gateway },
  progressRevertStake: { box: "inbox", status: "Revoked", abi: gateway },
  progressRevertRedeem: { box: "inbox", status: "Revoked", abi: coGateway },
  progressStakeWithProof: { box: "inbox", status: "Progressed", abi: gateway },
  progressRedeemWithProof: { box: "inbox", status: "Progressed", abi: coGateway },
};

const other = (chain: ChainName): ChainName => (chain === "origin" ? "auxiliary" : "origin");

export async function revertCall(
  readers: ChainReaders,
  action: RevertAction,
): Promise<{ to: string; data: string }> {
  const call = CALLS[action.step];
  const remote = other(action.chain);
  const proof = await buildMessageProof(
    {
      provider: readers.providers[remote],
      gateway: action.remoteGateway,
      anchor: {
        address: readers.deployment[action.chain].contracts.anchor,
        provider: readers.providers[action.chain],
      },
    },
    call.box,
    action.messageHash,
    Number(action.blockHeight),
    call.status,
    await provenStorageRoot(readers.providers[action.chain], action.gateway, action.blockHeight),
  );
  // The progress with proof takes (messageHash, rlpParentNodes, blockHeight, the proven status).
  const args =
    action.step === "progressStakeWithProof" || action.step === "progressRedeemWithProof"
      ? [action.messageHash, proof.rlpParentNodes, action.blockHeight, MESSAGE_STATUS.indexOf(call.status)]
      : [action.messageHash, action.blockHeight, proof.rlpParentNodes];
  return { to: action.gateway, data: call.abi.encodeFunctionData(action.step, args) };
}
