// GraphiQL for a browser, offline: graph-node v0.44.0 serves it at GET <subgraph>/graphql and sends a
// GET of the subgraph itself there (server/http/src/service.rs:360-393), loading its page from a CDN.
// Here graphiql's UMD bundle and React's production UMD files come from node_modules through this
// server, at fixed paths under /graphiql/, under a Content-Security-Policy that allows nothing else.
// `?query=` (and `?variables=`) prefill the editor, so other pages can link to a query.
import { createHash } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";

const ASSET_PREFIX = "/graphiql/";
const GRAPHIQL_SUFFIX = "/graphql";

const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  // GraphiQL and CodeMirror set style attributes; its fonts are data: URLs inside its CSS.
  "style-src 'self' 'unsafe-inline'",
  "font-src 'self' data:",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

const SECURITY_HEADERS = {
  "content-security-policy": CONTENT_SECURITY_POLICY,
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "x-frame-options": "DENY",
};

const JAVASCRIPT = "text/javascript; charset=utf-8";
const CSS = "text/css; charset=utf-8";

const DEFAULT_QUERY = `# The query API of this subgraph, as graph-node serves it. Run with Ctrl-Enter.
{
  _meta {
    block { number hash }
    hasIndexingErrors
  }
}
`;

/** Our own code on the page: React renders GraphiQL against the subgraph the page belongs to. */
const START_SCRIPT = `"use strict";
(function () {
  var params = new URLSearchParams(window.location.search);
  var endpoint = window.location.pathname.replace(/\\/graphql$/, "");
  function fetcher(request) {
    return fetch(endpoint, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json" },
      body: JSON.stringify(request),
    }).then(function (response) { return response.json(); });
  }
  var props = {
    fetcher: fetcher,
    defaultQuery: ${JSON.stringify(DEFAULT_QUERY)},
    // The address bar keeps the query, so the page can be reloaded or shared as it is.
    onEditQuery: function (query) {
      params.set("query", query);
      window.history.replaceState(null, "", "?" + params.toString());
    },
  };
  if (params.has("query")) props.query = params.get("query");
  if (params.has("variables")) props.variables = params.get("variables");
  document.title = "GraphiQL " + decodeURIComponent(endpoint);
  ReactDOM.createRoot(document.getElementById("graphiql")).render(React.createElement(GraphiQL, props));
})();
`;

const PAGE_CSS = `html, body { height: 100%; margin: 0; }
#graphiql { height: 100vh; }
`;

const require = createRequire(import.meta.url);
const packageFile = (name: string, file: string) =>
  path.join(path.dirname(require.resolve(`${name}/package.json`)), file);

/** What each asset path serves: a file of an installed package, or text of this module. */
const ASSETS: Record<string, { type: string; file?: () => string; text?: string }> = {
  "react.production.min.js": {
    type: JAVASCRIPT,
    file: () => packageFile("react", "umd/react.production.min.js"),
  },
  "react-dom.production.min.js": {
    type: JAVASCRIPT,
    file: () => packageFile("react-dom", "umd/react-dom.production.min.js"),
  },
  "graphiql.min.js": { type: JAVASCRIPT, file: () => packageFile("graphiql", "graphiql.min.js") },
  "graphiql.min.css": { type: CSS, file: () => packageFile("graphiql", "graphiql.min.css") },
  "page.css": { type: CSS, text: PAGE_CSS },
  "start.js": { type: JAVASCRIPT, text: START_SCRIPT },
};

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>GraphiQL</title>
<link rel="stylesheet" href="${ASSET_PREFIX}graphiql.min.css">
<link rel="stylesheet" href="${ASSET_PREFIX}page.css">
</head>
<body>
<div id="graphiql">Loading GraphiQL…</div>
<script src="${ASSET_PREFIX}react.production.min.js"></script>
<script src="${ASSET_PREFIX}react-dom.production.min.js"></script>
<script src="${ASSET_PREFIX}graphiql.min.js"></script>
<script src="${ASSET_PREFIX}start.js"></script>
</body>
</html>
`;

/** Read once per process: the files do not change while it runs. */
const loaded = new Map<string, Promise<{ body: Buffer; etag: string }>>();

function load(name: string): Promise<{ body: Buffer; etag: string }> {
  let asset = loaded.get(name);
  if (!asset) {
    const { file, text } = ASSETS[name]!;
    asset = (file ? readFile(file()) : Promise.resolve(Buffer.from(text ?? "", "utf8"))).then((body) => ({
      body,
      etag: `"${createHash("sha256").update(body).digest("base64url").slice(0, 27)}"`,
    }));
    asset.catch(() => loaded.delete(name));
    loaded.set(name, asset);
  }
  return asset;
}

function acceptsHtml(request: IncomingMessage): boolean {
  return (request.headers.accept ?? "")
    .split(",")
    .some((part) => part.split(";")[0]?.trim().toLowerCase() === "text/html");
}

async function sendAsset(request: IncomingMessage, response: ServerResponse, name: string): Promise<void> {
  const { body, etag } = await load(name);
  const headers = {
    ...SECURITY_HEADERS,
    "content-type": ASSETS[name]!.type,
    "cache-control": "no-cache",
    etag,
  };
  if (request.headers["if-none-match"] === etag) {
    response.writeHead(304, headers).end();
    return;
  }
  response.writeHead(200, { ...headers, "content-length": body.length }).end(body);
}

/**
 * Answers what a browser asks of the query server: the GraphiQL page of a served subgraph, its
 * assets, and the redirect of a browser's bare GET of a subgraph to its page. Returns false for
 * every other request, which the query API then answers. `isSubgraph` tells whether a path is a
 * served subgraph's (`/subgraphs/name/<name>` or `/subgraphs/id/<deployment>`).
 */
export function answerBrowser(
  request: IncomingMessage,
  response: ServerResponse,
  isSubgraph: (path: string) => boolean,
): boolean {
  if (request.method !== "GET" && request.method !== "HEAD") return false;
  const url = new URL(request.url ?? "/", "http://localhost");
  const { pathname } = url;
  if (pathname.startsWith(ASSET_PREFIX)) {
    const name = pathname.slice(ASSET_PREFIX.length);
    if (!Object.hasOwn(ASSETS, name)) return false;
    sendAsset(request, response, name).catch((error: unknown) => {
      if (response.headersSent) return void response.destroy();
      response
        .writeHead(500, { "content-type": "text/plain; charset=utf-8" })
        .end(`cannot read ${pathname}: ${(error as Error).message}`);
    });
    return true;
  }
  // The suffix is looked for first, as graph-node does: subgraph names may contain slashes.
  if (pathname.endsWith(GRAPHIQL_SUFFIX) && isSubgraph(pathname.slice(0, -GRAPHIQL_SUFFIX.length))) {
    response
      .writeHead(200, {
        ...SECURITY_HEADERS,
        "content-type": "text/html; charset=utf-8",
        "cache-control": "no-cache",
        "content-length": Buffer.byteLength(PAGE),
      })
      .end(PAGE);
    return true;
  }
  // A non-browser client without a query keeps the query API's answer (an error naming `query`).
  if (!url.searchParams.has("query") && acceptsHtml(request) && isSubgraph(pathname)) {
    const body = "Redirecting...";
    response
      .writeHead(302, {
        location: `${pathname}${GRAPHIQL_SUFFIX}`,
        "content-type": "text/plain; charset=utf-8",
        "content-length": body.length,
      })
      .end(body);
    return true;
  }
  return false;
}
