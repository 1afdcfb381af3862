// SQLite books: Prisma's better-sqlite3 adapter prepares every query afresh, and compiling the SQL
// is a good part of a small query's cost. The books run a few dozen statement shapes over and over,
// so each shape is compiled once and reused. The adapter binds arguments with bind(), which
// better-sqlite3 allows once per statement: what prepare() returns here passes the arguments to
// each run instead, so the compiled statement itself is never bound.
import { PrismaBetterSQLite3 } from "@prisma/adapter-better-sqlite3";

/** The part of a better-sqlite3 statement the adapter uses. */
interface Statement {
  readonly reader: boolean;
  run(...args: unknown[]): unknown;
  all(...args: unknown[]): unknown[];
  columns(): unknown[];
  raw(toggle?: boolean): Statement;
}

interface Connection {
  prepare(sql: string): Statement;
}

/** Statement shapes kept; beyond it the oldest is dropped (IN lists of every length are shapes too). */
export const STATEMENT_CACHE_SIZE = 500;

/** A cached statement as the adapter sees it: bind() gives a view with those arguments. */
function reusable(statement: Statement, args: unknown[] = []) {
  return {
    reader: statement.reader,
    bind: (bound: unknown[]) => reusable(statement, bound),
    run: () => statement.run(...args),
    columns: () => statement.columns(),
    // The adapter reads every row as an array; raw mode stays on for the statement's later reads.
    raw: () => ({ all: () => statement.raw(true).all(...args) }),
  };
}

/** Makes `connection.prepare` compile each SQL text once, keeping up to `size` statements. */
export function cacheStatements(connection: Connection, size = STATEMENT_CACHE_SIZE): void {
  const compile = connection.prepare.bind(connection);
  const statements = new Map<string, Statement>();
  connection.prepare = ((sql: string) => {
    let statement = statements.get(sql);
    if (statement === undefined) {
      statement = compile(sql);
      if (statements.size >= size) statements.delete(statements.keys().next().value!);
      statements.set(sql, statement);
    }
    return reusable(statement);
  }) as unknown as Connection["prepare"];
}

/** The better-sqlite3 adapter whose connections compile each statement shape once. */
export class StatementCachingSqlite extends PrismaBetterSQLite3 {
  override async connect(): ReturnType<PrismaBetterSQLite3["connect"]> {
    const adapter = await super.connect();
    cacheStatements((adapter as unknown as { client: Connection }).client);
    return adapter;
  }
}
