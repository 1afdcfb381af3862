// Compiles an EntityQuery into one SELECT over the entity's table. Values always travel as named
// parameters, so the SQL text depends only on the query's shape and prepared statements can be
// reused. Every table read (including child filters and child ordering) sees the query's block.
import type { SubgraphSchema } from "../schema/model.ts";
import { encodeList, encodeScalar, jsonValueAsColumn, sqlListParam, type SqlParam } from "./column-codecs.ts";
import { selectedColumns } from "./column-selection.ts";
import type { EntityFilter, EntityOrder, EntityQuery } from "./entity-query.ts";
import { childLink, filterText } from "./filter-text.ts";
import { globCondition, likeAsGlob } from "./like-pattern.ts";
import type { ColumnLayout, TableLayout } from "./table-layout.ts";

export interface CompiledQuery {
  sql: string;
  params: Record<string, SqlParam>;
  /** The columns the SQL selects, in order. */
  columns: readonly ColumnLayout[];
}

const COMPARE_SQL = { eq: "=", not: "!=", gt: ">", lt: "<", gte: ">=", lte: "<=" } as const;

class QueryBuilder {
  readonly params: Record<string, SqlParam> = {};
  private nextParam = 0;
  private nextAlias = 0;

  constructor(
    readonly schema: SubgraphSchema,
    readonly layouts: ReadonlyMap<string, TableLayout>,
    readonly block: number,
  ) {}

  param(value: SqlParam): string {
    const name = `p${this.nextParam++}`;
    this.params[name] = value;
    return `@${name}`;
  }

  alias(): string {
    return `t${this.nextAlias++}`;
  }

  layout(entity: string): TableLayout {
    const layout = this.layouts.get(entity);
    if (!layout) throw new Error(`unknown entity type ${entity}`);
    return layout;
  }

  visible(alias: string): string {
    const block = this.param(this.block);
    return `${alias}.block_from <= ${block} AND ${alias}.block_to > ${block}`;
  }
}

export function compileEntityQuery(
  schema: SubgraphSchema,
  layouts: ReadonlyMap<string, TableLayout>,
  query: EntityQuery,
): CompiledQuery {
  const builder = new QueryBuilder(schema, layouts, query.block);
  const layout = builder.layout(query.entity);
  const alias = builder.alias();
  const columns = selectedColumns(layout, query.fields);
  const selected = columns.map((column) => `${alias}.${column.column}`).join(", ");
  const conditions = [builder.visible(alias)];
  if (query.filter) conditions.push(filterSql(builder, layout, alias, query.filter, 0));
  const order = orderSql(builder, layout, alias, query.order);
  const from = `FROM ${layout.table} AS ${alias} WHERE ${conditions.join(" AND ")}`;
  if (query.perValueOf !== undefined) {
    // Each value's rows ranked in the query's order, then each value's page of them.
    const group = column(layout, query.perValueOf);
    if (group.list || !columns.includes(group))
      throw new Error(
        `${layout.entity.name}.${query.perValueOf}: rows are read per value of a selected, non-list field only`,
      );
    const outer = columns.map((col) => col.column).join(", ");
    const ranked = `SELECT ${selected}, ROW_NUMBER() OVER (PARTITION BY ${alias}.${group.column} ORDER BY ${order}) AS row_rank ${from}`;
    const sql =
      `SELECT ${outer} FROM (${ranked}) WHERE row_rank > ${builder.param(query.skip)}` +
      ` AND row_rank <= ${builder.param(query.skip + query.first)} ORDER BY ${group.column}, row_rank`;
    return { sql, params: builder.params, columns };
  }
  const sql = `SELECT ${selected} ${from} ORDER BY ${order} LIMIT ${builder.param(query.first)} OFFSET ${builder.param(query.skip)}`;
  return { sql, params: builder.params, columns };
}

const entityReads = new WeakMap<readonly ColumnLayout[], string>();

