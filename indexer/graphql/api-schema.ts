// Builds the query schema graph-node generates for a subgraph (graph/src/schema/api.rs): per entity
// an object type, `<T>_filter` and `<T>_orderBy`, singular and plural root fields, and `_meta`. The
// Subscription root has the same fields as Query (see subscriptions.ts).
import {
  GraphQLBoolean,
  GraphQLEnumType,
  GraphQLID,
  GraphQLInputObjectType,
  GraphQLInt,
  GraphQLList,
  GraphQLNonNull,
  GraphQLObjectType,
  GraphQLSchema,
  GraphQLString,
  type GraphQLFieldConfig,
  type GraphQLFieldConfigArgumentMap,
  type GraphQLFieldConfigMap,
  type GraphQLInputFieldConfigMap,
  type GraphQLInputType,
  type GraphQLOutputType,
  type GraphQLScalarType,
} from "graphql";
import type { EntityModel, FieldModel, ScalarTypeName, SubgraphSchema } from "../schema/model.ts";
import { entityFieldResolver, metaResolver, pluralResolver, singularResolver } from "./entity-resolvers.ts";
import { DEFAULT_FIRST } from "./limits.ts";
import { LOG_TYPE_NAMES, LOGS_FIELD, logsField } from "./logs-field.ts";
import { rootFieldNames } from "./names.ts";
import type { QueryContext } from "./query-context.ts";
import { BigDecimalScalar, BigIntScalar, BytesScalar, Int8Scalar, TimestampScalar } from "./scalars.ts";
import type { FilterSpec } from "./where-filter.ts";

export interface ApiSchema {
  schema: GraphQLSchema;
  model: SubgraphSchema;
}

const SCALARS: Record<ScalarTypeName, GraphQLScalarType> = {
  ID: GraphQLID,
  String: GraphQLString,
  Int: GraphQLInt,
  Boolean: GraphQLBoolean,
  BigInt: BigIntScalar,
  BigDecimal: BigDecimalScalar,
  Bytes: BytesScalar,
  Int8: Int8Scalar,
  Timestamp: TimestampScalar,
};

const BUILT_IN_TYPE_NAMES = new Set([
  "Query",
  "Subscription",
  "Mutation",
  "_Meta_",
  "_Block_",
  "OrderDirection",
  "Block_height",
  "BlockChangedFilter",
  "_SubgraphErrorPolicy_",
  "Float",
  ...LOG_TYPE_NAMES,
]);

const OrderDirection = new GraphQLEnumType({
  name: "OrderDirection",
  description: "Defines the order direction, either ascending or descending",
  values: { asc: { value: "asc" }, desc: { value: "desc" } },
});

const SubgraphErrorPolicy = new GraphQLEnumType({
  name: "_SubgraphErrorPolicy_",
  values: {
    allow: { value: "allow", description: "Data will be returned even if the subgraph has indexing errors" },
    deny: {
      value: "deny",
      description: "If the subgraph has indexing errors, data will be omitted. The default.",
    },
  },
});

const BlockHeight = new GraphQLInputObjectType({
  name: "Block_height",
  fields: { hash: { type: BytesScalar }, number: { type: GraphQLInt }, number_gte: { type: GraphQLInt } },
});

const BlockChangedFilter = new GraphQLInputObjectType({
  name: "BlockChangedFilter",
  fields: { number_gte: { type: new GraphQLNonNull(GraphQLInt) } },
});

const Block = new GraphQLObjectType({
  name: "_Block_",
  fields: {
    hash: { type: BytesScalar, description: "The hash of the block" },
    number: { type: new GraphQLNonNull(GraphQLInt), description: "The block number" },
    timestamp: {
      type: GraphQLInt,
      description: "Integer representation of the timestamp stored in blocks for the chain",
    },
    parentHash: { type: BytesScalar, description: "The hash of the parent block" },
  },
});

// Not in graph-node's _meta (graph-node reports it through its separate index-node status API).
const IndexingError = new GraphQLObjectType({
  name: "_IndexingError_",
  description: "The error that failed the subgraph",
  fields: {
    message: { type: new GraphQLNonNull(GraphQLString) },
    block: { type: new GraphQLNonNull(Block), description: "The block whose handling failed" },
    handler: { type: GraphQLString, description: "The handler that failed, when known" },
  },
});

