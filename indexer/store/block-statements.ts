// A block's changes as the statements that write them: each change closes, replaces, removes or
// inserts a version (graph-node's block ranges), worked out from the open version the cache
// (latest-versions.ts) or the file knows. Row ids are given out here rather than by SQLite, so the
// statements can run on another connection (the writer thread, write-behind.ts) without an answer
// coming back. The cache is kept as the block writes; a block refused or not written is taken
// back from it (undo).
import type Database from "better-sqlite3";
import type { SubgraphSchema } from "../schema/model.ts";
import { encodeScalar, type SqlParam } from "./column-codecs.ts";
import { encodeRow } from "./entity-rows.ts";
import { idKey, type CurrentVersion, type LatestVersions } from "./latest-versions.ts";
import { OPEN_BLOCK, type TableLayout } from "./table-layout.ts";
import type { BlockPointer, EntityChange } from "./types.ts";
import type { WriteOp } from "./write-behind.ts";

/** One entity table's writes: statements by their index in BlockStatements.sql. */
interface TableWrites {
  layout: TableLayout;
  current: Database.Statement;
  insert: number;
  replace: number;
  close: number;
  remove: number;
  /** The highest row id given out. */
  lastVid: number;
  maxVid: Database.Statement;
}

const INSERT_BLOCK = "INSERT INTO subgraph_blocks (number, hash, parent_hash, timestamp) VALUES (?, ?, ?, ?)";

export class BlockStatements {
  /** The SQL of every statement a WriteOp names, by its index. */
  readonly sql: string[] = [];
  private readonly prepared: Database.Statement[] = [];
  private readonly tables = new Map<string, TableWrites>();
  private readonly insertBlock: number;
  /** The tables whose row ids the block being planned took, one entry per id. */
  private readonly vidsTaken: TableWrites[] = [];

  constructor(
    private readonly db: Database.Database,
    private readonly schema: SubgraphSchema,
    layouts: Iterable<TableLayout>,
    private readonly latest: LatestVersions,
  ) {
    for (const layout of layouts) this.tables.set(layout.entity.name, this.prepareTable(layout));
    this.insertBlock = this.statement(INSERT_BLOCK);
    this.readVids();
  }

  private statement(sql: string): number {
    this.prepared.push(this.db.prepare(sql));
    return this.sql.push(sql) - 1;
  }

  private prepareTable(layout: TableLayout): TableWrites {
    const { table } = layout;
    const names = layout.columns.map((column) => column.column);
    return {
      layout,
      // `+block_to` keeps SQLite on the (id, block_from) index: the block_to index would scan
      // every current version.
      current: this.db.prepare(
        `SELECT vid, block_from FROM ${table} WHERE "id" = ? AND +block_to = ${OPEN_BLOCK}`,
      ),
      insert: this.statement(
        `INSERT INTO ${table} (vid, block_from, block_to, ${names.join(", ")}) VALUES (?, ?, ${OPEN_BLOCK}, ${names.map(() => "?").join(", ")})`,
      ),
      replace: this.statement(
        `UPDATE ${table} SET ${names.map((name) => `${name} = ?`).join(", ")} WHERE vid = ?`,
      ),
      close: this.statement(`UPDATE ${table} SET block_to = ? WHERE vid = ?`),
      remove: this.statement(`DELETE FROM ${table} WHERE vid = ?`),
      lastVid: 0,
      maxVid: this.db.prepare(`SELECT coalesce(max(vid), 0) FROM ${table}`).pluck(),
    };
  }

  /** Row ids go on from the file's highest, as SQLite's own do (also after a revert deleted some). */
  readVids(): void {
    for (const table of this.tables.values()) table.lastVid = Number(table.maxVid.get());
  }

  /**
   * The block's statements, and the entity types it changes; the cache keeps its versions. Then
   * done() once they are written, or undo() if they are not.
   */
  plan(block: BlockPointer, changes: EntityChange[]): { ops: WriteOp[]; changed: string[] } {
    const ops: WriteOp[] = [];
    const changed = new Set<string>();
    this.latest.beginBlock();
    this.vidsTaken.length = 0;
    try {
      for (const change of changes) {
        this.write(block.number, change, ops);
        changed.add(change.entity);
      }
    } catch (error) {
      this.undo();
      throw error;
    }
    ops.push([this.insertBlock, blockParams(block)]);
    return { ops, changed: [...changed].sort() };
  }

  done(): void {
    this.latest.blockDone();
  }

  /** Takes the planned block back from the cache, and gives its row ids out again (as SQLite would). */
  undo(): void {
    this.latest.undoBlock();
    for (const table of this.vidsTaken) table.lastVid--;
    this.vidsTaken.length = 0;
  }

  /** Runs statements on the store's own connection, all or nothing. */
  run(ops: WriteOp[]): void {
    this.db.transaction(() => {
      for (const [index, params] of ops) this.prepared[index]!.run(...params);
    })();
  }

  /** Records a block without writes (a revert's target, a failed block) on the store's connection. */
  recordBlock(block: BlockPointer): void {
    this.prepared[this.insertBlock]!.run(...blockParams(block));
  }

  private write(blockNumber: number, change: EntityChange, ops: WriteOp[]): void {
    const table = this.tables.get(change.entity);
    if (!table) throw new Error(`unknown entity type ${change.entity} (not in the subgraph's schema)`);
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
        if (current.block_from === blockNumber) ops.push([table.remove, [current.vid]]);
        else if (entity.immutable) throw immutableError("removing");
        else ops.push([table.close, [blockNumber, current.vid]]);
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
        ops.push([table.replace, [...row, current.vid]]);
        this.latest.keepVersion(entity.name, key, current);
        return;
      }
      if (entity.immutable) throw immutableError("inserting");
      ops.push([table.close, [blockNumber, current.vid]]);
    }
    const vid = ++table.lastVid;
    this.vidsTaken.push(table);
    ops.push([table.insert, [vid, blockNumber, ...row]]);
    this.latest.keepVersion(entity.name, key, { vid, block_from: blockNumber });
  }
}

function blockParams(block: BlockPointer): SqlParam[] {
  return [block.number, block.hash.toLowerCase(), block.parentHash.toLowerCase(), block.timestamp];
}
