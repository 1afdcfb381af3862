// RedeemPool (auxiliary): redeem requests. Their acceptance is seen by the cogateway mapping
// (RedeemIntentDeclared), since the pool emits nothing then.
import { RedeemRejected, RedeemRequested, RedeemRevoked } from "../generated/RedeemPool/RedeemPool";
import { RedeemRequest } from "../generated/schema";
import { recordEvent } from "./audit";
import { closeRedeemRequest, openRedeemRequest, RequestStatus, startRequest } from "./requests";

export function handleRedeemRequested(event: RedeemRequested): void {
  const params = event.params;
  const request = new RedeemRequest(params.redeemRequestHash);
  startRequest(
    request,
    event,
    params.amount,
    params.beneficiary,
    params.gasPrice,
    params.gasLimit,
    params.nonce,
  );
  request.redeemer = params.redeemer;
  request.redeemerProxy = params.redeemerProxy;
  request.cogateway = params.cogateway;
  request.redeemPool = event.address;
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