const Meta = new GraphQLObjectType({
  name: "_Meta_",
  description: "The type for the top-level _meta field",
  fields: {
    block: { type: new GraphQLNonNull(Block) },
    deployment: { type: new GraphQLNonNull(GraphQLString), description: "The deployment ID" },
    hasIndexingErrors: {
      type: new GraphQLNonNull(GraphQLBoolean),
      description: "If `true`, the subgraph encountered indexing errors at some past block",
    },
    indexingError: {
      type: IndexingError,
      description: "The error that failed the subgraph, if it failed at or before this block (an extension)",
    },
  },
});

const SCALAR_OPS = ["", "not", "gt", "lt", "gte", "lte", "in", "not_in"];
const STRING_OPS = [
  ...SCALAR_OPS,
  "contains",
  "contains_nocase",
  "not_contains",
  "not_contains_nocase",
  "starts_with",
  "starts_with_nocase",
  "not_starts_with",
  "not_starts_with_nocase",
  "ends_with",
  "ends_with_nocase",
  "not_ends_with",
  "not_ends_with_nocase",
];
const BYTES_OPS = [...SCALAR_OPS, "contains", "not_contains"];
const EQUALITY_OPS = ["", "not", "in", "not_in"];
const LIST_OPS = ["", "not", "contains", "not_contains"];
const LIST_NOCASE_OPS = [...LIST_OPS, "contains_nocase", "not_contains_nocase"];

const apiSchemas = new WeakMap<SubgraphSchema, ApiSchema>();

/** The query schema of a subgraph, built once per model. */
export function apiSchemaFor(model: SubgraphSchema): ApiSchema {
  let api = apiSchemas.get(model);
  if (!api) {
    api = buildApiSchema(model);
    apiSchemas.set(model, api);
  }
  return api;
}

