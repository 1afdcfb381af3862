// The ethereum.Event a handler receives, built in the module's memory from a log, its block and
// its transaction (field order is the graph-ts class layout; apiVersion >= 0.0.7).
import { getBytes, type EventFragment } from "ethers";
import type { AscMemory } from "./asc-memory.ts";
import type { RawBlock, RawLog, RawTransaction } from "./chain-data.ts";
import { writeEthereumValue } from "./ethereum-values.ts";

function quantity(value: string | undefined): bigint {
  return value === undefined ? 0n : BigInt(value);
}

function writeBlock(memory: AscMemory, block: RawBlock): number {
  const bytes = (hex: string) => memory.newBytes(getBytes(hex));
  const big = (hex: string | undefined) => memory.newBigInt(quantity(hex));
  return memory.newObject("EthereumBlock", [
    bytes(block.hash),
    bytes(block.parentHash),
    bytes(block.sha3Uncles),
    bytes(block.miner),
    bytes(block.stateRoot),
    bytes(block.transactionsRoot),
    bytes(block.receiptsRoot),
    big(block.number),
    big(block.gasUsed),
    big(block.gasLimit),
    big(block.timestamp),
    big(block.difficulty),
    big(block.totalDifficulty),
    block.size === undefined ? 0 : big(block.size),
    block.baseFeePerGas === undefined ? 0 : big(block.baseFeePerGas),
  ]);
}

function writeTransaction(memory: AscMemory, transaction: RawTransaction): number {
  const bytes = (hex: string) => memory.newBytes(getBytes(hex));
  const big = (hex: string | undefined) => memory.newBigInt(quantity(hex));
  return memory.newObject("EthereumTransaction", [
    bytes(transaction.hash),
    big(transaction.transactionIndex),
    bytes(transaction.from),
    transaction.to === null ? 0 : bytes(transaction.to),
    big(transaction.value),
    big(transaction.gas),
    big(transaction.gasPrice),
    bytes(transaction.input),
    big(transaction.nonce),
  ]);
}

export function writeEvent(
  memory: AscMemory,
  log: RawLog,
  fragment: EventFragment,
  args: readonly unknown[],
  block: RawBlock,
  transaction: RawTransaction,
): number {
  const parameters = fragment.inputs.map((input, index) =>
    memory.newObject("EventParam", [
      memory.newString(input.name),
      writeEthereumValue(memory, input, args[index]),
    ]),
  );
  const logIndex = memory.newBigInt(quantity(log.logIndex));
  return memory.newObject("EthereumEvent", [
    memory.newBytes(getBytes(log.address)),
    logIndex,
    // Nodes rarely report a log's index within its transaction; graph-node falls back likewise.
    memory.newBigInt(quantity(log.logIndex)),
    0, // logType
    writeBlock(memory, block),
    writeTransaction(memory, transaction),
    memory.newPointerArray("ArrayEventParam", parameters),
    0, // receipt: not requested by any handler
  ]);
}
