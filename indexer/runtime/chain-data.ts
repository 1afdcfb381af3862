// Blocks, transactions and logs as JSON-RPC returns them (quantities are 0x-hex).
export interface RawTransaction {
  hash: string;
  transactionIndex: string;
  from: string;
  to: string | null;
  value: string;
  gas: string;
  gasPrice?: string;
  input: string;
  nonce: string;
}

export interface RawBlock {
  number: string;
  hash: string;
  parentHash: string;
  sha3Uncles: string;
  miner: string;
  stateRoot: string;
  transactionsRoot: string;
  receiptsRoot: string;
  gasUsed: string;
  gasLimit: string;
  timestamp: string;
  difficulty?: string;
  totalDifficulty?: string;
  size?: string;
  baseFeePerGas?: string;
  /** Full transaction objects (eth_getBlockByNumber with `true`). */
  transactions: RawTransaction[];
}

export interface RawLog {
  address: string;
  topics: string[];
  data: string;
  blockNumber: string;
  blockHash: string;
  transactionHash: string;
  transactionIndex: string;
  logIndex: string;
  removed?: boolean;
}

/** Logs grouped by the block number they name, in the order given. */
export function logsByBlock(logs: RawLog[]): Map<number, RawLog[]> {
  const byBlock = new Map<number, RawLog[]>();
  for (const log of logs) {
    const number = Number(log.blockNumber);
    const list = byBlock.get(number);
    if (list) list.push(log);
    else byBlock.set(number, [log]);
  }
  return byBlock;
}