function buildApiSchema(model: SubgraphSchema): ApiSchema {
  const taken = new Set([...BUILT_IN_TYPE_NAMES, ...Object.keys(SCALARS)]);
  const claim = (name: string) => {
    if (taken.has(name))
      throw new Error(`the subgraph schema's type ${name} clashes with a type of the query API`);
    taken.add(name);
  };

  const enums = new Map<string, GraphQLEnumType>();
  for (const [name, values] of model.enums) {
    claim(name);
    enums.set(
      name,
      new GraphQLEnumType({ name, values: Object.fromEntries(values.map((value) => [value, { value }])) }),
    );
  }

  const objects = new Map<string, GraphQLObjectType>();
  const filterTypes = new Map<string, GraphQLInputObjectType>();
  const orderTypes = new Map<string, GraphQLEnumType>();
  const specs = new Map<string, Map<string, FilterSpec>>();
  const entity = (name: string) => model.entities.get(name) as EntityModel;

  const baseInputType = (field: FieldModel): GraphQLInputType => {
    if (field.type.kind === "scalar") return SCALARS[field.type.scalar];
    if (field.type.kind === "enum") return enums.get(field.type.name) as GraphQLEnumType;
    return GraphQLString; // references are filtered by the referenced id, as text
  };

  const collectionArgs = (target: string): GraphQLFieldConfigArgumentMap => ({
    skip: { type: GraphQLInt, defaultValue: 0 },
    first: { type: GraphQLInt, defaultValue: DEFAULT_FIRST },
    orderBy: { type: orderTypes.get(target) as GraphQLEnumType },
    orderDirection: { type: OrderDirection },
    where: { type: filterTypes.get(target) as GraphQLInputObjectType },
  });

  for (const type of model.entities.values()) {
    claim(type.name);
    claim(`${type.name}_filter`);
    claim(`${type.name}_orderBy`);
    const entitySpecs = filterSpecs(model, type);
    specs.set(type.name, entitySpecs);

    filterTypes.set(
      type.name,
      new GraphQLInputObjectType({
        name: `${type.name}_filter`,
        fields: (): GraphQLInputFieldConfigMap => {
          const fields: GraphQLInputFieldConfigMap = {};
          for (const [key, spec] of entitySpecs) {
            if (spec.kind === "child") {
              fields[key] = { type: filterTypes.get(spec.entity) as GraphQLInputObjectType };
              continue;
            }
            const field = type.fieldsByName.get(spec.field) as FieldModel;
            const base = baseInputType(field);
            const listValued = spec.kind === "in" || spec.kind === "list_contains" || field.list;
            fields[key] = { type: listValued ? new GraphQLList(new GraphQLNonNull(base)) : base };
          }
          fields._change_block = {
            type: BlockChangedFilter,
            description: "Filter for the block changed event.",
          };
          fields.and = { type: new GraphQLList(filterTypes.get(type.name) as GraphQLInputObjectType) };
          fields.or = { type: new GraphQLList(filterTypes.get(type.name) as GraphQLInputObjectType) };
          return fields;
        },
      }),
    );

    orderTypes.set(
      type.name,
      new GraphQLEnumType({ name: `${type.name}_orderBy`, values: orderValues(model, type) }),
    );

    objects.set(
      type.name,
      new GraphQLObjectType<unknown, QueryContext>({
        name: type.name,
        fields: (): GraphQLFieldConfigMap<unknown, QueryContext> => {
          const fields: GraphQLFieldConfigMap<unknown, QueryContext> = {};
          for (const field of type.fields) {
            const target = field.type.kind === "entity" ? entity(field.type.name) : null;
            const base: GraphQLOutputType =
              field.type.kind === "scalar"
                ? SCALARS[field.type.scalar]
                : field.type.kind === "enum"
                  ? (enums.get(field.type.name) as GraphQLEnumType)
                  : (objects.get(field.type.name) as GraphQLObjectType);
            const config: GraphQLFieldConfig<unknown, QueryContext> = {
              type: outputType(field, base),
              resolve: entityFieldResolver(field, specs, target),
            };
            if (target && field.list) config.args = collectionArgs(target.name);
            fields[field.name] = config;
          }
          return fields;
        },
      }),
    );
  }

  const rootFields: GraphQLFieldConfigMap<unknown, QueryContext> = {};
  const addRoot = (name: string, config: GraphQLFieldConfig<unknown, QueryContext>) => {
    if (name in rootFields) throw new Error(`two entity types both need the query field ${name}`);
    rootFields[name] = config;
  };
  const errorPolicyArg = {
    type: new GraphQLNonNull(SubgraphErrorPolicy),
    defaultValue: "deny",
    description: "Set to `allow` to receive data even if the subgraph has skipped over errors while syncing.",
  };
  for (const type of model.entities.values()) {
    const { singular, plural } = rootFieldNames(type.name);
    const object = objects.get(type.name) as GraphQLObjectType;
    addRoot(singular, {
      type: object,
      args: {
        id: { type: new GraphQLNonNull(GraphQLID) },
        block: { type: BlockHeight },
        subgraphError: errorPolicyArg,
      },
      resolve: singularResolver(type),
    });
    addRoot(plural, {
      type: new GraphQLNonNull(new GraphQLList(new GraphQLNonNull(object))),
      args: { ...collectionArgs(type.name), block: { type: BlockHeight }, subgraphError: errorPolicyArg },
      resolve: pluralResolver(type, specs),
    });
  }
  addRoot("_meta", {
    type: Meta,
    description: "Access to subgraph metadata",
    args: { block: { type: BlockHeight } },
    resolve: metaResolver,
  });
  addRoot(LOGS_FIELD, logsField(OrderDirection) as GraphQLFieldConfig<unknown, QueryContext>);

  const schema = new GraphQLSchema({
    query: new GraphQLObjectType({ name: "Query", fields: rootFields }),
    subscription: new GraphQLObjectType({ name: "Subscription", fields: rootFields }),
    types: [...filterTypes.values()],
  });
  return { schema, model };
}

