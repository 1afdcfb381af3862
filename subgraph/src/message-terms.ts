// The terms of a message that only its gateway's storage holds: the declaration events carry no
// gasPrice, gasLimit or hashLock, so gateway.ts and cogateway.ts read them with the contract's
// messages(bytes32) getter at the event's block. Each mapping makes that call with its own bound
// contract class; what the result does to the message is the same for both, and is here.
import { ethereum, log } from "@graphprotocol/graph-ts";
import { Message } from "../generated/schema";
import { setTerms } from "./messages";

/** Sets the message's gasPrice, gasLimit and hashLock from a `try_messages(message.id)` call to
 * `contract` ("gateway" or "cogateway", for the warning); a reverted call leaves them as they are.
 * T is the generated `…__messagesResult` class of either contract (both have the same getters);
 * callers name it, as AssemblyScript does not infer it from the CallResult. */
export function applyTerms<T>(message: Message, terms: ethereum.CallResult<T>, contract: string): void {
  if (terms.reverted) {
    log.warning("messages({}) reverted on the {} {}", [
      message.id.toHexString(),
      contract,
      message.gateway.toHexString(),
    ]);
    return;
  }
  const value = terms.value;
  setTerms(message, value.getGasPrice(), value.getGasLimit(), value.getHashLock());
}
