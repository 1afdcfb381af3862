// The ethereum.Event a handler receives, built in the module's memory from a log, its block and
// its transaction (field order is the graph-ts class layout; apiVersion >= 0.0.7). The bytes of
// the block's and the transactions' fields are worked out once per block (BlockObjects); each
// trigger, in an instance put back as instantiated, only copies them into its memory.
import type { EventFragment } from "ethers";
import { bigIntToSignedLe, type AscMemory } from "./asc-memory.ts";
import type { RawBlock, RawLog, RawTransaction } from "./chain-data.ts";
import { writeEthereumValue } from "./ethereum-values.ts";
import { hexToBytes } from "./hex.ts";

/**
 * An object's fields, each a Bytes/BigInt's bytes, 0x-hex decoded straight into the memory (for
 * fields most triggers write once, such as a transaction's input), or null (a null reference).
 */
type Fields = (Uint8Array | string | null)[];

function quantity(value: string | undefined): Uint8Array {
  return bigIntToSignedLe(value === undefined ? 0n : BigInt(value));
}

function blockFields(block: RawBlock): Fields {
  return [
    hexToBytes(block.hash),
    hexToBytes(block.parentHash),
    hexToBytes(block.sha3Uncles),
    hexToBytes(block.miner),
    hexToBytes(block.stateRoot),
    hexToBytes(block.transactionsRoot),
    hexToBytes(block.receiptsRoot),
    quantity(block.number),
    quantity(block.gasUsed),
    quantity(block.gasLimit),
    quantity(block.timestamp),
    quantity(block.difficulty),
    quantity(block.totalDifficulty),
    block.size === undefined ? null : quantity(block.size),
    block.baseFeePerGas === undefined ? null : quantity(block.baseFeePerGas),
  ];
}

function transactionFields(transaction: RawTransaction): Fields {
  return [
    transaction.hash,
    quantity(transaction.transactionIndex),
    transaction.from,
    transaction.to,
    quantity(transaction.value),
    quantity(transaction.gas),
    quantity(transaction.gasPrice),
    transaction.input,
    quantity(transaction.nonce),
  ];
}

function writeFields(
  memory: AscMemory,
  type: "EthereumBlock" | "EthereumTransaction",
  fields: Fields,
): number {
  const pointers: number[] = [];
  for (const field of fields)
    pointers.push(
      field === null ? 0 : typeof field === "string" ? memory.newBytesFromHex(field) : memory.newBytes(field),
    );
  return memory.newObject(type, pointers);
}

/** A block's ethereum.Block fields and its transactions', converted once for all its triggers. */
export class BlockObjects {
  readonly fields: Fields;
  private readonly transactions = new Map<string, RawTransaction>();
  private readonly converted = new Map<string, Fields>();

  constructor(block: RawBlock) {
    this.fields = blockFields(block);
    for (const transaction of block.transactions)
      this.transactions.set(transaction.hash.toLowerCase(), transaction);
  }

  /** The fields of the block's transaction with this hash, or undefined when it has none such. */
  transaction(hash: string): Fields | undefined {
    const key = hash.toLowerCase();
    let fields = this.converted.get(key);
    if (fields === undefined) {
      const transaction = this.transactions.get(key);
      if (!transaction) return undefined;
      this.converted.set(key, (fields = transactionFields(transaction)));
    }
    return fields;
  }
}

export function writeEvent(
  memory: AscMemory,
  log: RawLog,
  fragment: EventFragment,
  args: readonly unknown[],
  block: BlockObjects,
  transaction: Fields,
): number {
  const parameters: number[] = [];
  for (let index = 0; index < fragment.inputs.length; index++) {
    const input = fragment.inputs[index]!;
    parameters.push(
      memory.newObject("EventParam", [
        memory.newString(input.name),
        writeEthereumValue(memory, input, args[index]),
      ]),
    );
  }
  const logIndex = quantity(log.logIndex);
  const logIndexPointer = memory.newBytes(logIndex);
  return memory.newObject("EthereumEvent", [
    memory.newBytesFromHex(log.address),
    logIndexPointer,
    // Nodes rarely report a log's index within its transaction; graph-node falls back likewise.
    memory.newBytes(logIndex),
    0, // logType
    writeFields(memory, "EthereumBlock", block.fields),
    writeFields(memory, "EthereumTransaction", transaction),
    memory.newPointerArray("ArrayEventParam", parameters),
    0, // receipt: not requested by any handler
  ]);
}
