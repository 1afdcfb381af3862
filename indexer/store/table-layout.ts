// One SQLite table per entity type. Each row is one version of an entity, valid for the blocks
// [block_from, block_to); the current version has block_to = OPEN_BLOCK (like graph-node's
// open-ended block_range). Reading "as of block b" is `block_from <= b AND block_to > b`.
import { storedFields, type EntityModel, type FieldModel, type SubgraphSchema } from "../schema/model.ts";
import { idKind, sqlColumnType, valueKind, type ValueKind } from "./column-codecs.ts";

/** block_to of a version that is still current. */
export const OPEN_BLOCK = Number.MAX_SAFE_INTEGER;

export interface ColumnLayout {
  field: FieldModel;
  /** Quoted SQL identifier. */
  column: string;
  kind: ValueKind;
  list: boolean;
}

export interface TableLayout {
  entity: EntityModel;
  /** Quoted SQL identifier. */
  table: string;
  idKind: ValueKind;
  columns: ColumnLayout[];
  byField: ReadonlyMap<string, ColumnLayout>;
}

export function quoteIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

export function tableLayouts(schema: SubgraphSchema): Map<string, TableLayout> {
  const layouts = new Map<string, TableLayout>();
  for (const entity of schema.entities.values()) {
    const columns = storedFields(entity).map((field) => ({
      field,
      column: quoteIdentifier(field.name),
      kind: valueKind(schema, field),
      list: field.list,
    }));
    layouts.set(entity.name, {
      entity,
      table: quoteIdentifier(`entity_${entity.name}`),
      idKind: idKind(entity),
      columns,
      byField: new Map(columns.map((column) => [column.field.name, column])),
    });
  }
  return layouts;
}

/** The DDL of one entity table and its indexes. */
export function tableDdl(layout: TableLayout): string[] {
  const name = layout.table.slice(1, -1);
  const definitions = [
    "vid INTEGER PRIMARY KEY",
    "block_from INTEGER NOT NULL",
    "block_to INTEGER NOT NULL",
    ...layout.columns.map(
      (column) =>
        `${column.column} ${sqlColumnType(column.kind, column.list)}${column.field.name === "id" ? " NOT NULL" : ""}`,
    ),
  ];
  const index = (suffix: string, columns: string, unique = false) =>
    `CREATE ${unique ? "UNIQUE " : ""}INDEX IF NOT EXISTS ${quoteIdentifier(`${name}_${suffix}`)} ON ${layout.table} (${columns})`;
  const statements = [
    `CREATE TABLE IF NOT EXISTS ${layout.table} (${definitions.join(", ")})`,
    // One version per entity and block; also serves lookups by id and ordering by id.
    index("id", `"id", block_from`, true),
    // Reverts and `_change_block` filters select by block_from; reverts reopen by block_to.
    index("block_from", "block_from"),
    index("block_to", "block_to"),
  ];
  // Derived fields and reference filters look entities up by the id they point to.
  for (const column of layout.columns) {
    if (column.field.type.kind === "entity" && !column.list && column.field.name !== "id")
      statements.push(index(`ref_${column.field.name}`, `${column.column}, block_from`));
  }
  return statements;
}
