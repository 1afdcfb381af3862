// The subgraphs' rows are not trusted one by one: a row with a field the schema does not allow
// (a null amount, an address that is not one, a status the schema does not have) is left out of
// the state and named, and the other rows stand. A message refused on one chain is left out on
// both. A GraphQL server stands in for the subgraphs; the executor's own test of the same against
// the embedded indexer is in executor-untrusted-indexer.test.ts.
import assert from "node:assert/strict";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { after, test } from "node:test";
import { readIndexedState, SubgraphReader } from "../executor/feed/indexed-state.ts";

type Row = Record<string, unknown>;
const hash = (n: number) => `0x${n.toString(16).padStart(64, "0")}`;
const address = (n: number) => `0x${n.toString(16).padStart(40, "0")}`;

function message(n: number, box: "Outbox" | "Inbox", changes: Row = {}): Row {
  return {
    id: hash(n),
    kind: "Stake",
    box,
    status: box === "Outbox" ? "Declared" : "Confirmed",
    gateway: address(0xaa),
    sender: address(n),
    nonce: "1",
    beneficiary: address(n),
    amount: "1000",
    gasPrice: "1",
    gasLimit: "200000",
    hashLock: hash(0x1000 + n),
    blockHeight: box === "Inbox" ? "7" : null,
    declaredBlock: box === "Outbox" ? "5" : null,
    confirmedBlock: box === "Inbox" ? "9" : null,
    revocationDeclaredBlock: null,
    revokedBlock: null,
    progressedBlock: null,
    ...changes,
  };
}

function stakeRequest(n: number, changes: Row = {}): Row {
  return {
    id: hash(0x2000 + n),
    status: "Requested",
    amount: "5000",
    beneficiary: address(n),
    gasPrice: "1",
    gasLimit: "200000",
    nonce: "0",
    staker: address(n),
    stakerProxy: address(0x100 + n),
    gateway: address(0xaa),
    composer: address(0xcc),
    requestedBlock: "3",
    ...changes,
  };
}

