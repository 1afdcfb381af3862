// The audit trail: one immutable MosaicEvent per indexed event, with every parameter as text.
import { Bytes, ethereum } from "@graphprotocol/graph-ts";
import { MosaicEvent } from "../generated/schema";
import { eventId } from "./events";

function valueText(value: ethereum.Value): string {
  switch (value.kind) {
    case ethereum.ValueKind.ADDRESS:
      return value.toAddress().toHexString();
    case ethereum.ValueKind.FIXED_BYTES:
    case ethereum.ValueKind.BYTES:
      return value.toBytes().toHexString();
    case ethereum.ValueKind.INT:
    case ethereum.ValueKind.UINT:
      return value.toBigInt().toString();
    case ethereum.ValueKind.BOOL:
      return value.toBoolean() ? "true" : "false";
    default:
      // The Mosaic events have no strings, arrays or tuples.
      return "(ethereum value of kind " + value.kind.toString() + ")";
  }
}

/** Records the event; `name` is its ABI name, links are null when the event is not about one. */
export function recordEvent(
  event: ethereum.Event,
  name: string,
  message: Bytes | null = null,
  stakeRequest: Bytes | null = null,
  redeemRequest: Bytes | null = null,
): void {
  const record = new MosaicEvent(eventId(event));
  record.name = name;
  record.contract = event.address;
  record.block = event.block.number;
  record.timestamp = event.block.timestamp;
  record.transaction = event.transaction.hash;
  record.transactionFrom = event.transaction.from;
  record.logIndex = event.logIndex;
  const parameters = new Array<string>(0);
  for (let i = 0; i < event.parameters.length; i++) {
    const parameter = event.parameters[i];
    parameters.push(parameter.name + "=" + valueText(parameter.value));
  }
  record.parameters = parameters;
  record.message = message;
  record.stakeRequest = stakeRequest;
  record.redeemRequest = redeemRequest;
  record.save();
}