/** The SELECT of one entity's `columns` by id (@id) at a block (@block). */
export function compileEntityRead(layout: TableLayout, columns: readonly ColumnLayout[]): string {
  let sql = entityReads.get(columns);
  if (sql === undefined) {
    sql = `SELECT ${columns.map((col) => col.column).join(", ")} FROM ${layout.table} WHERE vid = ${candidateVersion(layout, "@id", "@block")} AND block_to > @block`;
    entityReads.set(columns, sql);
  }
  return sql;
}

/**
 * The vid of the only version of entity `id` that can be visible at `block`: an entity's versions
 * never overlap, so it is the latest one written at or before `block` (visible if not closed by
 * then). Found in the (id, block_from) index alone; `id = ? AND block_from <= ?` would read every
 * older version's row for its block_to.
 */
function candidateVersion(layout: TableLayout, id: string, block: string): string {
  return `(SELECT v.vid FROM ${layout.table} AS v WHERE v."id" = ${id} AND v.block_from <= ${block} ORDER BY v.block_from DESC LIMIT 1)`;
}

function column(layout: TableLayout, field: string): ColumnLayout {
  const found = layout.byField.get(field);
  if (!found) {
    const derived = layout.entity.fieldsByName.has(field);
    throw new Error(
      derived
        ? `${layout.entity.name}.${field} is derived and cannot be filtered or ordered by directly`
        : `Entity \`${layout.entity.name}\` has no attribute \`${field}\``,
    );
  }
  return found;
}

function filterSql(
  builder: QueryBuilder,
  layout: TableLayout,
  alias: string,
  filter: EntityFilter,
  childDepth: number,
): string {
  const what = (field: string) => `filter on ${layout.entity.name}.${field}`;
  switch (filter.kind) {
    case "and":
    case "or": {
      if (filter.filters.length === 0) return filter.kind === "and" ? "1" : "0";
      const parts = filter.filters.map((part) => filterSql(builder, layout, alias, part, childDepth));
      return `(${parts.join(filter.kind === "and" ? " AND " : " OR ")})`;
    }
    case "compare": {
      const col = column(layout, filter.field);
      const expression = `${alias}.${col.column}`;
      if (filter.value === null) {
        if (filter.op === "eq") return `${expression} IS NULL`;
        if (filter.op === "not") return `${expression} IS NOT NULL`;
        throw new Error(`Store error: unsupported filter \`${COMPARE_SQL[filter.op]}\` for value \`null\``);
      }
      if (col.list && filter.op !== "eq" && filter.op !== "not")
        throw new Error(`${what(filter.field)}: lists can only be compared for (in)equality`);
      const value = col.list
        ? encodeList(col.kind, filter.value, what(filter.field))
        : encodeScalar(col.kind, filter.value, what(filter.field));
      return `${expression} ${COMPARE_SQL[filter.op]} ${builder.param(value)}`;
    }
    case "in": {
      const col = column(layout, filter.field);
      if (col.list) throw new Error(`${what(filter.field)}: \`in\` does not apply to lists`);
      // As graph-node: an empty list matches nothing, negated or not (not `NOT IN ()`, which is true).
      if (filter.values.length === 0) return "0";
      const list = sqlListParam(col.kind, filter.values, what(filter.field));
      // Ids (references read for a level's parents): each id's one candidate version, by index.
      if (col.field.name === "id" && !filter.negated)
        return `${alias}.vid IN (SELECT ${candidateVersion(layout, "ids.id", builder.param(builder.block))} FROM (SELECT ${list.element} AS id FROM json_each(${builder.param(list.json)})) AS ids)`;
      return `${alias}.${col.column} ${filter.negated ? "NOT IN" : "IN"} (SELECT ${list.element} FROM json_each(${builder.param(list.json)}))`;
    }
    case "match":
      return matchSql(builder, column(layout, filter.field), alias, filter, what(filter.field));
    case "list_contains": {
      const col = column(layout, filter.field);
      if (!col.list)
        throw new Error(`${what(filter.field)}: \`contains\` of several values needs a list field`);
      const expression = `${alias}.${col.column}`;
      // graph-node's meanings: `_contains` all of, `_not_contains` none of (a null list matches
      // neither); `_contains_nocase` any of and `_not_contains_nocase` none of, each value an
      // ILIKE pattern, a null list matching the latter.
      if (filter.nocase) {
        const globs = filter.values.map((value) =>
          typeof value === "string" ? likeAsGlob(value, true) : value,
        );
        const wantedGlobs = builder.param(encodeList(col.kind, globs, what(filter.field)));
        const anyLike =
          `EXISTS (SELECT 1 FROM json_each(${expression}) AS have, json_each(${wantedGlobs}) AS want ` +
          `WHERE ${globCondition("have.value", "want.value", true, false)})`;
        return filter.negated ? `NOT ${anyLike}` : anyLike;
      }
      const wanted = builder.param(encodeList(col.kind, filter.values, what(filter.field)));
      if (filter.negated) {
        const anyOf =
          `EXISTS (SELECT 1 FROM json_each(${expression}) AS have, json_each(${wanted}) AS want ` +
          "WHERE have.value = want.value)";
        return `(${expression} IS NOT NULL AND NOT ${anyOf})`;
      }
      const containsAll =
        `NOT EXISTS (SELECT 1 FROM json_each(${wanted}) AS want WHERE NOT EXISTS ` +
        `(SELECT 1 FROM json_each(${expression}) AS have WHERE have.value = want.value))`;
      return `(${expression} IS NOT NULL AND ${containsAll})`;
    }
    case "changed_since":
      return `${alias}.block_from >= ${builder.param(filter.block)}`;
    case "child":
      if (childDepth > 0) {
        // graph-node's message names the join's field and quotes the nested filter.
        const { attribute } = childLink(builder.schema, layout.entity, filter.field);
        const text = filterText(builder.schema, layout.entity, filter);
        throw new Error(`Child filter nesting not supported by value \`${attribute}\`: \`${text}\``);
      }
      return childFilterSql(builder, layout, alias, filter.field, filter.filter);
  }
}

