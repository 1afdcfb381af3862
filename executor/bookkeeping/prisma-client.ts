// The Prisma client of a books database. Each provider has its own generated client (a Prisma client
// is built for one provider), but both come from the same models, so the books are written against
// the SQLite client's type and use only calls that both providers have.
import type { BooksDatabase } from "./database.ts";
import { PrismaClient as PostgresClient } from "./generated/postgresql/client.ts";
import { PrismaClient as SqliteClient } from "./generated/sqlite/client.ts";

export type BooksClient = SqliteClient;
export type BooksTransaction = Parameters<Parameters<BooksClient["$transaction"]>[0]>[0];

export function createClient(database: BooksDatabase): BooksClient {
  const options = {
    adapter: database.createAdapter(),
    // Allocations queue on one row lock (PostgreSQL) or one connection (SQLite): give them time.
    transactionOptions: { maxWait: 20_000, timeout: 20_000 },
  };
  if (database.provider === "sqlite") return new SqliteClient(options);
  return new PostgresClient(options) as unknown as BooksClient;
}
