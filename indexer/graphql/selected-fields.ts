// The stored fields of an entity that a query field's selection reads, so that the store reads
// only those columns. Fragments are followed; directives are not evaluated (a field under
// `@skip`/`@include` is read either way: a superset is always correct). Derived fields need only
// the `id`, which is always read.
import { Kind, type FieldNode, type GraphQLResolveInfo, type SelectionSetNode } from "graphql";
import type { EntityModel } from "../schema/model.ts";
import { LruCache } from "./lru-cache.ts";

/** Per query field (graphql-js shares one fieldNodes array among a list's items). */
const byFieldNodes = new WeakMap<readonly FieldNode[], readonly string[]>();
/**
 * One array per distinct selection, so that the store's per-selection caches (column lists, SQL
 * texts) hit across requests; bounded, as the texts clients send.
 */
const interned = new WeakMap<EntityModel, LruCache<string, readonly string[]>>();
const INTERNED_SELECTIONS = 500;

/** The stored fields `info`'s selection reads of `entity`, with `id` and `also` (a stored field). */
export function selectedFields(
  entity: EntityModel,
  info: GraphQLResolveInfo,
  also?: string,
): readonly string[] {
  let fields = byFieldNodes.get(info.fieldNodes);
  if (!fields) {
    const names = new Set<string>(["id"]);
    const visited = new Set<string>();
    const collect = (set: SelectionSetNode | undefined) => {
      for (const selection of set?.selections ?? []) {
        if (selection.kind === Kind.FIELD) {
          const field = entity.fieldsByName.get(selection.name.value);
          if (field && field.derivedFrom === null) names.add(field.name);
        } else if (selection.kind === Kind.INLINE_FRAGMENT) {
          collect(selection.selectionSet);
        } else if (!visited.has(selection.name.value)) {
          visited.add(selection.name.value);
          collect(info.fragments[selection.name.value]?.selectionSet);
        }
      }
    };
    for (const node of info.fieldNodes) collect(node.selectionSet);
    fields = intern(entity, [...names].sort());
    byFieldNodes.set(info.fieldNodes, fields);
  }
  return also === undefined || fields.includes(also) ? fields : intern(entity, [...fields, also].sort());
}

function intern(entity: EntityModel, fields: string[]): readonly string[] {
  let cache = interned.get(entity);
  if (!cache) interned.set(entity, (cache = new LruCache(INTERNED_SELECTIONS)));
  const key = fields.join(",");
  const known = cache.get(key);
  if (known) return known;
  cache.set(key, fields);
  return fields;
}
