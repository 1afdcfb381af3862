// ethereum.call as graph-node makes it: arguments widened to the declared types, a 50M gas cap,
// and the answers that count as a revert (null to the mapping) rather than a node fault.
import {
  dataLength,
  type FunctionFragment,
  type Interface,
  type ParamType,
  type Result,
  zeroPadBytes,
} from "ethers";
import type { AbiValue } from "./ethereum-values.ts";

/** graph-node sends every eth_call with this gas (chain/ethereum/src/runtime/runtime_adapter.rs:43). */
export const ETH_CALL_GAS = 50_000_000;

/**
 * The eth_call params of a mapping's call at a block: one request shape for the handlers' own
 * calls and the declared calls made early, so an early answer is the answer the handler would get.
 */
export function ethCallParams(to: string, data: string, blockHash: string): unknown[] {
  return [{ to, data, gas: `0x${ETH_CALL_GAS.toString(16)}` }, { blockHash }];
}

const HEX_DATA = /^0x(?:[0-9a-fA-F]{2})*$/;

/**
 * A node's eth_call answer as hex data; anything else (null, a number, odd or non-hex digits) is
 * the node failing, not the call's answer: the block is tried again rather than indexed with a
 * revert that did not happen.
 */
export function callAnswer(answer: unknown, to: string): string {
  if (typeof answer !== "string" || !HEX_DATA.test(answer))
    throw new Error(`eth_call to ${to}: the node's answer is not hex data`);
  return answer;
}

/** Substrings of a node's error message that mean the call reverted (call_helper.rs:43-61). */
const REVERT_MESSAGES = [
  "revert",
  "invalid jump destination",
  "invalid opcode",
  "stack limit reached 1024",
  "out of gas",
  "stack underflow",
  "vm execution error",
  "invalidjump",
  "notactivated",
  "invalidfeopcode",
];

/** Parity's and Nethermind's VM execution error, with the reason in `data` (call_helper.rs:110-129). */
const PARITY_VM_EXECUTION_ERROR = -32015;

export interface RpcErrorObject {
  code: number;
  message: string;
  data?: unknown;
}

/** The extra substrings of GRAPH_GETH_ETH_CALL_ERRORS, `;`-separated (chain/ethereum/src/env.rs:161). */
export function configuredRevertMessages(env: NodeJS.ProcessEnv = process.env): string[] {
  return (env.GRAPH_GETH_ETH_CALL_ERRORS ?? "")
    .split(";")
    .map((entry) => entry.trim())
    .filter((entry) => entry.length > 0);
}

/** Whether a JSON-RPC error to eth_call is the call reverting (null) rather than the node failing. */
export function isRevertLike(error: RpcErrorObject, extra: string[] = configuredRevertMessages()): boolean {
  const message = String(error.message).toLowerCase();
  if ([...REVERT_MESSAGES, ...extra].some((entry) => message.includes(entry.toLowerCase()))) return true;
  if (error.code !== PARITY_VM_EXECUTION_ERROR || typeof error.data !== "string") return false;
  const data = error.data;
  return (
    data.toLowerCase().startsWith("revert") ||
    data.startsWith("Bad jump") ||
    data.startsWith("Out of stack") ||
    data === "Bad instruction fe" ||
    data === "Bad instruction fd" ||
    data === "Out of gas"
  );
}

/**
 * A value as the declared type takes it: `bytesN` given fewer than N bytes is right-padded with
 * zeros, as graph-node's type check accepts it and re-encodes it as the declared type
 * (graph/src/abi/value_ext.rs:65-88, graph/src/abi/function_ext.rs:147-164). Anything else is
 * left to the encoder, whose refusal is retried, as graph-node's TypeError is.
 */
function widen(type: ParamType, value: AbiValue): AbiValue {
  if (type.isArray() && Array.isArray(value))
    return value.map((element) => widen(type.arrayChildren, element));
  if (type.isTuple() && Array.isArray(value))
    return value.map((element, index) => {
      const component = type.components[index];
      return component ? widen(component, element) : element;
    });
  const size = /^bytes(\d+)$/.exec(type.baseType)?.[1];
  if (size !== undefined && typeof value === "string" && dataLength(value) < Number(size))
    return zeroPadBytes(value, Number(size));
  return value;
}

/** The call's arguments, widened to the function's input types. */
export function callArguments(fragment: FunctionFragment, values: AbiValue[]): AbiValue[] {
  return values.map((value, index) => {
    const input = fragment.inputs[index];
    return input ? widen(input, value) : value;
  });
}

/** The decoded outputs, or null for a result that does not decode, `0x` included (ethereum_adapter.rs:1550-1566). */
export function decodeCallResult(abi: Interface, fragment: FunctionFragment, result: string): Result | null {
  try {
    return abi.decodeFunctionResult(fragment, result);
  } catch {
    return null;
  }
}
