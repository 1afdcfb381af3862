// How errors and logs name a URL the configuration gave: an RPC provider's or a hosted subgraph
// gateway's API key sits in the path or the query, a password in the user part, and a client's
// error (ethers' `requestUrl`, a gateway's error page) may quote any of them. An RPC URL is shown
// by its host (hostOf), a subgraph's also by graph-node's own path (shownUrl).
import querystring from "node:querystring";

/** A URL as errors and logs name it: its host only. */
export function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return "(not a URL)";
  }
}

/** graph-node's own paths, which name a subgraph and hold nothing else. */
const GRAPH_NODE_PATH = /^\/subgraphs\/(?:name|id)\/[\w.-]+(?:\/[\w.-]+)?\/?$/;

/**
 * The URL with its scheme and host; its path only when it is graph-node's `/subgraphs/name/…` or
 * `/subgraphs/id/…`, any other path shown as `/…`. User, password, query and fragment never.
 */
export function shownUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return "(not a URL)";
  }
  const path = parsed.pathname === "/" || GRAPH_NODE_PATH.test(parsed.pathname) ? parsed.pathname : "/…";
  return `${parsed.protocol}//${parsed.host}${path === "/" ? "" : path}`;
}

/** A value given for a URL, quoted as an error about it may show it (shownUrl), or said not to be one. */
export function quotedUrlValue(value: string): string {
  return URL.canParse(value) ? `"${shownUrl(value)}"` : "text that is not a URL";
}

/** Parts shorter than this are no keys (`v3`, `api`), and writing them out would garble the text. */
const SHORTEST_SECRET = 8;

/** The parts of `url` that may be secret and that `shown` does not show anyway, longest first. */
function secretParts(url: string, shown: string): string[] {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return [url];
  }
  const parts = [
    parsed.username,
    parsed.password,
    parsed.search.slice(1),
    ...parsed.pathname.split("/"),
    ...parsed.searchParams.values(),
  ];
  // Each as the URL writes it and as it means it: an answer may quote either.
  const forms = parts.flatMap((part) => [part, decoded(part), encodeURIComponent(part)]);
  return [...new Set(forms)]
    .filter((part) => part.length >= SHORTEST_SECRET && !shown.includes(part))
    .sort((a, b) => b.length - a.length);
}

/**
 * A percent-encoded part as it was meant: each well-formed escape decoded, anything else as it is
 * (a bare % in a password the URL parser has escaped other characters of, `p%zz%5E`, is `p%zz^`).
 */
export function decoded(part: string): string {
  return querystring.unescape(part);
}

/** `text` with the whole of `url` written as `shown`, and each part of it that may be secret as `…`. */
export function withoutUrlSecrets(text: string, url: string, shown: string): string {
  let scrubbed = text.replaceAll(url, shown);
  try {
    scrubbed = scrubbed.replaceAll(new URL(url).href, shown);
  } catch {
    // Not a URL: its text alone was replaced.
  }
  for (const part of secretParts(url, shown)) scrubbed = scrubbed.replaceAll(part, "…");
  return scrubbed;
}

/**
 * The error with its message and its `info` (ethers) scrubbed of `url`'s secrets, in place, so its
 * class and code (which callers classify) stay.
 */
export function scrubUrlFromError(error: unknown, url: string, shown: string): unknown {
  if (typeof error !== "object" || error === null) return error;
  const fields = error as Record<string, unknown>;
  const info = fields.info;
  if (typeof info === "object" && info !== null) {
    const entries = info as Record<string, unknown>;
    rewrite(entries, "requestUrl", () => shown);
    for (const [key, value] of Object.entries(entries))
      if (typeof value === "string") rewrite(entries, key, () => withoutUrlSecrets(value, url, shown));
  }
  for (const key of ["message", "shortMessage"]) {
    const value = fields[key];
    if (typeof value === "string") rewrite(fields, key, () => withoutUrlSecrets(value, url, shown));
  }
  return error;
}

/**
 * Sets a field as it was (enumerable or not). One that cannot be changed is left: ethers' own
 * `shortMessage` is the text it was given, which names no URL.
 */
function rewrite(target: Record<string, unknown>, key: string, value: () => string): void {
  const enumerable = Object.getOwnPropertyDescriptor(target, key)?.enumerable ?? true;
  try {
    Object.defineProperty(target, key, { value: value(), writable: true, enumerable, configurable: true });
  } catch {
    // Not configurable.
  }
}
