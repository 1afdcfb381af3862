// The redirects a node's HTTP answers may make, followed alike by both clients of a node: the
// providers' transport (http-transport.ts) and the mapping's blocking ethereum.call worker
// (indexer/runtime/sync-rpc-worker.mjs, plain JavaScript so that it starts without the TypeScript
// loader, hence this file). Each follows with the same method and body, as ethers does.

/** Redirects followed for one request, as ethers' own transport allows. */
export const MAX_REDIRECTS = 5;

/** The statuses followed: moved and found (ethers follows them too), temporary and permanent. */
export const REDIRECT_STATUSES = new Set([301, 302, 307, 308]);

/**
 * Where a redirect's Location leads from `current`: not from https to anything else, and without
 * credentials a Location names (the URL's own go to its own origin only; the caller sends them).
 */
export function redirectTarget(current, location) {
  const next = new URL(location, current);
  if (current.protocol === "https:" && next.protocol !== "https:")
    throw new Error(`a redirect from https to ${next.protocol} is not followed`);
  next.username = "";
  next.password = "";
  return next;
}
