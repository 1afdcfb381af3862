// A filter written as graph-node's Display of EntityFilter writes it
// (graph/src/components/store/mod.rs:148-190), for the error messages that quote a filter.
import type { EntityModel, SubgraphSchema } from "../schema/model.ts";
import type { EntityFilter } from "./entity-query.ts";
import type { Value } from "./types.ts";

const COMPARE_TEXT = { eq: "=", not: "!=", gt: ">", lt: "<", gte: ">=", lte: "<=" } as const;

export function filterText(schema: SubgraphSchema, entity: EntityModel, filter: EntityFilter): string {
  switch (filter.kind) {
    case "and":
    case "or":
      return filter.filters.map((part) => filterText(schema, entity, part)).join(` ${filter.kind} `);
    case "compare":
      return `${filter.field} ${COMPARE_TEXT[filter.op]} ${valueText(filter.value)}`;
    case "in":
      return `${filter.field} ${filter.negated ? "not in" : "in"} (${filter.values.map(valueText).join(",")})`;
    case "match": {
      const value = valueText(filter.value);
      const shape =
        filter.mode === "contains"
          ? `*${value}*`
          : filter.mode === "starts_with"
            ? `^${value}*`
            : `*${value}$`;
      return `${filter.field} ${filter.negated ? "!~" : "~"} ${shape}${filter.nocase ? "i" : ""}`;
    }
    case "list_contains":
      return `${filter.field} ${filter.negated ? "!~" : "~"} *${valueText(filter.values)}*${filter.nocase ? "i" : ""}`;
    case "changed_since":
      return `block >= ${filter.block}`;
    case "child": {
      const { attribute, target } = childLink(schema, entity, filter.field);
      return `join on ${attribute} with ${target.name}(${filterText(schema, target, filter.filter)})`;
    }
  }
}

/** graph-node's Child.attr (the field the join uses: the derivedFrom field if derived) and type. */
export function childLink(
  schema: SubgraphSchema,
  entity: EntityModel,
  fieldName: string,
): { attribute: string; target: EntityModel } {
  const field = entity.fieldsByName.get(fieldName);
  const target = field?.type.kind === "entity" ? schema.entities.get(field.type.name) : undefined;
  if (!field || !target) throw new Error(`${entity.name}.${fieldName} is not a reference to an entity`);
  return { attribute: field.derivedFrom ?? field.name, target };
}

function valueText(value: Value): string {
  if (Array.isArray(value)) return `[${value.map(valueText).join(", ")}]`;
  return value === null ? "null" : String(value);
}
