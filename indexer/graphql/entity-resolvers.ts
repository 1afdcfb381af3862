// Resolvers of the query schema. They run synchronously against the store (better-sqlite3 is
// synchronous), so a whole query executes in one turn of the event loop and sees one state of the
// store. Every entity object carries the block it was read at; nested fields read at that block.
import { GraphQLError, type FieldNode, type GraphQLFieldResolver, type GraphQLResolveInfo } from "graphql";
import type { EntityModel, FieldModel } from "../schema/model.ts";
import type { EntityFilter, EntityOrder, EntityQuery } from "../store/entity-query.ts";
import type { EntityData, Value } from "../store/types.ts";
import type { OrderByValue } from "./api-schema.ts";
import { LocatedFieldError } from "./graph-node-errors.ts";
import { withLiftedWhere } from "./lifted-filters.ts";
import { DEFAULT_FIRST, MAX_FIRST, MAX_SKIP } from "./limits.ts";
import type { BlockHeightInput, ErrorPolicy, QueryContext } from "./query-context.ts";
import { normalizeBytesInput } from "./scalars.ts";
import { selectedFields } from "./selected-fields.ts";
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

/** The store query of a collection field's arguments; `link` ties it to its parent(s). */
function collectionQuery(
  specs: FilterSpecs,
  entity: string,
  args: CollectionArgs,
  block: number,
  fields: readonly string[],
  link?: EntityFilter,
): EntityQuery {
  const first = args.first ?? DEFAULT_FIRST;
  const skip = args.skip ?? 0;
  checkRange("first", first, 1, MAX_FIRST);
  checkRange("skip", skip, 0, MAX_SKIP);
  const filters: EntityFilter[] = [];
  if (link) filters.push(link);
  if (args.where) filters.push(whereToFilter(specs, entity, args.where));
  const filter = filters.length <= 1 ? filters[0] : { kind: "and" as const, filters };
  return { entity, block, filter, order: entityOrder(args), first, skip, fields };
}

function findCollection(
  context: QueryContext,
  specs: FilterSpecs,
  entity: string,
  args: CollectionArgs,
  block: number,
  fields: readonly string[],
  link?: EntityFilter,
): EntitySource[] {
  const rows = context.store.findEntities(collectionQuery(specs, entity, args, block, fields, link));
  context.countEntities(rows.length);
  return withSiblings(entity, rows, block);
}

/**
 * A derived field's entities of every sibling of `parent` (same level, same block), read at once:
 * one query per level, each parent's `first`/`skip` applied per parent (perValueOf), kept per
 * sibling group and query field (graphql-js resolves a list's items with one fieldNodes array).
 * An error is kept too, and raised for each parent, as reading per parent would.
 */
const derivedRead = new WeakMap<
  readonly EntitySource[],
  Map<readonly FieldNode[], Map<string, EntitySource[]> | { error: unknown }>
>();

interface DerivedRead {
  specs: FilterSpecs;
  target: EntityModel;
  /** The field of `target` that the derived field is derived from. */
  back: string;
  backIsList: boolean;
  args: CollectionArgs;
}

function derivedOfParent(
  context: QueryContext,
  { specs, target, back, backIsList, args }: DerivedRead,
  parent: EntitySource,
  info: GraphQLResolveInfo,
): EntitySource[] {
  const id = parent.data.id as string;
  const link: EntityFilter = backIsList
    ? { kind: "list_contains", field: back, negated: false, nocase: false, values: [id] }
    : { kind: "compare", field: back, op: "eq", value: id };
  const fields = selectedFields(target, info);
  return findCollection(context, specs, target.name, args, parent.block, fields, link);
}

function derivedOfSiblings(
  context: QueryContext,
  read: DerivedRead,
  parent: EntitySource,
  siblings: readonly EntitySource[],
  info: GraphQLResolveInfo,
): EntitySource[] {
  let byField = derivedRead.get(siblings);
  if (!byField) derivedRead.set(siblings, (byField = new Map()));
  let found = byField.get(info.fieldNodes);
  if (!found) {
    try {
      found = readDerived(context, read, siblings, info);
    } catch (error) {
      found = { error };
    }
    byField.set(info.fieldNodes, found);
  }
  if (!(found instanceof Map)) throw found.error;
  const children = found.get(parent.data.id as string) ?? [];
  context.countEntities(children.length);
  return children;
}

