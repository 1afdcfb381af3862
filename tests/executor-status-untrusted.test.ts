// `facilitator status` shows what the subgraphs answer, on a terminal: a row the schema does not
// allow (a null amount, an "address" holding an escape sequence) fails the status with the field
// named and nothing of it printed as it is, and text from the books that came from a subgraph (a
// refused row's id and reason) is shown with its control characters written out. A GraphQL server
// stands in for the subgraphs and the books are a stand-in of their reads.
import assert from "node:assert/strict";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { after, test } from "node:test";
import type { SkipRecord } from "../executor/bookkeeping/index.ts";
import { SubgraphReader } from "../executor/feed/indexed-state.ts";
import { renderStatusPage } from "../executor/observability/status-page.ts";
import type { ExecutorHealth } from "../executor/service-api.ts";
import {
  formatList,
  formatStatus,
  listFacilitations,
  statusOf,
  StatusError,
  type BooksView,
} from "../executor/status.ts";
import { address, hash, stakeRequestRow } from "./helpers/stake-request-row.ts";

const REQUEST = hash(0x2001);
const ESCAPE = "\u001b]0;owned\u0007\u001b[2J";
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u202e]/;

let stakeRequest: Record<string, unknown> = {};
const OTHER = hash(0x2002);
let otherRequest: Record<string, unknown> | null = null;
const server = http.createServer((request, response) => {
  const parts: Buffer[] = [];
  request.on("data", (part: Buffer) => parts.push(part));
  request.on("end", () => {
    const { query, variables } = JSON.parse(Buffer.concat(parts).toString()) as {
      query: string;
      variables?: { id?: string };
    };
    response.writeHead(200, { "content-type": "application/json" });
    const answer = (data: unknown) => response.end(JSON.stringify({ data }));
    if (query.includes("_meta")) return answer({ _meta: { block: { number: 10, hash: hash(10) } } });
    if (query.includes("entity: stakeRequest") && request.url!.endsWith("/origin"))
      return answer({ entity: variables?.id === OTHER ? otherRequest : stakeRequest });
    if (query.includes("entity:")) return answer({ entity: null });
    return answer({ rows: [] });
  });
});
await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/subgraphs/name`;
after(() => new Promise((resolve) => server.close(resolve)));

let skips: SkipRecord[] = [];
const books = {
  intentsFor: () => Promise.resolve([]),
  inFlight: () => Promise.resolve([]),
  recent: () => Promise.resolve([]),
  skips: () => Promise.resolve(skips),
} as unknown as BooksView;
const readers = {
  origin: new SubgraphReader(`${base}/origin`),
  auxiliary: new SubgraphReader(`${base}/auxiliary`),
};

const requestRow = (changes: Record<string, unknown>) => stakeRequestRow(REQUEST, changes);

test("a request the subgraph answers well formed is shown", async () => {
  stakeRequest = requestRow({});
  skips = [];
  const shown = formatStatus(await statusOf(REQUEST, { readers, books }));
  assert.match(shown, /Requested/);
});

test("a row with a field the schema does not allow fails the status, naming it, printing none of it", async () => {
  skips = [];
  for (const [changes, named] of [
    [{ beneficiary: ESCAPE }, /beneficiary is "\\u001b\]0;owned\\u0007\\u001b\[2J", not an address/],
    [{ staker: "0x\u009b2J\u202e" }, /staker is "0x\\u009b2J\\u202e", not an address/],
    [{ amount: null }, /amount is null, not a whole number/],
    [{ status: "Paid" }, /status is "Paid", not one of Requested, Accepted, Revoked, Rejected/],
    [{ message: { id: "0x12" } }, /message\.id is "0x12", not a 32-byte hash/],
  ] as const) {
    stakeRequest = requestRow(changes);
    await assert.rejects(statusOf(REQUEST, { readers, books }), (error: Error) => {
      assert.ok(error instanceof StatusError, `${error.name}: ${error.message}`);
      assert.match(
        error.message,
        /the origin subgraph at .* answered a stakeRequest the schema does not allow/,
      );
      assert.match(error.message, named);
      assert.ok(!CONTROL.test(error.message), JSON.stringify(error.message));
      return true;
    });
  }
});

test("a skip's subject and reason are shown with their control characters written out", async () => {
  stakeRequest = requestRow({});
  const reason = `untrustedInput: the origin subgraph's stakeRequests row: staker is "${ESCAPE}\u009b31m"`;
  skips = [
    { subject: REQUEST, reason, updatedAt: new Date(0) } as SkipRecord,
    { subject: `"${ESCAPE}"`, reason, updatedAt: new Date(0) } as SkipRecord,
  ];
  const status = formatStatus(await statusOf(REQUEST, { readers, books }));
  const list = formatList(await listFacilitations(books, { limit: 20 }));
  for (const shown of [status, list]) {
    assert.ok(!CONTROL.test(shown.replaceAll("\n", "")), JSON.stringify(shown));
    assert.match(shown, /\\u001b\]0;owned\\u0007\\u001b\[2J\\u009b31m/);
  }
  assert.match(list, /- "\\u001b\]0;owned/, "the subject too");
});

test("on the status page, a request answered malformed is not shown and the others are", async () => {
  stakeRequest = requestRow({});
  otherRequest = requestRow({ id: OTHER, amount: "-1" });
  skips = [REQUEST, OTHER].map(
    (subject) => ({ subject, reason: "gasPriceBelowPolicy: …", updatedAt: new Date(0) }) as SkipRecord,
  );
  const executor = { facilitator: address(7), books, readers, funds: () => undefined };
  const health: ExecutorHealth = {
    status: "ok",
    feeds: { origin: { mode: "polling", lastBlock: 10 }, auxiliary: { mode: "polling", lastBlock: 10 } },
    lastDecisionAt: null,
    lastError: null,
  };
  const page = await renderStatusPage({ executor: () => executor as never }, health);
  assert.match(page, /Requests and messages \(1\)/);
  assert.match(
    page,
    /Not shown: the origin subgraph at .* answered a stakeRequest the schema does not allow \(amount is &quot;-1&quot;, not a whole number\)/,
  );
  otherRequest = null;
});
