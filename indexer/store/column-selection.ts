// The columns a read selects: all of an entity's stored fields, or only those a query asks for
// (its `id` always). Reading fewer columns is most of the saving: every Bytes column read is a
// Buffer made and turned into hex, whether the answer shows it or not.
import { decodeList, decodeScalar } from "./column-codecs.ts";
import type { ColumnLayout, TableLayout } from "./table-layout.ts";
import type { EntityData } from "./types.ts";

/** Selections by the field list asked for (the API keeps one list per query field). */
const selections = new WeakMap<TableLayout, WeakMap<readonly string[], readonly ColumnLayout[]>>();

/** The columns of `fields` in table order, `id` included; all columns when `fields` is absent. */
export function selectedColumns(layout: TableLayout, fields?: readonly string[]): readonly ColumnLayout[] {
  if (!fields) return layout.columns;
  let byFields = selections.get(layout);
  if (!byFields) selections.set(layout, (byFields = new WeakMap()));
  let columns = byFields.get(fields);
  if (!columns) {
    const wanted = new Set(fields);
    for (const name of wanted)
      if (!layout.byField.has(name))
        throw new Error(
          `${layout.entity.name}.${name} is not a stored field (derived or unknown) and cannot be selected`,
        );
    columns = layout.columns.filter((column) => column.field.name === "id" || wanted.has(column.field.name));
    byFields.set(fields, columns);
  }
  return columns;
}

/** A row read with safeIntegers (column name -> raw value) as entity data of those columns. */
export function decodeColumns(columns: readonly ColumnLayout[], row: Record<string, unknown>): EntityData {
  const data: EntityData = {};
  for (const column of columns) {
    const name = column.field.name;
    const raw = row[name];
    data[name] = column.list ? decodeList(column.kind, raw) : decodeScalar(column.kind, raw);
  }
  return data;
}
