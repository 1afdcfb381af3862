// The current version of entities the indexer reads and writes, kept across blocks so that a
// block's store.get of an entity an earlier block wrote, and the write's lookup of the version it
// closes, need no SQL. The data kept is exactly what reading the row back gives (the row's column
// values decoded as a SELECT's would be), so a cached read cannot differ from an uncached one.
// The store clears it on a revert, and takes back what a refused block kept here. Started on
// empty tables (indexing from scratch) it is complete, every version having been written through
// it, so an entity it does not know does not exist, until it is first cleared.
//
// While blocks are written behind (on the store's writer thread, not yet in the file) the cache is
// the only place their versions can be read: it is not cleared at its bound then, only once they
// are committed (holdBound).
import { encodeScalar, type SqlParam, type ValueKind } from "./column-codecs.ts";
import { decodeRow } from "./entity-rows.ts";
import type { TableLayout } from "./table-layout.ts";
import type { EntityData } from "./types.ts";

/** The open version of an entity: its row id and first block. */
export interface CurrentVersion {
  vid: number;
  block_from: number;
}

/**
 * Past this many entries (an entity's data and its version count one each) the cache starts again:
 * a bound on memory, not a policy.
 */
const LIMIT = 100_000;

class WrittenRow {
  constructor(
    private readonly layout: TableLayout,
    private readonly params: SqlParam[],
  ) {}

  /** The row as a SELECT of it decodes. */
  readBack(): EntityData {
    const row: Record<string, unknown> = {};
    this.layout.columns.forEach((column, index) => {
      const value = this.params[index];
      // INTEGER columns come back as bigint (the reads use safeIntegers).
      row[column.field.name] = typeof value === "number" ? BigInt(value) : value;
    });
    return decodeRow(this.layout, row);
  }
}

export class LatestVersions {
  /**
   * By entity type and encoded id key: the data as read back, null when there is none, or the
   * row as written, decoded when first read (many entities are written and never read again).
   */
  private readonly data = new Map<string, Map<unknown, EntityData | null | WrittenRow>>();
  /** By entity type and encoded id key: the open version, null when there is none. */
  private readonly versions = new Map<string, Map<unknown, CurrentVersion | null>>();
  private size = 0;
  /** While set, the bound clears nothing: the entries may be the only copy of unwritten blocks. */
  private boundHeld = false;
  /** Each change of the block under way, with the value it replaced (undefined: none), to undo it. */
  private undo: { table: Map<unknown, unknown>; key: unknown; before: unknown }[] | null = null;

  /** `complete`: the tables are empty, so whatever is not kept here does not exist. */
  constructor(private complete: boolean) {}

  private table<T>(tables: Map<string, Map<unknown, T>>, entity: string): Map<unknown, T> {
    let table = tables.get(entity);
    if (!table) tables.set(entity, (table = new Map()));
    return table;
  }

  /** Keeps `value` for the key; only a key not held yet counts toward the bound. */
  private keep<T>(tables: Map<string, Map<unknown, T>>, entity: string, key: unknown, value: T): void {
    let table = tables.get(entity);
    if (!table?.has(key)) {
      if (++this.size > LIMIT && !this.boundHeld) this.clear();
      table = this.table(tables, entity);
    }
    this.undo?.push({ table: table as Map<unknown, unknown>, key, before: table.get(key) });
    table.set(key, value);
  }

  /** From here until blockDone() or undoBlock(), changes are recorded to be undone. */
  beginBlock(): void {
    this.undo = [];
  }

  blockDone(): void {
    this.undo = null;
  }

  /** Puts back what the block under way changed, as if it had never been applied. */
  undoBlock(): void {
    const changes = this.undo ?? [];
    this.undo = null;
    for (let index = changes.length - 1; index >= 0; index--) {
      const { table, key, before } = changes[index]!;
      if (before !== undefined) table.set(key, before);
      else if (table.delete(key)) this.size--;
    }
  }

  /** Whether there are more entries than the bound (held meanwhile). */
  overBound(): boolean {
    return this.size > LIMIT;
  }

  /** Holds the bound (true) while blocks are written behind; released, it applies again. */
  holdBound(held: boolean): void {
    this.boundHeld = held;
    if (!held && this.size > LIMIT) this.clear();
  }

  /** The entity's latest data, null when it has none, undefined when not known here. */
  latest(entity: string, key: unknown): EntityData | null | undefined {
    const table = this.data.get(entity);
    let data = table?.get(key);
    if (data instanceof WrittenRow) table!.set(key, (data = data.readBack()));
    return data === undefined && this.complete ? null : data;
  }

  keepLatest(entity: string, key: unknown, data: EntityData | null): void {
    this.keep(this.data, entity, key, data);
  }

  /** The latest version is the row just written as `params` (the table's columns in order). */
  keepWritten(entity: string, key: unknown, layout: TableLayout, params: SqlParam[]): void {
    this.keep(this.data, entity, key, new WrittenRow(layout, params));
  }

  /** The open version, null when there is none, undefined when not known here. */
  version(entity: string, key: unknown): CurrentVersion | null | undefined {
    const version = this.versions.get(entity)?.get(key);
    return version === undefined && this.complete ? null : version;
  }

  keepVersion(entity: string, key: unknown, version: CurrentVersion | null): void {
    this.keep(this.versions, entity, key, version);
  }

  clear(): void {
    // What the block under way kept before is gone with the rest; what it keeps after is recorded.
    if (this.undo) this.undo = [];
    this.complete = false;
    this.data.clear();
    this.versions.clear();
    this.size = 0;
  }
}

/** A map key for an encoded id: Bytes ids are Buffers, compared by their bytes. */
export function cacheKey(id: SqlParam): unknown {
  return Buffer.isBuffer(id) ? id.toString("hex") : id;
}

const HEX_ID = /^0x[0-9a-fA-F]*$/;

/**
 * cacheKey(encodeScalar(kind, id, what)) without encoding the id (a Buffer and its hex again for
 * Bytes ids); an id that is not well formed goes through encodeScalar, which says why.
 */
export function idKey(kind: ValueKind, id: string, what: string): unknown {
  if (typeof id === "string") {
    if (kind === "text") return id;
    if (kind === "bytes" && (id.length & 1) === 0 && HEX_ID.test(id)) return id.slice(2).toLowerCase();
  }
  return cacheKey(encodeScalar(kind, id, what));
}
