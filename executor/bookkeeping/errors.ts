// Errors of the books. Messages name subjects, steps, hashes and nonces; never a secret or a password.

export class BooksError extends Error {
  override name = "BooksError";
}

/** The operation contradicts what the books already hold (a taken nonce slot, another secret, …). */
export class BooksConflictError extends BooksError {
  override name = "BooksConflictError";
}

/** An intent's status refused the change; `status` is the one read by the refusing write. */
export class IntentStatusConflictError extends BooksConflictError {
  override name = "IntentStatusConflictError";
  constructor(
    message: string,
    readonly status: string,
  ) {
    super(message);
  }
}

/** No passphrase was given, or not the one the secrets were stored with. */
export class BooksPassphraseError extends BooksError {
  override name = "BooksPassphraseError";
}

/** Prisma's unique-constraint violation. */
export function isUniqueViolation(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === "P2002";
}

/** PostgreSQL refused to wait longer for a lock (lock_timeout, SQLSTATE 55P03). */
export function isLockTimeout(error: unknown): boolean {
  return (error as { cause?: { originalCode?: unknown } } | null)?.cause?.originalCode === "55P03";
}

/** Another live process holds the books' writer lease, and these books allow no standby (SQLite). */
export class BooksLeaseHeldError extends BooksError {
  override name = "BooksLeaseHeldError";
}

/** This process held the writer lease and another took it over (or it was released): no more writes. */
export class BooksLeaseLostError extends BooksError {
  override name = "BooksLeaseLostError";
}
