// Every entity of a store at its latest block, in a canonical order, for comparing two indexes.
import type { SubgraphSchema } from "../../indexer/schema/index.ts";
import { isQueryableStore } from "../../indexer/store/index.ts";
import type { SubgraphStore } from "../../indexer/store/types.ts";

export function dumpEntities(store: SubgraphStore, schema: SubgraphSchema): Record<string, unknown[]> {
  if (!isQueryableStore(store)) throw new Error("the store cannot list entities");
  const block = store.latestBlock()?.number ?? -1;
  const dump: Record<string, unknown[]> = {};
  for (const entity of [...schema.entities.keys()].sort()) {
    const rows = store.findEntities({ entity, block, first: 1_000_000, skip: 0 });
    dump[entity] = rows.map((row) =>
      Object.fromEntries(
        Object.entries(row)
          .sort(([a], [b]) => a.localeCompare(b))
          .map(([key, value]) => [key, typeof value === "bigint" ? value.toString() : value]),
      ),
    );
  }
  return dump;
}
