// The entity store on SQLite (better-sqlite3): every version of every entity is kept by block
// range, as graph-node does, so that queries can travel back in time and reorgs can be undone.
// Block pointers, the failure and the deployment live in the same file, so a restart resumes.
import Database from "better-sqlite3";
import type { SubgraphSchema } from "../schema/model.ts";
import { encodeScalar } from "./column-codecs.ts";
import type { EntityQuery, QueryableStore } from "./entity-query.ts";
import { decodeRow, encodeRow } from "./entity-rows.ts";
import { cacheKey, idKey, LatestVersions, type CurrentVersion } from "./latest-versions.ts";
import { decodeColumns, selectedColumns } from "./column-selection.ts";
import { compileEntityQuery, compileEntityRead } from "./query-sql.ts";
import { OPEN_BLOCK, tableDdl, tableLayouts, type TableLayout } from "./table-layout.ts";
import type { BlockListener, BlockPointer, EntityChange, EntityData, IndexingError } from "./types.ts";

export interface SqliteStoreOptions {
  /** A file path, or ":memory:". */
  file: string;
  schema: SubgraphSchema;
  deployment: string;
}

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

/** The statements of one entity table, prepared once. */
interface TableStatements {
  layout: TableLayout;
  current: Database.Statement;
  insert: Database.Statement;
  replace: Database.Statement;
  close: Database.Statement;
  remove: Database.Statement;
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
  /** The transaction holding applied blocks until commitBlocks(); each block is a savepoint in it. */
  private readonly held: { begin: Database.Statement; commit: Database.Statement };
  private readonly readTransaction: { begin: Database.Statement; end: Database.Statement };

