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

export function whereToFilter(specs: FilterSpecs, entity: string, where: WhereInput): EntityFilter {
  const filters: EntityFilter[] = [];
  const keys = Object.keys(where).filter((key) => where[key] !== undefined);
  if (keys.includes("or")) {
    const columns = keys.filter((key) => key !== "or");
    if (columns.length > 0)
      throw new GraphQLError(
        `Cannot mix column filters with 'or' operator at the same level. Found column filter(s) ${columns.join(", ")} alongside 'or' operator. Put them inside each 'or' branch, or combine with 'and'.`,
      );
  }
  for (const key of keys) {
    const value = where[key];
    if (key === "and" || key === "or") {
      if (value === null) continue;
      const parts = (value as WhereInput[]).map((part) => whereToFilter(specs, entity, part));
      filters.push({ kind: key, filters: parts });
    } else if (key === "_change_block") {
      if (value !== null)
        filters.push({ kind: "changed_since", block: (value as { number_gte: number }).number_gte });
    } else {
      filters.push(specFilter(specs, entity, key, value));
    }
  }
  return filters.length === 1 && filters[0] ? filters[0] : { kind: "and", filters };
}

function specFilter(specs: FilterSpecs, entity: string, key: string, value: unknown): EntityFilter {
  const spec = specs.get(entity)?.get(key);
  if (!spec) throw new GraphQLError(`Type \`${entity}_filter\` has no field \`${key}\``);
  if (value === null && spec.kind !== "compare")
    throw new GraphQLError(`Filter \`${key}\` needs a value, not null`);
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
