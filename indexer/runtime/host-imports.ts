// The host functions a subgraph module imports, by the names graph-node links them under. Each
// runs against the trigger being handled: its data source, its block, and the block's writes.
import { AbiCoder, encodeBase58, getAddress, getBytes, hexlify, keccak256, ParamType } from "ethers";
import type { EntityData } from "../store/types.ts";
import { KnownNames, type AscMemory } from "./asc-memory.ts";
import * as decimal from "./big-decimal.ts";
import { BlockWrites } from "./block-writes.ts";
import { writeContext } from "./data-source-context.ts";
import type { EntityShape } from "./entity-shapes.ts";
import { callAnswer, callArguments, decodeCallResult, ethCallParams, isRevertLike } from "./ethereum-call.ts";
import { readEthereumValue, writeEthereumValue, type AbiValue } from "./ethereum-values.ts";
import { HandlerError } from "./handler-error.ts";
import type { DataSource } from "./manifest.ts";
import { readBigDecimal, readEntity, writeBigDecimal, writeEntity } from "./store-values.ts";
import { SyncRpcError, type SyncRpc } from "./sync-rpc.ts";

export { HandlerError };

export type LogLevel = "critical" | "error" | "warning" | "info" | "debug";
const LOG_LEVELS: LogLevel[] = ["critical", "error", "warning", "info", "debug"];

export { BlockWrites };

export interface TriggerContext {
  memory: AscMemory;
  dataSource: DataSource;
  blockNumber: number;
  blockHash: string;
  writes: BlockWrites;
  shapes: Map<string, EntityShape>;
  /** The entity as of the previous block (the store's latest). */
  loadStored(entity: string, id: string): EntityData | null;
  rpc: SyncRpc;
  /** The block's eth_call answers (null: reverted). */
  calls: CallAnswers;
  log(level: LogLevel, message: string): void;
}

type HostFunction = (...args: number[]) => number | void;

/** The entity type name a mapping passes (readString's result, found faster when it is a known one). */
function entityName(context: TriggerContext, pointer: number): string {
  return (
    context.memory.knownName(pointer, KnownNames.keysOf(context.shapes)) ?? context.memory.readString(pointer)
  );
}

function shapeOf(context: TriggerContext, entity: string): EntityShape {
  const shape = context.shapes.get(entity);
  if (!shape) throw new HandlerError(`entity type ${entity} is not in the schema`);
  return shape;
}

/** eth_call answers by callKey (null: reverted). */
export type CallAnswers = Map<string, string | null>;

/** An eth_call's key among a block's answers: the address and the calldata, lowercase hex. */
export const callKey = (to: string, data: string) => `${to}:${data}`;

function ethCall(context: TriggerContext, to: string, data: string): string | null {
  const key = callKey(to, data);
  const known = context.calls.get(key);
  if (known !== undefined) return known;
  const answer = askNode(context, to, data);
  context.calls.set(key, answer);
  return answer;
}

function askNode(context: TriggerContext, to: string, data: string): string | null {
  try {
    return callAnswer(context.rpc.call("eth_call", ethCallParams(to, data, context.blockHash)), to);
  } catch (error) {
    // A revert is the call's answer (null to the mapping); anything else is the node failing.
    const rpcError = (error as { rpcError?: { code: number; message: string; data?: unknown } }).rpcError;
    if (rpcError && isRevertLike(rpcError)) return null;
    throw error instanceof SyncRpcError ? new Error(`ethereum.call: ${error.message}`) : error;
  }
}