  constructor({ file, schema, deployment }: SqliteStoreOptions) {
    this.deployment = deployment;
    this.schema = schema;
    this.layouts = tableLayouts(schema);
    this.db = new Database(file);
    try {
      this.db.pragma("journal_mode = WAL");
      this.db.pragma("synchronous = NORMAL");
      // Up to 64 MiB of pages (2 MiB by default): the tables' index pages that indexing writes all
      // over (ids are hashes) stay in memory rather than being read back from the file.
      this.db.pragma("cache_size = -65536");
      // Each block is a savepoint in a transaction held over a range (applyBlock): a savepoint's
      // journal of the pages it changes goes to a temporary file by default, which cost about a
      // third of indexing's writes here; in memory it holds one block's pages.
      this.db.pragma("temp_store = MEMORY");
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
      // `+block_to` keeps SQLite on the (id, block_from) index: the block_to index would scan
      // every current version.
      current: this.db.prepare(
        `SELECT vid, block_from FROM ${table} WHERE "id" = ? AND +block_to = ${OPEN_BLOCK}`,
      ),
      insert: this.db.prepare(
        `INSERT INTO ${table} (block_from, block_to, ${names.join(", ")}) VALUES (?, ${OPEN_BLOCK}, ${names.map(() => "?").join(", ")})`,
      ),
      replace: this.db.prepare(
        `UPDATE ${table} SET ${names.map((name) => `${name} = ?`).join(", ")} WHERE vid = ?`,
      ),
      close: this.db.prepare(`UPDATE ${table} SET block_to = ? WHERE vid = ?`),
      remove: this.db.prepare(`DELETE FROM ${table} WHERE vid = ?`),
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
    const changed = new Set<string>();
    try {
      this.db.transaction(() => {
        for (const change of changes) {
          this.write(block.number, change);
          changed.add(change.entity);
        }
        this.recordBlock(block);
      })();
    } catch (error) {
      // Rolled back: what the cache took from this block's writes is not in the file.
      this.latest.clear();
      throw error;
    }
    this.notify(block, [...changed].sort());
  }

  private write(blockNumber: number, change: EntityChange): void {
    const table = this.table(change.entity);
    const { entity } = table.layout;
    const what = `${entity.name}[${change.id}]`;
    const key = idKey(table.layout.idKind, change.id, `${what}.id`);
    const known = this.latest.version(entity.name, key);
    const current =
      known === undefined
        ? (table.current.get(encodeScalar(table.layout.idKind, change.id, `${what}.id`)) as
            CurrentVersion | undefined)
        : known;
    const immutableError = (action: string) =>
      new Error(
        `entity ${what} is immutable; ${action} it at block ${blockNumber} is not possible as it was already inserted at block ${current?.block_from}`,
      );

    if (change.data === null) {
      if (current) {
        if (current.block_from === blockNumber) table.remove.run(current.vid);
        else if (entity.immutable) throw immutableError("removing");
        else table.close.run(blockNumber, current.vid);
      } // graph-node also treats removing an absent entity as a no-op
      this.latest.keepVersion(entity.name, key, null);
      this.latest.keepLatest(entity.name, key, null);
      return;
    }
    const row = encodeRow(this.schema, table.layout, change.id, change.data);
    this.latest.keepWritten(entity.name, key, table.layout, row);
    if (current) {
      // A second write in the same block replaces that block's version.
      if (current.block_from === blockNumber) {
        table.replace.run(...row, current.vid);
        this.latest.keepVersion(entity.name, key, current);
        return;
      }
      if (entity.immutable) throw immutableError("inserting");
      table.close.run(blockNumber, current.vid);
    }
    const { lastInsertRowid } = table.insert.run(blockNumber, ...row);
    this.latest.keepVersion(entity.name, key, { vid: Number(lastInsertRowid), block_from: blockNumber });
  }

  private recordBlock(block: BlockPointer): void {
    this.statements.insertBlock.run(
      block.number,
      block.hash.toLowerCase(),
      block.parentHash.toLowerCase(),
      block.timestamp,
    );
  }

  holdCommits(): void {
    if (!this.db.inTransaction) this.held.begin.run();
  }

  commitBlocks(): void {
    if (this.db.inTransaction) this.held.commit.run();
  }

  revertTo(block: BlockPointer | null): void {
    if (block) checkPointer(block);
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
      if (block && recorded === null) this.recordBlock(block);
      // As in graph-node, reverting the failed block removes its error.
      const failure = this.failure();
      if (failure && failure.block.number > target) this.statements.deleteState.run("failure");
    })();
    this.notify(block ?? NO_BLOCK, changed.sort());
  }

  setFailed(error: IndexingError): void {
    checkPointer(error.block);
    const latest = this.latestBlock();
    this.db.transaction(() => {
      this.statements.setState.run("failure", JSON.stringify(error));
      // graph-node commits the failed block without its writes, so the error is visible at the
      // latest block (and `_meta.hasIndexingErrors` is true there).
      if (!latest || error.block.number > latest.number) this.recordBlock(error.block);
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

  close(): void {
    // Blocks applied are kept: a held commit is made before the file is closed.
    if (this.db.open) this.commitBlocks();
    this.listeners.clear();
    this.queryCache.clear();
    if (this.db.open) this.db.close();
  }
}

/** Statements on the block pointers and the store state (deployment, layout, failure). */
function prepareMetaStatements(db: Database.Database) {
  return {
    latest: db.prepare("SELECT * FROM subgraph_blocks ORDER BY number DESC LIMIT 1"),
    hashOf: db.prepare("SELECT hash FROM subgraph_blocks WHERE number = ?").pluck(),
    numberOf: db.prepare("SELECT number FROM subgraph_blocks WHERE hash = ? ORDER BY number DESC").pluck(),
    recent: db.prepare("SELECT * FROM subgraph_blocks WHERE number <= ? ORDER BY number DESC LIMIT ?"),
    insertBlock: db.prepare(
      "INSERT INTO subgraph_blocks (number, hash, parent_hash, timestamp) VALUES (?, ?, ?, ?)",
    ),
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
