// The entity store on SQLite (better-sqlite3): every version of every entity is kept by block
// range, as graph-node does, so that queries can travel back in time and reorgs can be undone.
// Block pointers, the failure and the deployment live in the same file, so a restart resumes.
import Database from "better-sqlite3";
import type { SubgraphSchema } from "../schema/model.ts";
import { BlockStatements } from "./block-statements.ts";
import { encodeScalar } from "./column-codecs.ts";
import type { EntityQuery, QueryableStore } from "./entity-query.ts";
import { decodeRow } from "./entity-rows.ts";
import { cacheKey, idKey, LatestVersions } from "./latest-versions.ts";
import { decodeColumns, selectedColumns } from "./column-selection.ts";
import { compileEntityQuery, compileEntityRead } from "./query-sql.ts";
import { OPEN_BLOCK, tableDdl, tableLayouts, type TableLayout } from "./table-layout.ts";
import type { BlockListener, BlockPointer, EntityChange, EntityData, IndexingError } from "./types.ts";
import { BlocksBehind, WriterThread, type BlockNotice } from "./write-behind.ts";

export interface SqliteStoreOptions {
  /** A file path, or ":memory:". */
  file: string;
  schema: SubgraphSchema;
  deployment: string;
  /**
   * Held blocks (holdCommits) written on a thread of their own (write-behind.ts); a file only,
   * by default. Off, they are written on this thread as they are applied.
   */
  writeBehind?: boolean;
}

/** The connection's settings, the same for the writer thread's. */
const PRAGMAS = [
  "journal_mode = WAL",
  "synchronous = NORMAL",
  // Up to 64 MiB of pages (2 MiB by default): the tables' index pages that indexing writes all
  // over (ids are hashes) stay in memory rather than being read back from the file.
  "cache_size = -65536",
  // Each block is a savepoint in a transaction held over a range (applyBlock): a savepoint's
  // journal of the pages it changes goes to a temporary file by default, which cost about a
  // third of indexing's writes here; in memory it holds one block's pages.
  "temp_store = MEMORY",
];

/** The block passed to listeners after revertTo(null): nothing is applied any more. */
export const NO_BLOCK: BlockPointer = Object.freeze({ number: -1, hash: "", parentHash: "", timestamp: 0 });

/** Compiled collection queries kept prepared; beyond this many shapes the oldest is dropped. */
const STATEMENT_CACHE_SIZE = 256;

const META_DDL = [
  `CREATE TABLE IF NOT EXISTS subgraph_blocks (number INTEGER PRIMARY KEY, hash TEXT NOT NULL,
     parent_hash TEXT NOT NULL, timestamp INTEGER NOT NULL)`,
  "CREATE INDEX IF NOT EXISTS subgraph_blocks_hash ON subgraph_blocks (hash)",
  "CREATE TABLE IF NOT EXISTS subgraph_state (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
];

interface BlockRow {
  number: number;
  hash: string;
  parent_hash: string;
  timestamp: number;
}

/** The reading and reverting statements of one entity table, prepared once (writes: block-statements.ts). */
interface TableStatements {
  layout: TableLayout;
  getLatest: Database.Statement;
  getAt: Database.Statement;
  revertInserted: Database.Statement;
  revertClosed: Database.Statement;
}

export function openSqliteStore(options: SqliteStoreOptions): QueryableStore {
  return new SqliteStore(options);
}

class SqliteStore implements QueryableStore {
  readonly deployment: string;
  private readonly db: Database.Database;
  private readonly schema: SubgraphSchema;
  private readonly layouts: Map<string, TableLayout>;
  private readonly tables = new Map<string, TableStatements>();
  private readonly listeners = new Set<BlockListener>();
  private readonly queryCache = new Map<string, Database.Statement>();
  private readonly statements: ReturnType<typeof prepareMetaStatements>;
  /** The latest versions the indexer read or wrote, across blocks (cleared on a revert). */
  private readonly latest: LatestVersions;
  /**
   * Without the writer thread: the transaction holding applied blocks until commitBlocks(); each
   * block is a savepoint in it.
   */
  private readonly held: { begin: Database.Statement; commit: Database.Statement };
  private readonly readTransaction: { begin: Database.Statement; end: Database.Statement };
  private readonly blockStatements: BlockStatements;
  private readonly file: string;
  private readonly writeBehind: boolean;
  /** The writer thread's blocks, from the first held range on, when writing behind. */
  private behind: BlocksBehind | undefined;
  private writer: WriterThread | undefined;

