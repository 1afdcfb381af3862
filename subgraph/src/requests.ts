// Stake and redeem requests, and how a declaration finds its request. Accepting a request emits
// nothing at the pool: the gateway's declaration in the same transaction is the signal, and it names
// only the proxy and the nonce. So each open request is also kept under gateway ++ proxy ++ nonce
// (an OpenRequest) until it is accepted, revoked or rejected.
//
// StakeRequest and RedeemRequest name their parties differently (staker, stakerProxy, gateway,
// composer; redeemer, redeemerProxy, cogateway, redeemPool) but share the terms, the status and the
// transitions. The helpers for what they share are generic over the entity class: AssemblyScript
// compiles them once per class, so each use is checked against that class's generated setters.
import { BigInt, Bytes, Entity, ethereum, log, store } from "@graphprotocol/graph-ts";
import { Message, OpenRequest, RedeemRequest, StakeRequest } from "../generated/schema";
import { stamp, uint256Bytes, unstamp } from "./events";

export namespace RequestStatus {
  export const Requested = "Requested";
  export const Accepted = "Accepted";
  export const Revoked = "Revoked";
  export const Rejected = "Rejected";
}

/** Sets what every request has, as made at `event`: the terms, status Requested, and no message or
 * outcome yet (a request revoked and made again with the same terms has the same hash: it starts
 * afresh). The caller sets who made it and where, saves it, then opens it. */
export function startRequest<T extends Entity>(
  request: T,
  event: ethereum.Event,
  amount: BigInt,
  beneficiary: Bytes,
  gasPrice: BigInt,
  gasLimit: BigInt,
  nonce: BigInt,
): void {
  request.status = RequestStatus.Requested;
  request.amount = amount;
  request.beneficiary = beneficiary;
  request.gasPrice = gasPrice;
  request.gasLimit = gasLimit;
  request.nonce = nonce;
  request.message = null;
  stamp(request, "requested", event);
  unstamp(request, "accepted");
  unstamp(request, "revoked");
  unstamp(request, "rejected");
}

/** Moves a request to Accepted, Revoked or Rejected, stamped as the transition of that name
 * ("accepted", …), and saves it. Callers name T: inferred from a loaded (nullable) local, it
 * would be `StakeRequest | null` even after the null check. */
function markRequest<T extends Entity>(request: T, status: string, event: ethereum.Event): void {
  request.status = status;
  stamp(request, status.toLowerCase(), event);
  request.save();
}

function unindexedRequest(kind: string, hash: Bytes, status: string): void {
  log.warning("{}: no {} request {} was indexed", [status, kind, hash.toHexString()]);
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
    unindexedRequest("stake", hash, status);
    return;
  }
  markRequest<StakeRequest>(request, status, event);
  closeOpenRequest(request.gateway, request.stakerProxy, request.nonce);
}

export function closeRedeemRequest(hash: Bytes, status: string, event: ethereum.Event): void {
  const request = RedeemRequest.load(hash);
  if (request == null) {
    unindexedRequest("redeem", hash, status);
    return;
  }
  markRequest<RedeemRequest>(request, status, event);
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
  request.message = message.id;
  markRequest<StakeRequest>(request, RequestStatus.Accepted, event);
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
  request.message = message.id;
  markRequest<RedeemRequest>(request, RequestStatus.Accepted, event);
  message.redeemRequest = request.id;
  message.requester = request.redeemer;
  store.remove("OpenRequest", open.id.toHexString());
}
