// Turns an entity's data into the column values of its row (checking every value against the
// schema, so a mapping bug is reported with the entity and field it concerns) and rows back into
// entity data.
import type { FieldBaseType, SubgraphSchema } from "../schema/model.ts";
import { decodeList, decodeScalar, encodeList, encodeScalar, type SqlParam } from "./column-codecs.ts";
import type { TableLayout } from "./table-layout.ts";
import type { EntityData, Value } from "./types.ts";

export function encodeRow(
  schema: SubgraphSchema,
  layout: TableLayout,
  id: string,
  data: EntityData,
): SqlParam[] {
  const entity = layout.entity;
  const what = `${entity.name}[${id}]`;
  if (typeof data !== "object" || data === null || Array.isArray(data))
    throw new Error(`${what}: entity data must be an object of fields`);
  for (const name of Object.keys(data)) {
    const field = entity.fieldsByName.get(name);
    if (!field) throw new Error(`${what}: ${entity.name} has no field \`${name}\``);
    if (field.derivedFrom !== null)
      throw new Error(`${what}: \`${name}\` is derived (@derivedFrom) and cannot be set`);
  }
  if (data.id !== undefined && data.id !== id)
    throw new Error(`${what}: data.id ${JSON.stringify(data.id)} differs from the change's id`);

  return layout.columns.map((column) => {
    const field = column.field;
    const where = `${what}.${field.name}`;
    const value: Value = field.name === "id" ? id : (data[field.name] ?? null);
    if (value === null) {
      if (!field.nullable) throw new Error(`${where}: missing value for non-nullable field`);
      return null;
    }
    if (field.list) {
      if (Array.isArray(value)) {
        for (const element of value) {
          if (element === null && !field.itemsNullable)
            throw new Error(`${where}: null element in a list of non-null`);
          checkEnum(schema, field.type, element, where);
        }
      }
      return encodeList(column.kind, value, where);
    }
    checkEnum(schema, field.type, value, where);
    return encodeScalar(column.kind, value, where);
  });
}

function checkEnum(schema: SubgraphSchema, type: FieldBaseType, value: Value, where: string): void {
  if (type.kind !== "enum" || value === null) return;
  const values = schema.enums.get(type.name) ?? [];
  if (typeof value !== "string" || !values.includes(value))
    throw new Error(
      `${where}: ${JSON.stringify(value)} is not a value of enum ${type.name} (${values.join(", ")})`,
    );
}

/** A row read with safeIntegers (column name -> raw value) as entity data. */
export function decodeRow(layout: TableLayout, row: Record<string, unknown>): EntityData {
  const data: EntityData = {};
  for (const column of layout.columns) {
    const raw = row[column.field.name];
    data[column.field.name] = column.list ? decodeList(column.kind, raw) : decodeScalar(column.kind, raw);
  }
  return data;
}
