// Which database a books URL names, and the Prisma driver adapter that reaches it. Shared by
// openBooks and prisma.config.ts, so the CLI and the code always agree on schema and database.
import { closeSync, openSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { PrismaBetterSQLite3 } from "@prisma/adapter-better-sqlite3";
import { PrismaPg } from "@prisma/adapter-pg";
import { poolForMigrations } from "./pg-catalog-names.ts";
import { StatementCachingSqlite } from "./statement-cache.ts";

/** Longer than any pause inside one of the books' transactions (their own timeout is 20 s). */
const IDLE_IN_TRANSACTION_MS = 30_000;

export type BooksProvider = "sqlite" | "postgresql";

export interface BooksDatabase {
  provider: BooksProvider;
  url: string;
  createAdapter(): PrismaBetterSQLite3 | PrismaPg;
  /** The adapter for the Prisma CLI (prisma.config.ts). */
  createMigrationAdapter(): PrismaBetterSQLite3 | PrismaPg;
  /** Creates a missing SQLite file readable by its owner only (SQLite gives its journal the same mode). */
  createPrivately(): void;
}

export class BooksUrlError extends Error {
  override name = "BooksUrlError";
}

const PRISMA_FOLDER = fileURLToPath(new URL("../../prisma/", import.meta.url));

/** The Prisma schema of each provider; its migrations sit next to it. */
export const SCHEMA_PATHS: Record<BooksProvider, string> = {
  sqlite: `${PRISMA_FOLDER}sqlite/schema.prisma`,
  postgresql: `${PRISMA_FOLDER}postgresql/schema.prisma`,
};

/** `file:<path>` is SQLite (the file is created when missing); `postgresql://…` or `postgres://…` is PostgreSQL. */
export function booksDatabase(url: string): BooksDatabase {
  if (url.startsWith("file:")) {
    const file = url.slice("file:".length);
    if (file === "") throw new BooksUrlError("books URL `file:` names no file: write file:<path>");
    // better-sqlite3 waits this long for another process's write lock before failing.
    const createAdapter = () => new StatementCachingSqlite({ url: file, timeout: 10_000 });
    const createPrivately = () => {
      try {
        closeSync(openSync(file, "wx", 0o600));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      }
    };
    return { provider: "sqlite", url, createAdapter, createMigrationAdapter: createAdapter, createPrivately };
  }
  if (/^postgres(ql)?:\/\//.test(url)) {
    return {
      provider: "postgresql",
      url,
      // A process paused inside a transaction would keep the writer lease's row lock, and so block
      // the takeover, for as long as it stays paused: the server ends such a session instead.
      createAdapter: () =>
        new PrismaPg({ connectionString: url, idle_in_transaction_session_timeout: IDLE_IN_TRANSACTION_MS }),
      createMigrationAdapter: () => new PrismaPg(poolForMigrations(url), { disposeExternalPool: true }),
      createPrivately: () => undefined,
    };
  }
  throw new BooksUrlError(
    `books URL ${redactUrl(url)} is not supported: use file:<path> (SQLite) or postgresql://user:password@host:port/db`,
  );
}

/** The URL with its password replaced, for messages. */
export function redactUrl(url: string): string {
  return url.replace(/^([a-z]+:\/\/[^:/@]*:)[^@]*@/i, "$1***@");
}
