// OSTComposer (origin): stake requests. Their acceptance is seen by the gateway mapping
// (StakeIntentDeclared), since the composer emits nothing then.
import { StakeRejected, StakeRequested, StakeRevoked } from "../generated/OSTComposer/OSTComposer";
import { StakeRequest } from "../generated/schema";
import { recordEvent } from "./audit";
import { closeStakeRequest, openStakeRequest, RequestStatus, startRequest } from "./requests";

export function handleStakeRequested(event: StakeRequested): void {
  const params = event.params;
  const request = new StakeRequest(params.stakeRequestHash);
  startRequest(
    request,
    event,
    params.amount,
    params.beneficiary,
    params.gasPrice,
    params.gasLimit,
    params.nonce,
  );
  request.staker = params.staker;
  request.stakerProxy = params.stakerProxy;
  request.gateway = params.gateway;
  request.composer = event.address;
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
