// The store's latest committed block and failure as queries see them, read once per change of the store
// rather than twice per query: kept per store until it reports a block applied, a revert or a
// failure (onBlock), which is every way either of them changes.
import type { QueryableStore } from "../store/entity-query.ts";
import type { BlockPointer, IndexingError } from "../store/types.ts";

export interface HeadState {
  readonly latest: BlockPointer | null;
  readonly failure: IndexingError | null;
}

interface Cached {
  state: HeadState | null;
}

const cached = new WeakMap<QueryableStore, Cached>();

/** The store's head state, from the cache while the store has not changed since it was read. */
export function headState(store: QueryableStore): HeadState {
  let entry = cached.get(store);
  if (!entry) {
    const created: Cached = { state: null };
    store.onBlock(() => {
      created.state = null;
    });
    cached.set(store, (entry = created));
  }
  entry.state ??= Object.freeze({
    latest: frozen(store.committedBlock()),
    failure: frozenFailure(store.failure()),
  });
  return entry.state;
}

// Frozen: one object answers many queries, none of which may change it for the others.
function frozen(block: BlockPointer | null): BlockPointer | null {
  return block && Object.freeze(block);
}

function frozenFailure(failure: IndexingError | null): IndexingError | null {
  if (!failure) return null;
  Object.freeze(failure.block);
  return Object.freeze(failure);
}
