// Prisma CLI configuration for the executor's books. The CLI runs on its WASM schema engine through a
// driver adapter, so it never downloads a Rust engine (see docs/executor-bookkeeping.md).
// BOOKS_DATABASE_URL picks the database and with it the schema: file:<path> for SQLite,
// postgresql://… for PostgreSQL. `prisma generate --schema <file>` does not need it.
import { defineConfig } from "prisma/config";
import { booksDatabase, SCHEMA_PATHS } from "./executor/bookkeeping/database.ts";

const url = process.env.BOOKS_DATABASE_URL;
const database = url === undefined ? undefined : booksDatabase(url);

export default defineConfig({
  experimental: { adapter: true },
  engine: "js",
  schema: SCHEMA_PATHS[database?.provider ?? "sqlite"],
  async adapter() {
    if (database === undefined) throw new Error("set BOOKS_DATABASE_URL to file:<path> or postgresql://…");
    return database.createMigrationAdapter();
  },
});
