// Collection queries, which SubgraphStore (types.ts) does not offer but the GraphQL API needs: the
// API turns `where`/`orderBy`/`first`/`skip` into an EntityQuery and the store runs it at a block.
import type { BlockPointer, EntityData, SubgraphStore, Value } from "./types.ts";

export type CompareOp = "eq" | "not" | "gt" | "lt" | "gte" | "lte";

export type EntityFilter =
  | { kind: "and"; filters: EntityFilter[] }
  | { kind: "or"; filters: EntityFilter[] }
  /** On a list field, eq/not compare whole lists. A null value means IS (NOT) NULL. */
  | { kind: "compare"; field: string; op: CompareOp; value: Value }
  | { kind: "in"; field: string; negated: boolean; values: Value[] }
  /** String fields (and references, by id text): substring, prefix, suffix; Bytes: contains only. */
  | {
      kind: "match";
      field: string;
      mode: "contains" | "starts_with" | "ends_with";
      negated: boolean;
      nocase: boolean;
      value: Value;
    }
  /**
   * List fields, as graph-node: the list holds every one of `values` (negated: none of them); with
   * `nocase`, one of its elements is LIKE one of `values` (negated: none is).
   */
  | { kind: "list_contains"; field: string; negated: boolean; nocase: boolean; values: Value[] }
  /** The visible version was written at or after `block`. */
  | { kind: "changed_since"; block: number }
  /** A reference (plain, list or derived) field whose referenced entity matches `filter`. */
  | { kind: "child"; field: string; filter: EntityFilter };

export interface EntityOrder {
  /** A stored, non-list field of the entity. */
  field: string;
  /** For `field__child` ordering: a field of the entity that `field` references. */
  childField?: string;
  direction: "asc" | "desc";
}

export interface EntityQuery {
  entity: string;
  block: number;
  filter?: EntityFilter;
  /** Always followed by id in the same direction; by id ascending when absent. */
  order?: EntityOrder;
  first: number;
  skip: number;
  /** The stored fields to read (`id` is always read); every stored field when absent. */
  fields?: readonly string[];
  /**
   * Many parents' children in one read: `first` and `skip` then apply per value of this stored,
   * non-list field (each parent's share, in `order`), and rows come grouped by it.
   */
  perValueOf?: string;
}

export interface QueryableStore extends SubgraphStore {
  /**
   * The last block in the file: what queries see. latestBlock() is the indexer's, which may be
   * ahead while blocks are held on a writer thread.
   */
  committedBlock(): BlockPointer | null;
  /** One entity by id at a block, as getEntity, with only `fields` (and `id`) read when given. */
  findEntity(entity: string, id: string, block: number, fields?: readonly string[]): EntityData | null;
  findEntities(query: EntityQuery): EntityData[];
  /** The number of an applied block with this hash, or null. */
  blockNumber(hash: string): number | null;
  /**
   * Runs `read` (reads only) in one read transaction: its reads see one state of the store, and
   * the store takes its read lock once rather than once per read.
   */
  readConsistently<T>(read: () => T): T;
}

export function isQueryableStore(store: SubgraphStore): store is QueryableStore {
  const candidate = store as Partial<QueryableStore>;
  return (
    typeof candidate.findEntities === "function" &&
    typeof candidate.committedBlock === "function" &&
    typeof candidate.blockNumber === "function" &&
    typeof candidate.readConsistently === "function"
  );
}
