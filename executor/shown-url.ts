// How errors and logs name a configured URL. A hosted subgraph gateway carries its API key in the
// path (`/api/<key>/subgraphs/id/…`), an RPC provider in the path or the query, a database in the
// user part: none of them may reach a log or an error.

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