  constructor({ file, schema, deployment, writeBehind }: SqliteStoreOptions) {
    this.deployment = deployment;
    this.schema = schema;
    this.file = file;
    this.writeBehind = writeBehind ?? file !== ":memory:";
    this.layouts = tableLayouts(schema);
    this.db = new Database(file);
    try {
      for (const pragma of PRAGMAS) this.db.pragma(pragma);
      for (const sql of META_DDL) this.db.exec(sql);
      const ddl = [...this.layouts.values()].flatMap(tableDdl);
      this.checkOwnership(deployment, ddl.join(";\n"));
      this.db.transaction(() => ddl.forEach((sql) => this.db.exec(sql)))();
      for (const layout of this.layouts.values())
        this.tables.set(layout.entity.name, this.prepareTable(layout));
    } catch (error) {
      this.db.close();
      throw error;
    }
    this.statements = prepareMetaStatements(this.db);
    this.latest = new LatestVersions(this.entityTablesEmpty());
    this.blockStatements = new BlockStatements(this.db, schema, this.layouts.values(), this.latest);
    this.held = { begin: this.db.prepare("BEGIN"), commit: this.db.prepare("COMMIT") };
    this.readTransaction = { begin: this.db.prepare("BEGIN"), end: this.db.prepare("COMMIT") };
  }

  private entityTablesEmpty(): boolean {
    return [...this.layouts.values()].every(
      (layout) => this.db.prepare(`SELECT 1 FROM ${layout.table} LIMIT 1`).get() === undefined,
    );
  }

  /** A file belongs to one deployment and one schema: reopening it with others is a mistake. */
  private checkOwnership(deployment: string, layout: string): void {
    const get = (key: string) =>
      this.db.prepare("SELECT value FROM subgraph_state WHERE key = ?").pluck().get(key) as
        string | undefined;
    const set = this.db.prepare("INSERT INTO subgraph_state (key, value) VALUES (?, ?)");
    const storedDeployment = get("deployment");
    if (storedDeployment === undefined) {
      this.db.transaction(() => {
        set.run("deployment", deployment);
        set.run("layout", layout);
      })();
      return;
    }
    if (storedDeployment !== deployment)
      throw new Error(
        `the store file holds deployment ${storedDeployment}, not ${deployment}; use another file`,
      );
    if (get("layout") !== layout)
      throw new Error(
        `the store file was created for another schema of deployment ${deployment}; use another file`,
      );
  }

  private prepareTable(layout: TableLayout): TableStatements {
    const { table } = layout;
    const names = layout.columns.map((column) => column.column);
    const reader = (sql: string) => this.db.prepare(sql).safeIntegers(true);
    const selectColumns = names.join(", ");
    return {
      layout,
      getLatest: reader(`SELECT ${selectColumns} FROM ${table} WHERE "id" = ? AND +block_to = ${OPEN_BLOCK}`),
      getAt: reader(
        `SELECT ${selectColumns} FROM ${table} WHERE "id" = @id AND block_from <= @block AND +block_to > @block`,
      ),
      revertInserted: this.db.prepare(`DELETE FROM ${table} WHERE block_from > ?`),
      revertClosed: this.db.prepare(
        `UPDATE ${table} SET block_to = ${OPEN_BLOCK} WHERE block_to > ? AND block_to <> ${OPEN_BLOCK}`,
      ),
    };
  }

  private table(entity: string): TableStatements {
    const table = this.tables.get(entity);
    if (!table) throw new Error(`unknown entity type ${entity} (not in the subgraph's schema)`);
    return table;
  }

  latestBlock(): BlockPointer | null {
    return this.behind?.latest() ?? this.committedBlock();
  }

  committedBlock(): BlockPointer | null {
    const row = this.statements.latest.get() as BlockRow | undefined;
    return row ? pointer(row) : null;
  }

  blockHash(number: number): string | null {
    return (this.statements.hashOf.get(number) as string | undefined) ?? null;
  }

  blockNumber(hash: string): number | null {
    return (this.statements.numberOf.get(hash.toLowerCase()) as number | undefined) ?? null;
  }

  recentBlocks(number: number, limit: number): BlockPointer[] {
    return (this.statements.recent.all(number, limit) as BlockRow[]).map(pointer);
  }

  getEntity(entity: string, id: string, block?: number): EntityData | null {
    const table = this.table(entity);
    if (block === undefined) {
      const known = this.latest.latest(entity, idKey(table.layout.idKind, id, `${entity} id`));
      if (known !== undefined) return known;
    }
    const key = encodeScalar(table.layout.idKind, id, `${entity} id`);
    const row = (block === undefined ? table.getLatest.get(key) : table.getAt.get({ id: key, block })) as
      Record<string, unknown> | undefined;
    const data = row ? decodeRow(table.layout, row) : null;
    if (block === undefined) this.latest.keepLatest(entity, cacheKey(key), data);
    return data;
  }

