// Declared eth_calls (manifest specVersion 1.2.0 on, graph-node's `calls:` on an event handler):
// `label: Contract[event.address].function(event.params.name, ...)`. The host makes them before the
// block's handlers run, concurrently, and keeps the answers with the block's other eth_call
// answers, so the handler's own ethereum.call of the same function finds its answer rather than
// waiting on the node. A declaration only says which calls to make early: a handler's call that was
// not declared, or whose early call failed, still goes to the node when it is made.
import type { EventFragment, FunctionFragment, Interface } from "ethers";

/** Where a declared call takes a value: the log's address, or one of the event's parameters. */
type CallArgument = { from: "address" } | { from: "param"; index: number };

export interface DeclaredCall {
  label: string;
  abi: Interface;
  fragment: FunctionFragment;
  address: CallArgument;
  args: CallArgument[];
}

/** A call to make: the contract and the calldata, lowercase hex (as ethereum.call keys them). */
export interface CallRequest {
  to: string;
  data: string;
}

const EXPRESSION = /^\s*(\w+)\s*\[\s*([\w.]+)\s*\]\s*\.\s*(\w+)\s*\((.*)\)\s*$/;

/**
 * Parses an event handler's `calls:`, each checked against the data source's ABIs and the event's
 * parameters; throws with `where`, the label and what is wrong.
 */
export function parseDeclaredCalls(
  calls: unknown,
  event: EventFragment,
  abis: Map<string, Interface>,
  where: string,
): DeclaredCall[] {
  if (calls === undefined || calls === null) return [];
  if (typeof calls !== "object" || Array.isArray(calls))
    throw new Error(`${where}: calls must map labels to call expressions`);
  return Object.entries(calls as Record<string, unknown>).map(([label, expression]) => {
    const at = `${where}: call ${label}`;
    const parts = typeof expression === "string" ? EXPRESSION.exec(expression) : null;
    if (!parts)
      throw new Error(
        `${at}: ${JSON.stringify(expression)} is not Contract[event.address].function(event.params.name, ...)`,
      );
    const [, contract, target, name, list] = parts as unknown as [string, string, string, string, string];
    const abi = abis.get(contract);
    if (!abi) throw new Error(`${at}: no ABI named ${contract} among mapping.abis`);
    const args = list.trim() === "" ? [] : list.split(",").map((arg) => argument(arg.trim(), event, at));
    const fragments: FunctionFragment[] = [];
    abi.forEachFunction((fragment) => {
      if (fragment.name === name && fragment.inputs.length === args.length) fragments.push(fragment);
    });
    if (fragments.length !== 1)
      throw new Error(
        `${at}: ${contract} has ${fragments.length === 0 ? "no" : "more than one"} function ${name} of ${args.length} arguments`,
      );
    return { label, abi, fragment: fragments[0]!, address: argument(target, event, at), args };
  });
}

function argument(text: string, event: EventFragment, at: string): CallArgument {
  if (text === "event.address") return { from: "address" };
  const name = /^event\.params\.(\w+)$/.exec(text)?.[1];
  const index = name === undefined ? -1 : event.inputs.findIndex((input) => input.name === name);
  if (index < 0)
    throw new Error(`${at}: ${text} is neither event.address nor a parameter of ${event.format("sighash")}`);
  return { from: "param", index };
}

/** The call a declaration makes for one log, or undefined when its values do not fit the function. */
export function callRequest(
  call: DeclaredCall,
  logAddress: string,
  params: unknown[],
): CallRequest | undefined {
  const value = (argument: CallArgument) =>
    argument.from === "address" ? logAddress : params[argument.index];
  try {
    const to = String(value(call.address)).toLowerCase();
    return { to, data: call.abi.encodeFunctionData(call.fragment, call.args.map(value)).toLowerCase() };
  } catch {
    // The handler's own call (if it makes one) fails or succeeds on its own terms.
    return undefined;
  }
}