function outputType(field: FieldModel, base: GraphQLOutputType): GraphQLOutputType {
  if (!field.list) return field.nullable ? base : new GraphQLNonNull(base);
  const list = new GraphQLList(field.itemsNullable ? base : new GraphQLNonNull(base));
  return field.nullable ? list : new GraphQLNonNull(list);
}

/** The `where` keys of an entity type and what each means (graph-node's field_filter_ops). */
function filterSpecs(model: SubgraphSchema, type: EntityModel): Map<string, FilterSpec> {
  const specs = new Map<string, FilterSpec>();
  const add = (key: string, spec: FilterSpec) => {
    if (specs.has(key) || key === "and" || key === "or" || key === "_change_block")
      throw new Error(`${type.name}: the filter \`${key}\` would be generated twice; rename the field`);
    specs.set(key, spec);
  };
  for (const field of type.fields) {
    const target = field.type.kind === "entity" ? model.entities.get(field.type.name) : undefined;
    if (target) add(`${field.name}_`, { kind: "child", field: field.name, entity: target.name });
    if (field.derivedFrom !== null) continue;
    for (const op of filterOps(field, target)) {
      add(op === "" ? field.name : `${field.name}_${op}`, opSpec(field, op));
    }
  }
  return specs;
}

function filterOps(field: FieldModel, target: EntityModel | undefined): string[] {
  if (field.list) {
    const caseless =
      (field.type.kind === "scalar" && field.type.scalar === "String") ||
      (target !== undefined && target.idType !== "Bytes");
    return caseless ? LIST_NOCASE_OPS : LIST_OPS;
  }
  if (field.type.kind === "enum") return EQUALITY_OPS;
  if (field.type.kind === "entity") return STRING_OPS;
  switch (field.type.scalar) {
    case "Boolean":
      return EQUALITY_OPS;
    case "String":
      return STRING_OPS;
    case "Bytes":
      return BYTES_OPS;
    default:
      return SCALAR_OPS;
  }
}

function opSpec(field: FieldModel, op: string): FilterSpec {
  const name = field.name;
  if (op === "") return { kind: "compare", field: name, op: "eq" };
  if (op === "not" || op === "gt" || op === "lt" || op === "gte" || op === "lte")
    return { kind: "compare", field: name, op };
  if (op === "in" || op === "not_in") return { kind: "in", field: name, negated: op === "not_in" };
  const negated = op.startsWith("not_");
  const nocase = op.endsWith("_nocase");
  const mode = op.replace(/^not_/, "").replace(/_nocase$/, "") as "contains" | "starts_with" | "ends_with";
  if (field.list) return { kind: "list_contains", field: name, negated, nocase };
  return { kind: "match", field: name, mode, negated, nocase };
}

/**
 * `<T>_orderBy`: every field, and `ref__field` for the fields of a referenced entity, as graph-node
 * lists them (graph/src/schema/api.rs:532-603). Ordering by an enum, reference, list or derived field
 * (or `ref__enumField`) is an error at run time there (graphql/src/store/query.rs:568-647), so these
 * carry `unsupported`: the field and type the error names.
 */
function orderValues(model: SubgraphSchema, type: EntityModel) {
  const values: Record<string, { value: OrderByValue }> = {};
  const sortable = (field: FieldModel) => !field.list && field.derivedFrom === null;
  const unsupported = (field: FieldModel, owner: EntityModel) =>
    field.type.kind === "scalar" && sortable(field)
      ? {}
      : { unsupported: { field: field.name, type: owner.name } };
  for (const field of type.fields) {
    values[field.name] = { value: { field: field.name, ...unsupported(field, type) } };
    if (field.type.kind !== "entity" || !sortable(field)) continue;
    const target = model.entities.get(field.type.name) as EntityModel;
    for (const child of target.fields.filter(sortable)) {
      if (child.type.kind === "entity") continue;
      values[`${field.name}__${child.name}`] = {
        value: { field: field.name, childField: child.name, ...unsupported(child, target) },
      };
    }
  }
  return values;
}

/** The value of an `<T>_orderBy` enum member, as the resolvers receive it. */
export interface OrderByValue {
  field: string;
  childField?: string;
  unsupported?: { field: string; type: string };
}
