// Brings a books database up to the migrations in prisma/<provider>/migrations with
// `prisma migrate deploy`. The CLI is only started when a migration is missing: it takes a second on
// SQLite and over ten on PostgreSQL (Prisma 6.19's WASM schema engine leaves a 10 s timer behind
// there), and most opens find the database up to date.
import { readdirSync } from "node:fs";
import path from "node:path";
import { redactUrl, SCHEMA_PATHS, type BooksDatabase } from "./database.ts";
import { BooksError } from "./errors.ts";
import type { BooksClient } from "./prisma-client.ts";
import { runPrismaCli } from "./prisma-cli.ts";

function migrationNames(database: BooksDatabase): string[] {
  const folder = path.join(path.dirname(SCHEMA_PATHS[database.provider]), "migrations");
  return readdirSync(folder, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name);
}

/** Whether every migration is recorded as applied in Prisma's own table. */
async function upToDate(client: BooksClient, database: BooksDatabase): Promise<boolean> {
  let applied: { migration_name: string }[];
  try {
    applied = await client.$transaction((tx) =>
      tx.$queryRawUnsafe<{ migration_name: string }[]>(
        'SELECT migration_name FROM "_prisma_migrations" WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL',
      ),
    );
  } catch {
    // No migration table yet: a new database.
    return false;
  }
  const names = new Set(applied.map((row) => row.migration_name));
  return migrationNames(database).every((name) => names.has(name));
}

export async function applyPendingMigrations(client: BooksClient, database: BooksDatabase): Promise<void> {
  if (await upToDate(client, database)) return;
  // The CLI migrates through a connection of its own: a SQLite file in WAL mode keeps it waiting on
  // ours. The client connects again at its next query.
  await client.$disconnect();
  try {
    await runPrismaCli(["migrate", "deploy"], { BOOKS_DATABASE_URL: database.url });
  } catch (error) {
    // The CLI may echo the URL; its password stays out of the message.
    const message = (error as Error).message.replaceAll(database.url, redactUrl(database.url));
    throw new BooksError(`could not migrate the books at ${redactUrl(database.url)}: ${message}`);
  }
}