  findEntity(entity: string, id: string, block: number, fields?: readonly string[]): EntityData | null {
    if (!fields) return this.getEntity(entity, id, block);
    const { layout } = this.table(entity);
    const key = encodeScalar(layout.idKind, id, `${entity} id`);
    const columns = selectedColumns(layout, fields);
    const row = this.prepared(compileEntityRead(layout, columns)).get({ id: key, block }) as
      Record<string, unknown> | undefined;
    return row ? decodeColumns(columns, row) : null;
  }

  findEntities(query: EntityQuery): EntityData[] {
    this.table(query.entity); // an unknown type fails here, with the store's message
    const compiled = compileEntityQuery(this.schema, this.layouts, query);
    const rows = this.prepared(compiled.sql).all(compiled.params) as Record<string, unknown>[];
    return rows.map((row) => decodeColumns(compiled.columns, row));
  }

  readConsistently<T>(read: () => T): T {
    // Inside a transaction already (a write in progress on this connection): its reads are consistent.
    if (this.db.inTransaction) return read();
    this.readTransaction.begin.run();
    try {
      return read();
    } finally {
      // Ends the read, whatever `read` did, so the connection is never left in a transaction.
      if (this.db.inTransaction) this.readTransaction.end.run();
    }
  }

  private prepared(sql: string): Database.Statement {
    let statement = this.queryCache.get(sql);
    if (statement) {
      // Refresh its place so that the least recently used shape is the one dropped.
      this.queryCache.delete(sql);
    } else {
      statement = this.db.prepare(sql).safeIntegers(true);
      if (this.queryCache.size >= STATEMENT_CACHE_SIZE) {
        const oldest = this.queryCache.keys().next().value;
        if (oldest !== undefined) this.queryCache.delete(oldest);
      }
    }
    this.queryCache.set(sql, statement);
    return statement;
  }

  applyBlock(block: BlockPointer, changes: EntityChange[]): void {
    checkPointer(block);
    const latest = this.latestBlock();
    if (latest && block.number <= latest.number)
      throw new Error(
        `block ${block.number} is not after the latest block ${latest.number}: revert to its parent first`,
      );
    // Answers from the writer thread (commits to tell listeners of, or a failure to throw); when
    // this connection writes, all of them: one writer at a time.
    const held = this.behind?.holding ?? false;
    if (held) this.behind!.collect();
    else this.behind?.settle();
    const { ops, changed } = this.blockStatements.plan(block, changes);
    try {
      if (held) this.behind!.add(block, ops, [block, changed]);
      else this.blockStatements.run(ops);
    } catch (error) {
      this.blockStatements.undo();
      throw error;
    }
    this.blockStatements.done();
    // Held on the writer thread, readers are told once it is committed.
    if (!held) this.notify(block, changed);
  }

  holdCommits(): void {
    if (!this.writeBehind) {
      if (!this.db.inTransaction) this.held.begin.run();
      return;
    }
    this.behind ??= this.startWriter();
    this.behind.hold();
  }

  /**
   * Starts the writer thread of held blocks now, when writing behind, and waits until it has the
   * file open: an indexer pays the thread's start (about 80 ms here) when the subgraph is opened
   * rather than at its first range.
   */
  startWriting(): void {
    if (!this.writeBehind) return;
    this.behind ??= this.startWriter();
    this.writer!.waitStarted();
  }

  /** Commits the held blocks and waits for them to be in the file. */
  commitBlocks(): void {
    if (this.behind) {
      this.behind.commitSoon();
      this.behind.settle();
    } else if (this.db.inTransaction) this.held.commit.run();
  }

  /** Commits the held blocks; with a writer thread, without waiting (answers come with later calls). */
  commitBlocksSoon(): void {
    if (this.behind) this.behind.commitSoon();
    else this.commitBlocks();
  }

  private startWriter(): BlocksBehind {
    this.writer = new WriterThread(this.file, this.blockStatements.sql, PRAGMAS);
    return new BlocksBehind(this.writer, {
      committed: (notices: BlockNotice[]) => notices.forEach((notice) => this.notify(...notice)),
      lost: () => {
        // The ranges were rolled back: the cache holds their versions, which the file does not.
        this.latest.clear();
        this.blockStatements.readVids();
      },
      // The cache holds the only readable copy of blocks on the writer until they are committed.
      pending: (pending) => this.latest.holdBound(pending),
      overBound: () => this.latest.overBound(),
    });
  }

  revertTo(block: BlockPointer | null): void {
    if (block) checkPointer(block);
    this.onThisConnection(() => this.revertHere(block));
  }