function readDerived(
  context: QueryContext,
  { specs, target, back, args }: DerivedRead,
  siblings: readonly EntitySource[],
  info: GraphQLResolveInfo,
): Map<string, EntitySource[]> {
  const block = siblings[0]!.block;
  const ids = [...new Set(siblings.map((sibling) => sibling.data.id as string))];
  const link: EntityFilter = { kind: "in", field: back, negated: false, values: ids };
  const fields = selectedFields(target, info, back);
  const query = collectionQuery(specs, target.name, args, block, fields, link);
  const rows = context.store.findEntities({ ...query, perValueOf: back });
  const children = new Map<string, EntitySource[]>();
  // One sibling group for all of them: their own references are then read at once too.
  for (const source of withSiblings(target.name, rows, block)) {
    const parentId = source.data[back] as string;
    const list = children.get(parentId);
    if (list) list.push(source);
    else children.set(parentId, [source]);
  }
  return children;
}

function withSiblings(entity: string, rows: EntityData[], block: number): EntitySource[] {
  const sources: EntitySource[] = [];
  for (const data of rows) sources.push({ entity, data, block, siblings: sources });
  return sources;
}

/**
 * Per query: entities read by reference, by the fields read (one interned array per type and
 * selection), then by type, block and id (null: not there at that block).
 */
const referencesRead = new WeakMap<QueryContext, Map<readonly string[], Map<string, EntitySource | null>>>();

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
  fields: readonly string[],
): EntitySource | null {
  const siblings = parent.siblings;
  if (!siblings || siblings.length < 2) {
    const data = context.store.findEntity(target, id, parent.block, fields);
    return data ? { entity: target, data, block: parent.block } : null;
  }
  let bySelection = referencesRead.get(context);
  if (!bySelection) referencesRead.set(context, (bySelection = new Map()));
  let read = bySelection.get(fields);
  if (!read) bySelection.set(fields, (read = new Map()));
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
    fields,
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
    const id = entityIdInput(entity, args.id);
    const data = context.store.findEntity(entity.name, id, block, selectedFields(entity, info));
    if (!data) return null;
    context.countEntities(1);
    return { entity: entity.name, data, block } satisfies EntitySource;
  };
}

export function pluralResolver(entity: EntityModel, specs: FilterSpecs): Resolver<RootArgs & CollectionArgs> {
  return (_root, args, context, info) => {
    const block = context.rootBlock(info, args.block, args.subgraphError ?? undefined);
    const fields = selectedFields(entity, info);
    return findCollection(context, specs, entity.name, withLiftedWhere(args, info), block, fields);
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
    const backName = field.derivedFrom;
    return (source, args, context, info) => {
      const parent = source as EntitySource;
      const read: DerivedRead = {
        specs,
        target,
        back: backName,
        backIsList: back?.list ?? false,
        args: field.list ? withLiftedWhere(args, info) : { first: 2 },
      };
      // A plain back reference is read for all siblings at once; a list one per parent.
      const siblings = parent.siblings;
      const found =
        !read.backIsList && siblings && siblings.length > 1
          ? derivedOfSiblings(context, read, parent, siblings, info)
          : derivedOfParent(context, read, parent, info);
      if (field.list) return found;
      // As graph-node (graphql/src/store/resolver.rs:311-340): two entities pointing back is an error.
      if (found.length > 1)
        throw new LocatedFieldError(
          `Ambiguous result for derived field \`${name}\`: Multiple \`${target.name}\` entities refer back via \`${backName}\``,
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
      const where = withLiftedWhere(args, info);
      return findCollection(
        context,
        specs,
        target.name,
        where,
        parent.block,
        selectedFields(target, info),
        link,
      );
    };
  }

  return (source, _args, context, info) => {
    const parent = source as EntitySource;
    const id = parent.data[name];
    if (typeof id !== "string") return null;
    const found = referenced(context, target.name, name, parent, id, selectedFields(target, info));
    if (found) context.countEntities(1);
    return found;
  };
}