/** Builds the host functions; `current()` is the trigger being handled when one is called. */
export function hostFunctions(current: () => TriggerContext): Record<string, HostFunction> {
  const memory = () => current().memory;
  const bigInt = (pointer: number) => memory().readBigInt(pointer);
  const newBigInt = (value: bigint) => memory().newBigInt(value);
  const dec = (pointer: number) => readBigDecimal(memory(), pointer);
  const newDec = (value: decimal.Decimal) => writeBigDecimal(memory(), value);
  const text = (pointer: number) => memory().readString(pointer);
  const bytes = (pointer: number) => memory().readBytes(pointer);

  return {
    abort(message, file, line, column) {
      const where = file ? ` (${text(file)}:${line}:${column})` : "";
      throw new HandlerError(`abort: ${message ? text(message) : "no message"}${where}`);
    },

    "store.get"(entityPointer, idPointer) {
      const context = current();
      const entity = entityName(context, entityPointer);
      const id = text(idPointer);
      const shape = shapeOf(context, entity);
      const written = context.writes.get(entity, id);
      const data = written === undefined ? context.writes.storedOf(entity, id, context.loadStored) : written;
      return data ? writeEntity(context.memory, shape, data) : 0;
    },
    "store.get_in_block"(entityPointer, idPointer) {
      const context = current();
      const entity = entityName(context, entityPointer);
      const data = context.writes.getInBlock(entity, text(idPointer));
      return data ? writeEntity(context.memory, shapeOf(context, entity), data) : 0;
    },
    "store.set"(entityPointer, idPointer, dataPointer) {
      const context = current();
      const entity = entityName(context, entityPointer);
      const id = text(idPointer);
      const shape = shapeOf(context, entity);
      const update = readEntity(context.memory, shape, id, dataPointer);
      context.writes.update(shape, id, update, context.loadStored, context.blockNumber);
    },
    "store.remove"(entityPointer, idPointer) {
      const context = current();
      const entity = entityName(context, entityPointer);
      shapeOf(context, entity);
      context.writes.remove(entity, text(idPointer));
    },

    "log.log"(level, messagePointer) {
      const message = text(messagePointer);
      if (level === 0) throw new HandlerError(`critical: ${message}`);
      current().log(LOG_LEVELS[level] ?? "info", message);
    },

    "crypto.keccak256"(pointer) {
      return memory().newBytes(getBytes(keccak256(bytes(pointer))));
    },

    "typeConversion.bytesToString"(pointer) {
      // Invalid UTF-8 becomes U+FFFD and trailing NULs go, as graph-node does.
      const decoded = new TextDecoder().decode(bytes(pointer));
      let end = decoded.length;
      while (end > 0 && decoded.charCodeAt(end - 1) === 0) end--;
      return memory().newString(decoded.slice(0, end));
    },
    "typeConversion.bytesToHex"(pointer) {
      return memory().newString(memory().readHex(pointer));
    },
    "typeConversion.bigIntToString"(pointer) {
      return memory().newString(bigInt(pointer).toString());
    },
    "typeConversion.bigIntToHex"(pointer) {
      const value = bigInt(pointer);
      return memory().newString(value < 0n ? `-0x${(-value).toString(16)}` : `0x${value.toString(16)}`);
    },
    "typeConversion.stringToH160"(pointer) {
      const address = text(pointer);
      try {
        return memory().newBytes(getBytes(getAddress(address.startsWith("0x") ? address : `0x${address}`)));
      } catch {
        throw new HandlerError(`stringToH160: "${address}" is not an address`);
      }
    },
    "typeConversion.bytesToBase58"(pointer) {
      return memory().newString(encodeBase58(bytes(pointer)));
    },

    "bigInt.plus": (x, y) => newBigInt(bigInt(x) + bigInt(y)),
    "bigInt.minus": (x, y) => newBigInt(bigInt(x) - bigInt(y)),
    "bigInt.times": (x, y) => newBigInt(bigInt(x) * bigInt(y)),
    "bigInt.dividedBy"(x, y) {
      const divisor = bigInt(y);
      if (divisor === 0n) throw new HandlerError("BigInt division by zero");
      return newBigInt(bigInt(x) / divisor);
    },
    "bigInt.dividedByDecimal": (x, y) => newDec(decimal.dividedBy(decimal.fromBigInt(bigInt(x)), dec(y))),
    "bigInt.mod"(x, y) {
      const divisor = bigInt(y);
      if (divisor === 0n) throw new HandlerError("BigInt modulo by zero");
      return newBigInt(bigInt(x) % divisor);
    },
    "bigInt.pow": (x, exponent) => newBigInt(bigInt(x) ** BigInt(exponent)),
    "bigInt.fromString"(pointer) {
      const source = text(pointer);
      if (!/^[+-]?\d+$/.test(source.trim()))
        throw new HandlerError(`BigInt.fromString: "${source}" is not an integer`);
      return newBigInt(BigInt(source.trim()));
    },
    "bigInt.bitOr": (x, y) => newBigInt(bigInt(x) | bigInt(y)),
    "bigInt.bitAnd": (x, y) => newBigInt(bigInt(x) & bigInt(y)),
    "bigInt.leftShift": (x, bits) => newBigInt(bigInt(x) << BigInt(bits)),
    "bigInt.rightShift": (x, bits) => newBigInt(bigInt(x) >> BigInt(bits)),

    "bigDecimal.plus": (x, y) => newDec(decimal.plus(dec(x), dec(y))),
    "bigDecimal.minus": (x, y) => newDec(decimal.minus(dec(x), dec(y))),
    "bigDecimal.times": (x, y) => newDec(decimal.times(dec(x), dec(y))),
    "bigDecimal.dividedBy"(x, y) {
      try {
        return newDec(decimal.dividedBy(dec(x), dec(y)));
      } catch (error) {
        throw new HandlerError((error as Error).message);
      }
    },
    "bigDecimal.equals": (x, y) => (decimal.equals(dec(x), dec(y)) ? 1 : 0),
    "bigDecimal.toString": (x) => memory().newString(decimal.format(dec(x))),
    "bigDecimal.fromString"(pointer) {
      try {
        return newDec(decimal.parse(text(pointer)));
      } catch (error) {
        throw new HandlerError(`BigDecimal.fromString: ${(error as Error).message}`);
      }
    },

    "dataSource.address": () => memory().newBytes(getBytes(current().dataSource.address)),
    "dataSource.network": () => memory().newString(current().dataSource.network),
    "dataSource.context": () => writeContext(memory(), current().dataSource.context),

    "ethereum.call"(callPointer) {
      const context = current();
      const m = context.memory;
      const contractName = m.readString(m.u32(callPointer));
      const address = m.readHex(m.u32(callPointer + 4));
      const signature = m.readString(m.u32(callPointer + 12));
      const params = m
        .readPointerArray(m.u32(callPointer + 16))
        .map((pointer) => readEthereumValue(m, pointer));
      const abi = context.dataSource.abis.get(contractName);
      if (!abi)
        throw new HandlerError(
          `ethereum.call: no ABI named ${contractName} in data source ${context.dataSource.name}`,
        );
      const fragment = abi.getFunction(signature.split(":")[0] ?? signature);
      if (!fragment) throw new HandlerError(`ethereum.call: ${contractName} has no function ${signature}`);
      const input = abi.encodeFunctionData(fragment, callArguments(fragment, params));
      const result = ethCall(context, address, input);
      const decoded = result === null ? null : decodeCallResult(abi, fragment, result);
      if (decoded === null) return 0;
      const outputs = fragment.outputs.map((output, index) => writeEthereumValue(m, output, decoded[index]));
      return m.newPointerArray("ArrayEthereumValue", outputs);
    },
    "ethereum.getBalance"(addressPointer) {
      const context = current();
      const address = hexlify(bytes(addressPointer));
      return newBigInt(
        BigInt(context.rpc.call("eth_getBalance", [address, { blockHash: context.blockHash }]) as string),
      );
    },
    "ethereum.hasCode"(addressPointer) {
      const context = current();
      const address = hexlify(bytes(addressPointer));
      const code = context.rpc.call("eth_getCode", [address, { blockHash: context.blockHash }]) as string;
      return memory().newWrappedBool(code !== "0x");
    },
    "ethereum.encode"(valuePointer) {
      const m = memory();
      const value = readEthereumValue(m, valuePointer);
      try {
        return m.newBytes(getBytes(AbiCoder.defaultAbiCoder().encode([inferType(m, valuePointer)], [value])));
      } catch {
        return 0;
      }
    },
    "ethereum.decode"(typesPointer, dataPointer) {
      const m = memory();
      try {
        const type = ParamType.from(text(typesPointer));
        const [decoded] = AbiCoder.defaultAbiCoder().decode([type], bytes(dataPointer));
        return writeEthereumValue(m, type, decoded as AbiValue);
      } catch {
        return 0;
      }
    },
  };
}

/** The ABI type of an ethereum.Value, for ethereum.encode. */
function inferType(memory: AscMemory, pointer: number): string {
  const kind = memory.u32(pointer);
  const reference = Number(memory.u64(pointer + 8) & 0xffffffffn);
  const children = () => memory.readPointerArray(reference);
  switch (kind) {
    case 0:
      return "address";
    case 1:
      return `bytes${memory.readBytes(reference).length}`;
    case 2:
      return "bytes";
    case 3:
      return "int256";
    case 4:
      return "uint256";
    case 5:
      return "bool";
    case 6:
      return "string";
    case 7: {
      const elements = children();
      return `${elements[0] === undefined ? "uint256" : inferType(memory, elements[0])}[${elements.length}]`;
    }
    case 8: {
      const first = children()[0];
      return `${first === undefined ? "uint256" : inferType(memory, first)}[]`;
    }
    default:
      return `(${children()
        .map((element) => inferType(memory, element))
        .join(",")})`;
  }
}