/** Each subgraph's rows by query field; `id_in` pages answer the rows of the ids asked for. */
const rows: Record<string, Record<string, (Row | null)[]>> = { origin: {}, auxiliary: {} };
const server = http.createServer((request, response) => {
  const chain = request.url!.endsWith("/origin") ? "origin" : "auxiliary";
  const parts: Buffer[] = [];
  request.on("data", (part: Buffer) => parts.push(part));
  request.on("end", () => {
    const { query, variables } = JSON.parse(Buffer.concat(parts).toString()) as {
      query: string;
      variables?: { after?: string };
    };
    response.writeHead(200, { "content-type": "application/json" });
    if (query.includes("_meta"))
      return response.end(JSON.stringify({ data: { _meta: { block: { number: 10, hash: hash(10) } } } }));
    const field = /page: (\w+)\(/.exec(query)![1]!;
    let page = rows[chain]![field] ?? [];
    const ids = /id_in: (\[[^\]]*\])/.exec(query);
    if (ids) {
      const asked = JSON.parse(ids[1]!) as string[];
      page = (rows[chain]!.copies ?? []).filter((row) => asked.includes(row?.id as string));
    } else if (query.includes("status_not")) page = rows[chain]!.open ?? [];
    if (variables?.after && variables.after !== "0x") page = [];
    response.end(JSON.stringify({ data: { page } }));
  });
});
await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/subgraphs/name`;
after(() => new Promise((resolve) => server.close(resolve)));

const read = () =>
  readIndexedState(new SubgraphReader(`${base}/origin`), new SubgraphReader(`${base}/auxiliary`));

test("a row the schema does not allow is left out and named; the other rows stand", async () => {
  rows.origin = {
    open: [message(1, "Outbox"), message(2, "Outbox", { amount: null })],
    stakeRequests: [
      stakeRequest(1),
      stakeRequest(2, { staker: "0xnot-an-address" }),
      stakeRequest(3, { status: "Whatever" }),
      stakeRequest(4, { amount: 7 }),
      stakeRequest(5, { gasLimit: "1e6" }),
      stakeRequest(6, { nonce: (1n << 256n).toString() }),
    ],
    anchoredStateRoots: [{ id: hash(0x77), blockHeight: "8" }],
    workerChanges: [
      { id: hash(0x99), worker: address(9), expirationHeight: "100", block: "1", logIndex: "0" },
    ],
  };
  // Message 2's copy on auxiliary is well formed: it is left out too, with the origin row refused.
  rows.auxiliary = {
    open: [message(2, "Inbox")],
    copies: [message(1, "Inbox")],
  };
  const snapshot = await read();
  assert.ok(snapshot);
  const { state, refused } = snapshot;
  assert.deepEqual(
    state.origin.messages.map((row) => row.id),
    [hash(1)],
  );
  assert.deepEqual(
    state.auxiliary.messages.map((row) => row.id),
    [hash(1)],
    "message 2 is left out on both chains",
  );
  assert.equal(state.origin.messages[0]!.amount, 1000n);
  assert.deepEqual(
    state.origin.stakeRequests.map((row) => row.id),
    [hash(0x2001)],
  );
  assert.deepEqual(state.origin.anchoredStateRoots, [{ blockHeight: 8n }]);
  assert.equal(state.origin.workerChanges.length, 1);
  const named = refused.map((row) => `${row.chain} ${row.entity} ${row.id}: ${row.detail}`);
  assert.deepEqual(named.sort(), [
    `origin messages ${hash(2)}: amount is null, not a whole number`,
    `origin stakeRequests ${hash(0x2002)}: staker is "0xnot-an-address", not an address`,
    `origin stakeRequests ${hash(0x2003)}: status is "Whatever", not one of Requested, Accepted, Revoked, Rejected`,
    `origin stakeRequests ${hash(0x2004)}: amount is 7, not a whole number`,
    `origin stakeRequests ${hash(0x2005)}: gasLimit is "1e6", not a whole number`,
    `origin stakeRequests ${hash(0x2006)}: nonce is "${1n << 256n}", not a uint256`,
  ]);
});

test("a worker change, anchored height or proof the schema does not allow fails the read, naming it", async () => {
  // The decision needs all of them: the leader order, the anchor turns, the heights chosen.
  const worker = { id: hash(0x99), worker: address(9), expirationHeight: "100", block: "1", logIndex: "0" };
  const cases: [Record<string, Record<string, (Row | null)[]>>, RegExp][] = [
    [
      { origin: { workerChanges: [worker, { ...worker, id: hash(0x9a), expirationHeight: null }] } },
      /the origin subgraph at .* answered a workerChanges row the schema does not allow \(0x0+9a: expirationHeight is null, not a whole number\)/,
    ],
    [
      { origin: { anchoredStateRoots: [{ id: hash(0x77), blockHeight: "8" }, null] } },
      /answered a anchoredStateRoots row the schema does not allow \(null: the row is not an object\)/,
    ],
    [
      {
        auxiliary: {
          gatewayProofs: [
            { id: hash(0x55), gateway: address(0xab), remoteGateway: "0x12", blockHeight: "7" },
          ],
        },
      },
      /the auxiliary subgraph .* gatewayProofs row .* \(0x0+55: remoteGateway is "0x12", not an address\)/,
    ],
  ];
  for (const [answers, named] of cases) {
    rows.origin = answers.origin ?? {};
    rows.auxiliary = answers.auxiliary ?? {};
    await assert.rejects(read(), named);
  }
});

test("a refusal repeats at most a short part of what the subgraph answered", async () => {
  const long = `0x${"zy".repeat(5000)}`;
  rows.origin = { stakeRequests: [stakeRequest(1, { beneficiary: long })] };
  rows.auxiliary = {};
  const snapshot = await read();
  assert.equal(snapshot!.state.origin.stakeRequests.length, 0);
  const [refusal] = snapshot!.refused;
  assert.ok(refusal!.detail.length < 200, refusal!.detail);
  assert.match(refusal!.detail, /^beneficiary is "0xzyzy.*… \(10004 characters\), not an address$/);
});
