// A URL's user and password sent as Basic authentication. Node's HTTP client reads them from the URL
// itself with decodeURIComponent, which throws on a bare % ("URI malformed", on every request and
// naming nothing): generated passwords often hold one. Here each is taken as meant where it is
// percent-encoded and as written where it is not; the subgraph reader sends them the same way.
import { decoded } from "./url-secrets.ts";

export interface RequestTarget {
  /** The URL without its user and password. */
  url: URL;
  /** `user:password` for the Authorization header, or undefined when the URL names neither. */
  auth: string | undefined;
}

export function requestTarget(url: string | URL): RequestTarget {
  const target = new URL(url);
  if (!target.username && !target.password) return { url: target, auth: undefined };
  const auth = `${decoded(target.username)}:${decoded(target.password)}`;
  target.username = "";
  target.password = "";
  return { url: target, auth };
}
