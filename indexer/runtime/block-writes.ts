// The writes of the block being handled, with graph-node's entity-cache semantics
// (graph/src/components/store/entity_cache.rs): a store.set is an update merged into the entity
// (fields left out keep their value, fields set to null are removed), several in one block
// accumulate, store.get sees the merged entity, store.get_in_block only what this block set, and a
// save that changes nothing writes no version.
import type { EntityChange, EntityData, Value } from "../store/types.ts";
import type { EntityShape } from "./entity-shapes.ts";
import { HandlerError } from "./handler-error.ts";
import { checkComplete } from "./store-values.ts";

/** The entity as of the previous block (the store's latest), or null. */
export type LoadStored = (entity: string, id: string) => EntityData | null;

/** Per entity type and id: the data, or null once removed in this block. */
type Table = Map<string, Map<string, EntityData | null>>;

function entry(table: Table, entity: string): Map<string, EntityData | null> {
  let byId = table.get(entity);
  if (!byId) table.set(entity, (byId = new Map()));
  return byId;
}

/** merge_remove_null_fields (data/store/mod.rs:1027-1049): the update wins, its nulls remove. */
function mergeRemovingNulls(base: EntityData | null, update: EntityData): EntityData {
  // Built without `delete` (which leaves a slow object), in the order a copy of the base with the
  // update applied has: the base's fields in place, then the update's new ones.
  const merged: EntityData = {};
  if (base) {
    for (const name in base) {
      if (!Object.hasOwn(update, name)) merged[name] = base[name]!;
      else if (update[name] !== null) merged[name] = update[name]!;
    }
  }
  for (const name in update) {
    if (update[name] !== null && !(base && Object.hasOwn(base, name))) merged[name] = update[name]!;
  }
  return merged;
}

function sameValue(a: Value | undefined, b: Value | undefined): boolean {
  if (a === undefined || a === null || b === undefined || b === null) return (a ?? null) === (b ?? null);
  if (Array.isArray(a) || Array.isArray(b)) {
    return (
      Array.isArray(a) &&
      Array.isArray(b) &&
      a.length === b.length &&
      a.every((element, index) => sameValue(element, b[index]))
    );
  }
  return a === b;
}

/** Equal field by field, a missing field counting as null (the store returns every column). */
function sameEntity(a: EntityData, b: EntityData): boolean {
  for (const name of Object.keys(a)) if (!sameValue(a[name], b[name])) return false;
  for (const name of Object.keys(b))
    if (!Object.hasOwn(a, name) && !sameValue(a[name], b[name])) return false;
  return true;
}

export class BlockWrites {
  /** The entities as merged so far (what store.get sees); null once removed. */
  readonly entities: Table = new Map();
  /** This block's accumulated updates alone (what store.get_in_block sees), nulls kept. */
  private readonly inBlock: Table = new Map();
  /** The stored entities read so far: read once, for store.get, the merge base and changes(). */
  private readonly stored: Table = new Map();

  /** The entity as stored before this block (the store does not change while a block is handled). */
  storedOf(entity: string, id: string, loadStored: LoadStored): EntityData | null {
    const byId = entry(this.stored, entity);
    let data = byId.get(id);
    if (data === undefined) byId.set(id, (data = loadStored(entity, id)));
    return data;
  }

  get(entity: string, id: string): EntityData | null | undefined {
    return this.entities.get(entity)?.get(id);
  }

  getInBlock(entity: string, id: string): EntityData | null | undefined {
    return this.inBlock.get(entity)?.get(id);
  }

  /**
   * store.set of a (partial) entity. Immutable entities are never read from the store
   * (entity_cache.rs:462-476): saved again in the same block they merge; one already stored fails
   * the subgraph, as graph-node's insert does (write.rs:473-500).
   */
  update(
    shape: EntityShape,
    id: string,
    update: EntityData,
    loadStored: LoadStored,
    blockNumber: number,
  ): void {
    const written = this.get(shape.name, id);
    const base = written === undefined ? this.storedOf(shape.name, id, loadStored) : written;
    if (shape.immutable && written === undefined && base !== null) {
      throw new HandlerError(
        `entity ${shape.name}[${id}] is immutable; inserting it at block ${blockNumber} is not possible as it was already inserted at an earlier block`,
      );
    }
    const merged = mergeRemovingNulls(base, update);
    checkComplete(shape, id, merged);
    entry(this.entities, shape.name).set(id, merged);
    // accumulate (entity_cache.rs:104-121): onto a removal the update overwrites, otherwise merges.
    const pending = this.getInBlock(shape.name, id);
    entry(this.inBlock, shape.name).set(id, pending ? { ...pending, ...update } : { ...update });
  }

  remove(entity: string, id: string): void {
    entry(this.entities, entity).set(id, null);
    entry(this.inBlock, entity).set(id, null);
  }

  /** The block's changes, leaving out saves that leave an entity as stored (entity_cache.rs:499-517). */
  changes(loadStored: LoadStored): EntityChange[] {
    const changes: EntityChange[] = [];
    for (const [entity, byId] of this.entities) {
      for (const [id, data] of byId) {
        if (data !== null) {
          const stored = this.storedOf(entity, id, loadStored);
          if (stored !== null && sameEntity(stored, data)) continue;
        }
        changes.push({ entity, id, data });
      }
    }
    return changes;
  }
}
