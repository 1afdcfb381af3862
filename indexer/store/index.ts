export type * from "./types.ts";
export * from "./entity-query.ts";
export { openSqliteStore, NO_BLOCK, type SqliteStoreOptions } from "./sqlite-store.ts";