  private revertHere(block: BlockPointer | null): void {
    const target = block?.number ?? -1;
    const recorded = block ? this.blockHash(block.number) : null;
    if (block && recorded !== null && recorded !== block.hash.toLowerCase())
      throw new Error(
        `cannot revert to block ${block.number} ${block.hash}: the store holds ${recorded} there`,
      );
    const changed: string[] = [];
    this.latest.clear();
    this.db.transaction(() => {
      for (const table of this.tables.values()) {
        const removed = table.revertInserted.run(target).changes;
        const reopened = table.revertClosed.run(target).changes;
        if (removed + reopened > 0) changed.push(table.layout.entity.name);
      }
      this.statements.dropBlocksAfter.run(target);
      // The block reverted to becomes the latest even if it was never applied (it had no triggers).
      if (block && recorded === null) this.blockStatements.recordBlock(block);
      // As in graph-node, reverting the failed block removes its error.
      const failure = this.failure();
      if (failure && failure.block.number > target) this.statements.deleteState.run("failure");
    })();
    this.blockStatements.readVids();
    this.notify(block ?? NO_BLOCK, changed.sort());
  }

  setFailed(error: IndexingError): void {
    checkPointer(error.block);
    this.onThisConnection(() => this.setFailedHere(error));
  }

  private setFailedHere(error: IndexingError): void {
    const latest = this.latestBlock();
    this.db.transaction(() => {
      this.statements.setState.run("failure", JSON.stringify(error));
      // graph-node commits the failed block without its writes, so the error is visible at the
      // latest block (and `_meta.hasIndexingErrors` is true there).
      if (!latest || error.block.number > latest.number) this.blockStatements.recordBlock(error.block);
    })();
    this.notify(this.latestBlock() ?? error.block, []);
  }

  failure(): IndexingError | null {
    const value = this.statements.getState.get("failure") as string | undefined;
    return value === undefined ? null : (JSON.parse(value) as IndexingError);
  }

  onBlock(listener: BlockListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private notify(block: BlockPointer, changed: string[]): void {
    for (const listener of [...this.listeners]) {
      try {
        listener(block, changed);
      } catch (error) {
        // The block is committed whatever a listener does; its failure is its own.
        console.error(`store listener failed: ${(error as Error).message}`);
      }
    }
  }

  /**
   * A write on this connection (a revert, a failure) while blocks are held on the writer thread:
   * one writer at a time, so the blocks held so far are committed first, and the blocks after it
   * are held again.
   */
  private onThisConnection(write: () => void): void {
    const held = this.behind?.holding ?? false;
    if (this.behind) this.commitBlocks();
    try {
      write();
    } finally {
      if (held) this.holdCommits();
    }
  }

  close(): void {
    // Blocks applied are kept: a held commit is made before the file is closed.
    try {
      if (this.db.open) this.commitBlocks();
    } finally {
      this.writer?.close();
      this.writer = undefined;
      this.listeners.clear();
      this.queryCache.clear();
      if (this.db.open) this.db.close();
    }
  }
}

/** Statements on the block pointers and the store state (deployment, layout, failure). */
function prepareMetaStatements(db: Database.Database) {
  return {
    latest: db.prepare("SELECT * FROM subgraph_blocks ORDER BY number DESC LIMIT 1"),
    hashOf: db.prepare("SELECT hash FROM subgraph_blocks WHERE number = ?").pluck(),
    numberOf: db.prepare("SELECT number FROM subgraph_blocks WHERE hash = ? ORDER BY number DESC").pluck(),
    recent: db.prepare("SELECT * FROM subgraph_blocks WHERE number <= ? ORDER BY number DESC LIMIT ?"),
    dropBlocksAfter: db.prepare("DELETE FROM subgraph_blocks WHERE number > ?"),
    getState: db.prepare("SELECT value FROM subgraph_state WHERE key = ?").pluck(),
    setState: db.prepare("INSERT OR REPLACE INTO subgraph_state (key, value) VALUES (?, ?)"),
    deleteState: db.prepare("DELETE FROM subgraph_state WHERE key = ?"),
  };
}

function pointer(row: BlockRow): BlockPointer {
  return { number: row.number, hash: row.hash, parentHash: row.parent_hash, timestamp: row.timestamp };
}

function checkPointer(block: BlockPointer): void {
  if (!Number.isSafeInteger(block.number) || block.number < 0)
    throw new Error(`block number ${block.number} is not a non-negative integer`);
  if (typeof block.hash !== "string" || typeof block.parentHash !== "string")
    throw new Error(`block ${block.number}: hash and parentHash must be strings`);
  if (!Number.isSafeInteger(block.timestamp))
    throw new Error(`block ${block.number}: timestamp must be an integer`);
}
