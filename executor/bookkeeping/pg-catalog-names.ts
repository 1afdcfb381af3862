// A pg connection pool for the Prisma CLI's migrations on PostgreSQL. The schema engine reads the
// catalogs, whose identifiers have PostgreSQL's `name` type, and @prisma/adapter-pg 6.19 cannot map
// that type ("Column type 'name' could not be deserialized", prisma/orm#27403). pg already returns
// `name` values as strings, so this pool reports those columns as `text` and the migration runs.
import pg from "pg";

const NAME_OID = 19;
const TEXT_OID = 25;

function relabelNames<T>(result: T): T {
  for (const field of (result as { fields?: pg.FieldDef[] } | undefined)?.fields ?? []) {
    if (field.dataTypeID === NAME_OID) field.dataTypeID = TEXT_OID;
  }
  return result;
}

class NamesAsTextClient extends pg.Client {
  constructor(config?: pg.ClientConfig) {
    super(config);
    const query = this.query.bind(this) as (...args: unknown[]) => unknown;
    // pg's query() has many overloads (promise or callback); this forwards every one of them.
    Object.assign(this, {
      query: (...args: unknown[]) => {
        const callback = args.at(-1);
        if (typeof callback === "function") {
          return query(...args.slice(0, -1), (error: Error | null, result: unknown) =>
            callback(error, relabelNames(result)),
          );
        }
        const result = query(...args);
        return result instanceof Promise ? result.then(relabelNames) : result;
      },
    });
  }
}

export function poolForMigrations(connectionString: string): pg.Pool {
  // The CLI never ends the pool: idle connections close soon so they do not keep it running.
  return new pg.Pool({ connectionString, Client: NamesAsTextClient, idleTimeoutMillis: 100 });
}