function matchSql(
  builder: QueryBuilder,
  col: ColumnLayout,
  alias: string,
  filter: Extract<EntityFilter, { kind: "match" }>,
  what: string,
): string {
  const expression = `${alias}.${col.column}`;
  if (col.list) throw new Error(`${what}: \`${filter.mode}\` of one value does not apply to lists`);
  if (filter.value === null) throw new Error(nullMatchError(col, filter));
  if (typeof filter.value !== "string") throw new Error(`${what}: expected a string`);
  if (col.kind === "bytes") return bytesMatchSql(builder, col, expression, filter, what);
  if (col.kind !== "text") throw new Error(`${what}: \`${filter.mode}\` needs a String field`);
  const value = filter.value;
  // graph-node's patterns: a `_contains` value that starts or ends with `%` is used as it is.
  let pattern: string;
  if (filter.mode === "starts_with") pattern = `${value}%`;
  else if (filter.mode === "ends_with") pattern = `%${value}`;
  else pattern = value.startsWith("%") || value.endsWith("%") ? value : `%${value}%`;
  const glob = builder.param(likeAsGlob(pattern, filter.nocase));
  return globCondition(expression, glob, filter.nocase, filter.negated);
}

/** graph-node's error for a null string match (relational_queries.rs:1376-1410, 1440-1455, 1700-1714). */
function nullMatchError(col: ColumnLayout, filter: Extract<EntityFilter, { kind: "match" }>): string {
  if (filter.mode !== "contains") {
    const operator = `${filter.negated ? "not " : ""}${filter.nocase ? "ilike" : "like"}`;
    return `Store error: unsupported filter \` ${operator} \` for value \`null\``;
  }
  const name = `${filter.negated ? "not_" : ""}contains`;
  if (filter.nocase && col.kind !== "text")
    return `Store error: unsupported filter \`${name}_nocase\` for value \`null\``;
  return `Failed to get entities from store: unsupported filter \`${name}\` for value \`null\``;
}

/**
 * A Bytes field, or a reference to a Bytes-id entity (whose filter input is a String): as in
 * graph-node, `_contains` is byte containment of the hex-decoded value, and the other filters,
 * which graph-node sends to PostgreSQL as LIKE on a bytea column, fail.
 */
