// RedeemPool (auxiliary): redeem requests. Their acceptance is seen by the cogateway mapping
// (RedeemIntentDeclared), since the pool emits nothing then.
import { RedeemRejected, RedeemRequested, RedeemRevoked } from "../generated/RedeemPool/RedeemPool";
import { RedeemRequest } from "../generated/schema";
import { recordEvent } from "./audit";
import { stamp, unstamp } from "./events";
import { closeRedeemRequest, openRedeemRequest, RequestStatus } from "./requests";

export function handleRedeemRequested(event: RedeemRequested): void {
  const params = event.params;
  // A request revoked and made again with the same terms has the same hash: start it afresh.
  const request = new RedeemRequest(params.redeemRequestHash);
  request.status = RequestStatus.Requested;
  request.amount = params.amount;
  request.beneficiary = params.beneficiary;
  request.gasPrice = params.gasPrice;
  request.gasLimit = params.gasLimit;
  request.nonce = params.nonce;
  request.redeemer = params.redeemer;
  request.redeemerProxy = params.redeemerProxy;
  request.cogateway = params.cogateway;
  request.redeemPool = event.address;
  request.message = null;
  stamp(request, "requested", event);
  unstamp(request, "accepted");
  unstamp(request, "revoked");
  unstamp(request, "rejected");
  request.save();
  openRedeemRequest(request);
  recordEvent(event, "RedeemRequested", null, null, request.id);
}

export function handleRedeemRevoked(event: RedeemRevoked): void {
  closeRedeemRequest(event.params.redeemRequestHash, RequestStatus.Revoked, event);
  recordEvent(event, "RedeemRevoked", null, null, event.params.redeemRequestHash);
}

export function handleRedeemRejected(event: RedeemRejected): void {
  closeRedeemRequest(event.params.redeemRequestHash, RequestStatus.Rejected, event);
  recordEvent(event, "RedeemRejected", null, null, event.params.redeemRequestHash);
}
