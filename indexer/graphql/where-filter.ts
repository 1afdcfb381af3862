// Turns a coerced `where` argument into the store's EntityFilter. Each `<field>_<suffix>` key was
// generated with a FilterSpec that says what it means, so no key is parsed from its text here.
import { GraphQLError } from "graphql";
import type { CompareOp, EntityFilter } from "../store/entity-query.ts";
import type { Value } from "../store/types.ts";

export type FilterSpec =
  | { kind: "compare"; field: string; op: CompareOp }
  | { kind: "in"; field: string; negated: boolean }
  | {
      kind: "match";
      field: string;
      mode: "contains" | "starts_with" | "ends_with";
      negated: boolean;
      nocase: boolean;
    }
  | { kind: "list_contains"; field: string; negated: boolean; nocase: boolean }
  | { kind: "child"; field: string; entity: string };

/** Filter specs by entity type, then by `where` key. */
export type FilterSpecs = ReadonlyMap<string, ReadonlyMap<string, FilterSpec>>;

type WhereInput = Record<string, unknown>;

/**
 * As graph-node's build_filter_from_object (graphql/src/store/query.rs:239-306): keys in sorted
 * order; `and` and `or` each take their list from every key of the object, so a column filter or
 * `_change_block` beside them is "Filter must by an object", and `{and: A, or: B}` means A and B.
 */
export function whereToFilter(specs: FilterSpecs, entity: string, where: WhereInput): EntityFilter {
  const keys = Object.keys(where)
    .filter((key) => where[key] !== undefined)
    .sort();
  if (keys.includes("or")) {
    const columns = keys.filter((key) => key !== "or" && key !== "and" && key !== "_change_block");
    if (columns.length > 0) {
      const list = columns.map((key) => `'${key}'`).join(", ");
      throw new GraphQLError(
        `Cannot mix column filters with 'or' operator at the same level. Found column filter(s) ${list} alongside 'or' operator.\n\n` +
          `Instead of:\nwhere: { ${list}, or: [...] }\n\nUse:\nwhere: { or: [{ ${list}, ... }, { ${list}, ... }] }`,
      );
    }
  }
  const filters = keys.map((key): EntityFilter => {
    const value = where[key];
    if (key === "and" || key === "or") {
      const parts = keys.flatMap((other) => listFilters(specs, entity, where[other]));
      return { kind: key, filters: parts };
    }
    if (key === "_change_block") {
      const block = (value as { number_gte?: unknown } | null)?.number_gte;
      if (typeof block !== "number") throw new GraphQLError(INVALID_FILTER);
      return { kind: "changed_since", block };
    }
    return specFilter(specs, entity, key, value);
  });
  return filters.length === 1 && filters[0] ? filters[0] : { kind: "and", filters };
}

/** graph-node's InvalidFilterError text (graph/src/data/query/error.rs:227), typo included. */
const INVALID_FILTER = "Filter must by an object";

/** One `and`/`or` operand list: each element a `where` object. */
function listFilters(specs: FilterSpecs, entity: string, value: unknown): EntityFilter[] {
  if (!Array.isArray(value)) throw new GraphQLError(INVALID_FILTER);
  return value.map((part: unknown) => {
    if (part === null || typeof part !== "object" || Array.isArray(part))
      throw new GraphQLError(INVALID_FILTER);
    return whereToFilter(specs, entity, part as WhereInput);
  });
}

function specFilter(specs: FilterSpecs, entity: string, key: string, value: unknown): EntityFilter {
  const spec = specs.get(entity)?.get(key);
  if (!spec) throw new GraphQLError(`Type \`${entity}_filter\` has no field \`${key}\``);
  const nullError = value === null ? nullValueError(spec, key) : null;
  if (nullError) throw nullError;
  switch (spec.kind) {
    case "compare":
      return { kind: "compare", field: spec.field, op: spec.op, value: value as Value };
    case "in":
      return { kind: "in", field: spec.field, negated: spec.negated, values: value as Value[] };
    case "match":
      return {
        kind: "match",
        field: spec.field,
        mode: spec.mode,
        negated: spec.negated,
        nocase: spec.nocase,
        value: value as Value,
      };
    case "list_contains":
      return {
        kind: "list_contains",
        field: spec.field,
        negated: spec.negated,
        nocase: spec.nocase,
        values: value as Value[],
      };
    case "child":
      return {
        kind: "child",
        field: spec.field,
        filter: whereToFilter(specs, spec.entity, value as WhereInput),
      };
  }
}

/**
 * graph-node's error for a null value (graphql/src/store/query.rs:157-192, 416-438); a null in a
 * comparison or a string match fails in the store, which knows the column's type.
 */
function nullValueError(spec: FilterSpec, key: string): GraphQLError | null {
  switch (spec.kind) {
    case "compare":
    case "match":
      return null;
    case "in":
      return new GraphQLError(`Non-list value passed to \`${spec.negated ? "_not_in" : "_in"}\` filter`);
    case "list_contains":
      return new GraphQLError(
        `Failed to get entities from store: unsupported filter \`${spec.negated ? "not_contains" : "contains"}\` for value \`null\``,
      );
    case "child":
      return new GraphQLError(`Filter \`${key}\` needs a value, not null`);
  }
}