function bytesMatchSql(
  builder: QueryBuilder,
  col: ColumnLayout,
  expression: string,
  filter: Extract<EntityFilter, { kind: "match" }>,
  what: string,
): string {
  const value = filter.value as string;
  if (filter.mode !== "contains") {
    const operator = `${filter.negated ? "!" : ""}~~${filter.nocase ? "*" : ""}`;
    throw new Error(`Failed to get entities from store: operator does not exist: bytea ${operator} text`);
  }
  if (filter.nocase) {
    const name = filter.negated ? "not_contains_nocase" : "contains_nocase";
    throw new Error(`Store error: unsupported filter \`${name}\` for value \`${value}\``);
  }
  const needle =
    col.field.type.kind === "scalar"
      ? encodeScalar("bytes", value, what)
      : Buffer.from(referenceHex(value, what), "hex");
  return `instr(${expression}, ${builder.param(needle)}) ${filter.negated ? "=" : ">"} 0`;
}

/** graph-node's decoding of a Bytes id given as a String: leading `0x`s dropped, then hex. */
function referenceHex(value: string, what: string): string {
  const hex = value.replace(/^(?:0x)+/, "");
  if (!/^(?:[0-9a-fA-F]{2})*$/.test(hex))
    throw new Error(`${what}: \`${value}\` is not hex bytes (an even number of hex digits, 0x optional)`);
  return hex;
}

function childFilterSql(
  builder: QueryBuilder,
  layout: TableLayout,
  alias: string,
  fieldName: string,
  filter: EntityFilter,
): string {
  const field = layout.entity.fieldsByName.get(fieldName);
  if (!field || field.type.kind !== "entity")
    throw new Error(`${layout.entity.name}.${fieldName} is not a reference to an entity`);
  const target = builder.layout(field.type.name);
  const child = builder.alias();
  const parentId = `${alias}."id"`;
  let link: string;
  if (field.derivedFrom !== null) {
    const back = column(target, field.derivedFrom);
    link = back.list
      ? `EXISTS (SELECT 1 FROM json_each(${child}.${back.column}) AS j WHERE ${jsonValueAsColumn(back.kind, "j.value")} = ${parentId})`
      : `${child}.${back.column} = ${parentId}`;
  } else {
    const col = column(layout, fieldName);
    link = col.list
      ? `${child}."id" IN (SELECT ${jsonValueAsColumn(col.kind, "value")} FROM json_each(${alias}.${col.column}))`
      : `${child}."id" = ${alias}.${col.column}`;
  }
  const condition = filterSql(builder, target, child, filter, 1);
  return `EXISTS (SELECT 1 FROM ${target.table} AS ${child} WHERE ${builder.visible(child)} AND ${link} AND ${condition})`;
}

function orderSql(builder: QueryBuilder, layout: TableLayout, alias: string, order?: EntityOrder): string {
  const direction = order?.direction === "desc" ? "DESC" : "ASC";
  const byId = `${alias}."id" ${direction}`;
  if (!order || (order.field === "id" && !order.childField)) return byId;
  const col = column(layout, order.field);
  if (col.list) throw new Error(`Ordering by \`${order.field}\` is not supported: it is a list`);
  let expression = `${alias}.${col.column}`;
  if (order.childField) {
    if (col.field.type.kind !== "entity")
      throw new Error(
        `Ordering by \`${order.field}__${order.childField}\`: ${order.field} is not a reference`,
      );
    const target = builder.layout(col.field.type.name);
    const childCol = column(target, order.childField);
    if (childCol.list)
      throw new Error(`Ordering by \`${order.field}__${order.childField}\` is not supported`);
    const child = builder.alias();
    expression = `(SELECT ${child}.${childCol.column} FROM ${target.table} AS ${child} WHERE ${child}."id" = ${expression} AND ${builder.visible(child)})`;
  }
  // PostgreSQL's (and so graph-node's) placement of nulls: last ascending, first descending.
  return `${expression} ${direction} NULLS ${direction === "ASC" ? "LAST" : "FIRST"}, ${byId}`;
}
