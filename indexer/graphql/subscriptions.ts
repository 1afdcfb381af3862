// Live queries: a subscription operation is the query it mirrors, sent once on subscribe and again
// after every block (store onBlock) that changed an entity type the query reads, changed the
// subgraph's failure, or, when it selects `_meta`, after every block. Results are computed when the
// client is ready for the next one, so blocks that arrive meanwhile are coalesced into one result
// of the newest state (each result is complete, so nothing is lost by coalescing).
import {
  Kind,
  TypeInfo,
  getNamedType,
  visit,
  visitWithTypeInfo,
  type DocumentNode,
  type ExecutionResult,
  type ValueNode,
} from "graphql";
import type { EntityModel } from "../schema/model.ts";
import type { QueryableStore } from "../store/entity-query.ts";
import type { ApiSchema } from "./api-schema.ts";

export interface ReadSet {
  entityTypes: ReadonlySet<string>;
  meta: boolean;
}

/** The entity types a document reads, and whether it reads `_meta`. */
export function readSet(api: ApiSchema, document: DocumentNode): ReadSet {
  const typeInfo = new TypeInfo(api.schema);
  const entityTypes = new Set<string>();
  let meta = false;
  visit(
    document,
    visitWithTypeInfo(typeInfo, {
      Field(node) {
        const type = typeInfo.getType();
        if (!type) return;
        const named = getNamedType(type).name;
        if (named === "_Meta_") meta = true;
        const entity = api.model.entities.get(named);
        if (!entity) return;
        entityTypes.add(named);
        for (const argument of node.arguments ?? []) {
          for (const type of typesReadBy(entity, argument.name.value, argument.value)) entityTypes.add(type);
        }
      },
    }),
  );
  return { entityTypes, meta };
}

/**
 * The other entity types an argument reads: child filters (`ref_: {...}`) and ordering by
 * `ref__field`. An argument given by a variable may read any referenced type.
 */
function typesReadBy(entity: EntityModel, argument: string, value: ValueNode): string[] {
  const referenced = (field: string | undefined) => {
    const type = field === undefined ? undefined : entity.fieldsByName.get(field)?.type;
    return type?.kind === "entity" ? [type.name] : [];
  };
  const allReferenced = () => entity.fields.flatMap((field) => referenced(field.name));
  if (argument === "orderBy") {
    if (value.kind === Kind.VARIABLE) return allReferenced();
    return value.kind === Kind.ENUM && value.value.includes("__")
      ? referenced(value.value.split("__")[0])
      : [];
  }
  if (argument !== "where") return [];
  if (value.kind === Kind.VARIABLE) return allReferenced();
  if (value.kind === Kind.LIST) return value.values.flatMap((item) => typesReadBy(entity, argument, item));
  if (value.kind !== Kind.OBJECT) return [];
  return value.fields.flatMap((field) => {
    const key = field.name.value;
    if (key === "and" || key === "or") return typesReadBy(entity, argument, field.value);
    // A child filter reads the referenced type; nested child filters are refused at execution.
    return key.endsWith("_") && key !== "_change_block" ? referenced(key.slice(0, -1)) : [];
  });
}

/** Results of `run`, first at once, then after each relevant block, until return() is called. */
export class BlockDrivenResults implements AsyncIterableIterator<ExecutionResult> {
  private dirty = true;
  private done = false;
  private wake: (() => void) | null = null;
  private failure: string;
  private readonly unsubscribe: () => void;

  constructor(
    store: QueryableStore,
    reads: ReadSet,
    private readonly run: () => ExecutionResult,
  ) {
    this.failure = JSON.stringify(store.failure());
    this.unsubscribe = store.onBlock((_block, changed) => {
      const failure = JSON.stringify(store.failure());
      const failureChanged = failure !== this.failure;
      this.failure = failure;
      if (reads.meta || failureChanged || changed.some((type) => reads.entityTypes.has(type)))
        this.markDirty();
    });
  }

  private markDirty(): void {
    this.dirty = true;
    const wake = this.wake;
    this.wake = null;
    wake?.();
  }

  async next(): Promise<IteratorResult<ExecutionResult>> {
    while (!this.done && !this.dirty) {
      await new Promise<void>((resolve) => {
        this.wake = resolve;
      });
    }
    if (this.done) return { done: true, value: undefined };
    this.dirty = false;
    return { done: false, value: this.run() };
  }

  async return(): Promise<IteratorResult<ExecutionResult>> {
    this.finish();
    return { done: true, value: undefined };
  }

  async throw(error?: unknown): Promise<IteratorResult<ExecutionResult>> {
    this.finish();
    throw error;
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<ExecutionResult> {
    return this;
  }

  private finish(): void {
    if (this.done) return;
    this.done = true;
    this.unsubscribe();
    this.markDirty();
  }
}
