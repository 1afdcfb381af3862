// Anchor (both chains): state roots of the other chain. OriginAnchor and AuxiliaryAnchor share this
// mapping, so it reads the plain ethereum.Event (StateRootAvailable(uint256 _blockHeight,
// bytes32 _stateRoot)) rather than one data source's generated class.
import { ethereum } from "@graphprotocol/graph-ts";
import { AnchoredStateRoot } from "../generated/schema";
import { recordEvent } from "./audit";
import { uint256Bytes } from "./events";

export function handleStateRootAvailable(event: ethereum.Event): void {
  const blockHeight = event.parameters[0].value.toBigInt();
  const root = new AnchoredStateRoot(event.address.concat(uint256Bytes(blockHeight)));
  root.anchor = event.address;
  root.blockHeight = blockHeight;
  root.stateRoot = event.parameters[1].value.toBytes();
  root.block = event.block.number;
  root.timestamp = event.block.timestamp;
  root.transaction = event.transaction.hash;
  root.save();
  recordEvent(event, "StateRootAvailable");
}
