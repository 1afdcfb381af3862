// Resolvers of the query schema. They run synchronously against the store (better-sqlite3 is
// synchronous), so a whole query executes in one turn of the event loop and sees one state of the
// store. Every entity object carries the block it was read at; nested fields read at that block.
import { GraphQLError, type GraphQLFieldResolver } from "graphql";
import type { EntityModel, FieldModel } from "../schema/model.ts";
import type { EntityFilter, EntityOrder } from "../store/entity-query.ts";
import type { EntityData, Value } from "../store/types.ts";
import type { OrderByValue } from "./api-schema.ts";
import { LocatedFieldError } from "./graph-node-errors.ts";
import { withLiftedWhere } from "./lifted-filters.ts";
import { DEFAULT_FIRST, MAX_FIRST, MAX_SKIP } from "./limits.ts";
import type { BlockHeightInput, ErrorPolicy, QueryContext } from "./query-context.ts";
import { normalizeBytesInput } from "./scalars.ts";
import { whereToFilter, type FilterSpecs } from "./where-filter.ts";

export interface EntitySource {
  entity: string;
  data: EntityData;
  block: number;
  /**
   * The entities read with this one, at the same level of the query (itself included): a
   * reference field resolved on one of them is read for all of them in one store query.
   */
  siblings?: readonly EntitySource[];
}

export interface CollectionArgs {
  skip?: number | null;
  first?: number | null;
  orderBy?: OrderByValue | null;
  orderDirection?: "asc" | "desc" | null;
  where?: Record<string, unknown> | null;
}

interface RootArgs {
  block?: BlockHeightInput | null;
  subgraphError?: ErrorPolicy | null;
}

type Resolver<Args> = GraphQLFieldResolver<unknown, QueryContext, Args>;

/** graph-node's check and message: `first` from 1, `skip` from 0 (graphql/src/store/query.rs). */
function checkRange(argument: string, value: number, min: number, max: number): void {
  if (value < min || value > max)
    throw new GraphQLError(`The \`${argument}\` argument must be between 0 and ${max}, but is ${value}`);
}

/** As graph-node, a direction without `orderBy` is ignored: the default order is by id, ascending. */
function entityOrder(args: CollectionArgs): EntityOrder {
  if (!args.orderBy) return { field: "id", direction: "asc" };
  const { field, childField, unsupported } = args.orderBy;
  if (unsupported) {
    throw new GraphQLError(
      `Ordering by \`${unsupported.field}\` is not supported for type \`${unsupported.type}\``,
    );
  }
  return { field, ...(childField ? { childField } : {}), direction: args.orderDirection ?? "asc" };
}

function findCollection(
  context: QueryContext,
  specs: FilterSpecs,
  entity: string,
  args: CollectionArgs,
  block: number,
  link?: EntityFilter,
): EntitySource[] {
  const first = args.first ?? DEFAULT_FIRST;
  const skip = args.skip ?? 0;
  checkRange("first", first, 1, MAX_FIRST);
  checkRange("skip", skip, 0, MAX_SKIP);
  const filters: EntityFilter[] = [];
  if (link) filters.push(link);
  if (args.where) filters.push(whereToFilter(specs, entity, args.where));
  const filter = filters.length <= 1 ? filters[0] : { kind: "and" as const, filters };
  const order = entityOrder(args);
  const rows = context.store.findEntities({ entity, block, filter, order, first, skip });
  context.countEntities(rows.length);
  return withSiblings(entity, rows, block);
}

function withSiblings(entity: string, rows: EntityData[], block: number): EntitySource[] {
  const sources: EntitySource[] = [];
  for (const data of rows) sources.push({ entity, data, block, siblings: sources });
  return sources;
}

/** Per query: entities read by reference, by type, block and id (null: not there at that block). */
const referencesRead = new WeakMap<QueryContext, Map<string, EntitySource | null>>();

/**
 * The entity a reference field of `parent` points to. With siblings, every sibling's reference
 * in that field is read at once (one `id IN (...)` query per level, as graph-node does); the
 * query's later references to them are then answered from what was read.
 */
