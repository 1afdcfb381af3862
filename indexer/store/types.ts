// The contract between the indexer's runtime (which writes entities block by block) and the store
// (which keeps every version of every entity by block range, as graph-node does) and the GraphQL
// API (which reads them). Values here are plain JavaScript, typed by the schema:
//   ID, String -> string      Bytes -> lowercase 0x-hex string     Boolean -> boolean
//   Int -> number             BigInt, Int8, Timestamp -> bigint     BigDecimal -> string
//   enum -> string            reference to an entity -> that entity's id (string)
//   [T] -> T[]                absent or null -> null
export type Value = string | number | bigint | boolean | null | Value[];

export type EntityData = Record<string, Value>;

export interface BlockPointer {
  number: number;
  hash: string;
  parentHash: string;
  /** Seconds since the epoch. */
  timestamp: number;
}

/** One entity written (data) or removed (null) in a block. `data` holds every field, id included. */
export interface EntityChange {
  entity: string;
  id: string;
  data: EntityData | null;
}

export interface IndexingError {
  message: string;
  block: BlockPointer;
  handler?: string;
}

export interface BlockListener {
  (block: BlockPointer, changedEntityTypes: string[]): void;
}

export interface SubgraphStore {
  /** A stable id of what is indexed (like graph-node's deployment hash). */
  readonly deployment: string;
  /** The last block applied, or null before the first. */
  latestBlock(): BlockPointer | null;
  /** The hash recorded for an applied block, or null when that number was never applied. */
  blockHash(number: number): string | null;
  /** Applied block pointers at or below `number`, newest first, at most `limit` of them. */
  recentBlocks(number: number, limit: number): BlockPointer[];
  /** An entity as of the latest block, or as of `block` (time travel); null when absent. */
  getEntity(entity: string, id: string, block?: number): EntityData | null;
  /** Writes one block's changes and makes it the latest block, atomically (all or nothing). */
  applyBlock(block: BlockPointer, changes: EntityChange[]): void;
  /**
   * While behind the head: the blocks applied from here until commitBlocks() reach the file in
   * one commit (each block still all or nothing). The indexer's reads (latestBlock, getEntity of
   * the latest version) see each block as it is applied; queries, listeners (told at the commit),
   * other connections and a restart after a crash see the blocks up to the last commit. A revert
   * or a failure meanwhile commits the blocks held before it (SQLite's store with a file writes
   * held blocks on a thread of its own, and one connection writes at a time).
   */
  holdCommits?(): void;
  commitBlocks?(): void;
  /** Gets ready to hold commits (a store that writes them on a thread of its own starts it). */
  startWriting?(): void;
  /**
   * commitBlocks without waiting for the blocks to be in the file (where the store writes on a
   * thread of its own): the indexer goes on with the next range meanwhile.
   */
  commitBlocksSoon?(): void;
  /** Undoes every block after `block` (null: everything), which becomes the latest. */
  revertTo(block: BlockPointer | null): void;
  /** Marks the subgraph failed at `error.block` (which becomes the latest, without writes); it
   * stays failed, and is still served, unless a revert goes below that block (as graph-node). */
  setFailed(error: IndexingError): void;
  failure(): IndexingError | null;
  /** Called after every applyBlock and revertTo, with the entity types that changed. */
  onBlock(listener: BlockListener): () => void;
  close(): void;
}
