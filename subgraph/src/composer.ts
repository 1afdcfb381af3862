// OSTComposer (origin): stake requests. Their acceptance is seen by the gateway mapping
// (StakeIntentDeclared), since the composer emits nothing then.
import { StakeRejected, StakeRequested, StakeRevoked } from "../generated/OSTComposer/OSTComposer";
import { StakeRequest } from "../generated/schema";
import { recordEvent } from "./audit";
import { stamp, unstamp } from "./events";
import { closeStakeRequest, openStakeRequest, RequestStatus } from "./requests";

export function handleStakeRequested(event: StakeRequested): void {
  const params = event.params;
  // A request revoked and made again with the same terms has the same hash: start it afresh.
  const request = new StakeRequest(params.stakeRequestHash);
  request.status = RequestStatus.Requested;
  request.amount = params.amount;
  request.beneficiary = params.beneficiary;
  request.gasPrice = params.gasPrice;
  request.gasLimit = params.gasLimit;
  request.nonce = params.nonce;
  request.staker = params.staker;
  request.stakerProxy = params.stakerProxy;
  request.gateway = params.gateway;
  request.composer = event.address;
  request.message = null;
  stamp(request, "requested", event);
  unstamp(request, "accepted");
  unstamp(request, "revoked");
  unstamp(request, "rejected");
  request.save();
  openStakeRequest(request);
  recordEvent(event, "StakeRequested", null, request.id);
}

export function handleStakeRevoked(event: StakeRevoked): void {
  closeStakeRequest(event.params.stakeRequestHash, RequestStatus.Revoked, event);
  recordEvent(event, "StakeRevoked", null, event.params.stakeRequestHash);
}

export function handleStakeRejected(event: StakeRejected): void {
  closeStakeRequest(event.params.stakeRequestHash, RequestStatus.Rejected, event);
  recordEvent(event, "StakeRejected", null, event.params.stakeRequestHash);
}