function referenced(
  context: QueryContext,
  target: string,
  field: string,
  parent: EntitySource,
  id: string,
): EntitySource | null {
  const siblings = parent.siblings;
  if (!siblings || siblings.length < 2) {
    const data = context.store.getEntity(target, id, parent.block);
    return data ? { entity: target, data, block: parent.block } : null;
  }
  let read = referencesRead.get(context);
  if (!read) referencesRead.set(context, (read = new Map()));
  const key = (ref: string) => `${target}\n${parent.block}\n${ref}`;
  const known = read.get(key(id));
  if (known !== undefined) return known;
  const ids = new Set<string>();
  for (const sibling of siblings) {
    const ref = sibling.data[field];
    if (typeof ref === "string" && !read.has(key(ref))) ids.add(ref);
  }
  const rows = context.store.findEntities({
    entity: target,
    block: parent.block,
    filter: { kind: "in", field: "id", negated: false, values: [...ids] },
    order: { field: "id", direction: "asc" },
    first: ids.size,
    skip: 0,
  });
  for (const source of withSiblings(target, rows, parent.block))
    read.set(key(source.data.id as string), source);
  for (const ref of ids) if (!read.has(key(ref))) read.set(key(ref), null);
  return read.get(key(id)) ?? null;
}

function entityIdInput(entity: EntityModel, id: string): string {
  return entity.idType === "Bytes" ? normalizeBytesInput(id) : id;
}

export function singularResolver(entity: EntityModel): Resolver<RootArgs & { id: string }> {
  return (_root, args, context, info) => {
    const block = context.rootBlock(info, args.block, args.subgraphError ?? undefined);
    const data = context.store.getEntity(entity.name, entityIdInput(entity, args.id), block);
    if (!data) return null;
    context.countEntities(1);
    return { entity: entity.name, data, block } satisfies EntitySource;
  };
}

export function pluralResolver(entity: EntityModel, specs: FilterSpecs): Resolver<RootArgs & CollectionArgs> {
  return (_root, args, context, info) => {
    const block = context.rootBlock(info, args.block, args.subgraphError ?? undefined);
    return findCollection(context, specs, entity.name, withLiftedWhere(args, info), block);
  };
}

export const metaResolver: Resolver<{ block?: BlockHeightInput | null }> = (_root, args, context, info) => {
  const number = context.rootBlock(info, args.block, "allow");
  // As graph-node: asked for a block number, it has no hash to give (nor timestamp, parent hash).
  const byNumber = (args.block?.hash ?? null) === null && typeof args.block?.number === "number";
  const pointer = byNumber
    ? undefined
    : context.latest?.number === number
      ? context.latest
      : context.store.recentBlocks(number, 1).find((block) => block.number === number);
  return {
    block: {
      number,
      hash: pointer?.hash ?? null,
      timestamp: pointer?.timestamp ?? null,
      parentHash: pointer?.parentHash ?? null,
    },
    deployment: context.store.deployment,
    hasIndexingErrors: context.hasIndexingErrors(number),
    indexingError: context.hasIndexingErrors(number) ? context.failure : null,
  };
};

/** The resolver of one field of an entity object type. */
export function entityFieldResolver(
  field: FieldModel,
  specs: FilterSpecs,
  target: EntityModel | null,
): Resolver<CollectionArgs> {
  const name = field.name;
  if (!target) return (source) => (source as EntitySource).data[name] ?? null;

  if (field.derivedFrom !== null) {
    const back = target.fieldsByName.get(field.derivedFrom);
    return (source, args, context, info) => {
      const parent = source as EntitySource;
      const id = parent.data.id as string;
      const link: EntityFilter = back?.list
        ? {
            kind: "list_contains",
            field: field.derivedFrom as string,
            negated: false,
            nocase: false,
            values: [id],
          }
        : { kind: "compare", field: field.derivedFrom as string, op: "eq", value: id };
      if (field.list)
        return findCollection(context, specs, target.name, withLiftedWhere(args, info), parent.block, link);
      const found = findCollection(context, specs, target.name, { first: 2 }, parent.block, link);
      // As graph-node (graphql/src/store/resolver.rs:311-340): two entities pointing back is an error.
      if (found.length > 1)
        throw new LocatedFieldError(
          `Ambiguous result for derived field \`${name}\`: Multiple \`${target.name}\` entities refer back via \`${field.derivedFrom}\``,
        );
      return found[0] ?? null;
    };
  }

  if (field.list) {
    return (source, args, context, info) => {
      const parent = source as EntitySource;
      const ids = parent.data[name] as Value[] | null;
      if (ids === null || ids === undefined) return null;
      const link: EntityFilter = {
        kind: "in",
        field: "id",
        negated: false,
        values: ids.filter((id) => id !== null),
      };
      return findCollection(context, specs, target.name, withLiftedWhere(args, info), parent.block, link);
    };
  }

  return (source, _args, context) => {
    const parent = source as EntitySource;
    const id = parent.data[name];
    if (typeof id !== "string") return null;
    const found = referenced(context, target.name, name, parent, id);
    if (found) context.countEntities(1);
    return found;
  };
}
