// How the SQLite books reach the disk. With the default rollback journal every commit synced the
// database and its journal several times (about 24 ms each on this project's test machines), and
// better-sqlite3 runs a commit on the executor's only thread. A write-ahead log appends a commit to
// one file and syncs it once. Synchronous stays FULL (better-sqlite3's build would make it NORMAL
// in WAL mode), so an attempt recorded before its broadcast survives a power loss.
import type { BooksClient } from "./prisma-client.ts";

export async function useWriteAheadLog(client: BooksClient): Promise<void> {
  // journal_mode is kept in the file; synchronous is per connection (the adapter opens one).
  await client.$queryRawUnsafe("PRAGMA journal_mode = WAL");
  await client.$queryRawUnsafe("PRAGMA synchronous = FULL");
}
