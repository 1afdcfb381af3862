// Stake and redeem requests, and how a declaration finds its request. Accepting a request emits
// nothing at the pool: the gateway's declaration in the same transaction is the signal, and it names
// only the proxy and the nonce. So each open request is also kept under gateway ++ proxy ++ nonce
// (an OpenRequest) until it is accepted, revoked or rejected.
import { BigInt, Bytes, ethereum, log, store } from "@graphprotocol/graph-ts";
import { Message, OpenRequest, RedeemRequest, StakeRequest } from "../generated/schema";
import { stamp, uint256Bytes } from "./events";

export namespace RequestStatus {
  export const Requested = "Requested";
  export const Accepted = "Accepted";
  export const Revoked = "Revoked";
  export const Rejected = "Rejected";
}

function openRequestId(gateway: Bytes, proxy: Bytes, nonce: BigInt): Bytes {
  return gateway.concat(proxy).concat(uint256Bytes(nonce));
}

export function openStakeRequest(request: StakeRequest): void {
  const open = new OpenRequest(openRequestId(request.gateway, request.stakerProxy, request.nonce));
  open.stakeRequest = request.id;
  open.save();
}

export function openRedeemRequest(request: RedeemRequest): void {
  const open = new OpenRequest(openRequestId(request.cogateway, request.redeemerProxy, request.nonce));
  open.redeemRequest = request.id;
  open.save();
}

function closeOpenRequest(gateway: Bytes, proxy: Bytes, nonce: BigInt): void {
  store.remove("OpenRequest", openRequestId(gateway, proxy, nonce).toHexString());
}

/** Marks a stake request Revoked or Rejected (`status`); warns when no such request was indexed. */
export function closeStakeRequest(hash: Bytes, status: string, event: ethereum.Event): void {
  const request = StakeRequest.load(hash);
  if (request == null) {
    log.warning("{}: no stake request {} was indexed", [status, hash.toHexString()]);
    return;
  }
  request.status = status;
  stamp(request, status.toLowerCase(), event);
  request.save();
  closeOpenRequest(request.gateway, request.stakerProxy, request.nonce);
}

export function closeRedeemRequest(hash: Bytes, status: string, event: ethereum.Event): void {
  const request = RedeemRequest.load(hash);
  if (request == null) {
    log.warning("{}: no redeem request {} was indexed", [status, hash.toHexString()]);
    return;
  }
  request.status = status;
  stamp(request, status.toLowerCase(), event);
  request.save();
  closeOpenRequest(request.cogateway, request.redeemerProxy, request.nonce);
}

function openRequest(message: Message): OpenRequest | null {
  return OpenRequest.load(openRequestId(message.gateway, message.sender, message.nonce));
}

/** Links a just-declared stake message and the request it accepted, both ways; the caller saves
 * the message. A declaration without an open request (a stake made without the composer) keeps
 * no link. */
export function acceptStakeRequest(message: Message, event: ethereum.Event): void {
  const open = openRequest(message);
  if (open == null) return;
  // Bytes overloads ==, which cannot compare with null: test the reference itself.
  const id = open.stakeRequest;
  if (!id) return;
  const request = StakeRequest.load(id);
  if (request == null) return;
  request.status = RequestStatus.Accepted;
  request.message = message.id;
  stamp(request, "accepted", event);
  request.save();
  message.stakeRequest = request.id;
  message.requester = request.staker;
  store.remove("OpenRequest", open.id.toHexString());
}

export function acceptRedeemRequest(message: Message, event: ethereum.Event): void {
  const open = openRequest(message);
  if (open == null) return;
  const id = open.redeemRequest;
  if (!id) return;
  const request = RedeemRequest.load(id);
  if (request == null) return;
  request.status = RequestStatus.Accepted;
  request.message = message.id;
  stamp(request, "accepted", event);
  request.save();
  message.redeemRequest = request.id;
  message.requester = request.redeemer;
  store.remove("OpenRequest", open.id.toHexString());
}
