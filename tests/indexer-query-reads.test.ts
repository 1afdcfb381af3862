// What a query reads from the store: the head state (latest block, failure) once per change of the
// store rather than twice per query, one read transaction per query, and only the columns the
// query selects. Answers stay the same; a new block, a failure or a revert is seen by the next query.
import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import { executeQuery } from "../indexer/graphql/execute.ts";
import type { QueryableStore } from "../indexer/store/entity-query.ts";
import { openSqliteStore } from "../indexer/store/index.ts";
import {
  account,
  block,
  fixtureSchema,
  temporaryDirectory,
  token,
  transfer,
} from "./fixtures/indexer-fixture.ts";

const schema = fixtureSchema();
const tmp = temporaryDirectory();
after(() => tmp.cleanup());

function seededStore(name: string): QueryableStore {
  const store = openSqliteStore({ file: tmp.file(`${name}.sqlite`), schema, deployment: name });
  store.applyBlock(block(1), [
    account("0xaa", "Alice"),
    account("0xbb", "Bob"),
    token("t1", { symbol: "ONE", owner: "0xaa" }),
    token("t2", { symbol: "TWO", owner: "0xbb" }),
  ]);
  store.applyBlock(block(2), [transfer("x1", "t1", "0xaa", 1n), transfer("x2", "t2", "0xbb", 2n)]);
  return store;
}

interface Call {
  method: string;
  args: unknown[];
  /** Whether the call came while a readConsistently of the same store was running. */
  inRead: boolean;
}

/** The store with a record of its method calls. */
function recorded(store: QueryableStore): { store: QueryableStore; calls: Call[] } {
  const calls: Call[] = [];
  let reading = 0;
  const proxy = new Proxy(store, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver) as unknown;
      if (typeof value !== "function") return value;
      const method = value as (...args: unknown[]) => unknown;
      return (...args: unknown[]) => {
        calls.push({ method: String(property), args, inRead: reading > 0 });
        if (property !== "readConsistently") return method.apply(target, args);
        reading++;
        try {
          return method.apply(target, args);
        } finally {
          reading--;
        }
      };
    },
  });
  return { store: proxy, calls };
}

const count = (calls: Call[], method: string) => calls.filter((call) => call.method === method).length;

describe("the head state read once per change of the store", () => {
  const seeded = seededStore("head");
  after(() => seeded.close());

  test("N queries at one indexed block read the latest committed block and the failure once", () => {
    const { store, calls } = recorded(seeded);
    for (let n = 0; n < 5; n++)
      assert.deepEqual(
        executeQuery(store, schema, `{ token(id: "t1") { symbol } _meta { block { number } } }`),
        {
          data: { token: { symbol: "ONE" }, _meta: { block: { number: 2 } } },
        },
      );
    assert.equal(count(calls, "committedBlock"), 1);
    assert.equal(count(calls, "failure"), 1);
  });

  test("a new block, a failure and a revert are each seen by the next query", () => {
    const { store, calls } = recorded(seeded);
    const meta = () =>
      executeQuery(store, schema, `{ _meta { block { number } hasIndexingErrors } tokens { symbol } }`);
    assert.deepEqual(meta().data?._meta, { block: { number: 2 }, hasIndexingErrors: false });

    seeded.applyBlock(block(3), [token("t3", { symbol: "THREE" })]);
    assert.deepEqual(meta(), {
      data: {
        _meta: { block: { number: 3 }, hasIndexingErrors: false },
        tokens: [{ symbol: "ONE" }, { symbol: "TWO" }, { symbol: "THREE" }],
      },
    });

    seeded.setFailed({ message: "handler trapped", block: block(4) });
    assert.deepEqual(meta(), {
      data: { _meta: { block: { number: 4 }, hasIndexingErrors: true } },
      errors: [{ message: "indexing_error" }],
    });

    seeded.revertTo(block(2));
    assert.deepEqual(meta(), {
      data: {
        _meta: { block: { number: 2 }, hasIndexingErrors: false },
        tokens: [{ symbol: "ONE" }, { symbol: "TWO" }],
      },
    });
    // Read again after each of the three changes, not per query.
    assert.equal(count(calls, "committedBlock"), 4);
  });
});

describe("one read transaction per query", () => {
  const seeded = seededStore("transaction");
  after(() => seeded.close());

  test("every store read of a query is inside its one readConsistently", () => {
    const { store, calls } = recorded(seeded);
    const result = executeQuery(store, schema, `{ transfers { id token { symbol owner { label } } } }`);
    assert.equal(result.errors, undefined);
    assert.equal(count(calls, "readConsistently"), 1);
    const reads = calls.filter((call) => /^(find|get|committedBlock|failure)/.test(call.method));
    assert.ok(reads.length >= 3, `expected the query's reads, got ${calls.map((c) => c.method).join(", ")}`);
    assert.deepEqual(
      reads.filter((call) => !call.inRead).map((call) => call.method),
      [],
    );
  });

  test("a failed read ends the transaction: the store still writes and answers", () => {
    const { store } = recorded(seeded);
    assert.throws(
      () => store.readConsistently(() => store.findEntities({ entity: "Nope", block: 2, first: 1, skip: 0 })),
      /unknown entity type Nope/,
    );
    seeded.applyBlock(block(3), [token("t3", { symbol: "THREE" })]);
    assert.deepEqual(executeQuery(store, schema, `{ token(id: "t3") { symbol } }`), {
      data: { token: { symbol: "THREE" } },
    });
  });
});

describe("only the selected columns read", () => {
  const seeded = seededStore("columns");
  after(() => seeded.close());

  test("each level reads the fields its selection names, and the id", () => {
    const { store, calls } = recorded(seeded);
    const result = executeQuery(
      store,
      schema,
      `fragment Sym on Token { symbol } { transfers { amount token { ...Sym owner { label } transfers { id } } } token(id: "t2") { ... on Token { name } } }`,
    );
    assert.deepEqual(result, {
      data: {
        transfers: [
          { amount: "1", token: { symbol: "ONE", owner: { label: "Alice" }, transfers: [{ id: "x1" }] } },
          { amount: "2", token: { symbol: "TWO", owner: { label: "Bob" }, transfers: [{ id: "x2" }] } },
        ],
        token: { name: null },
      },
    });
    const fieldsRead = calls
      .filter((call) => call.method === "findEntities" || call.method === "findEntity")
      .map((call) =>
        call.method === "findEntity"
          ? `${call.args[0] as string}: ${String(call.args[3])}`
          : `${(call.args[0] as { entity: string }).entity}: ${String((call.args[0] as { fields?: string[] }).fields)}`,
      );
    assert.deepEqual(fieldsRead.sort(), [
      "Account: id,label",
      "Token: id,name",
      "Token: id,owner,symbol",
      "Transfer: amount,id,token",
      // The two tokens' transfers in one read, with the field that tells whose each one is.
      "Transfer: id,token",
    ]);
  });

  test("the store returns exactly the fields asked for, and all of them without a list", () => {
    const some = seeded.findEntities({ entity: "Token", block: 2, first: 1, skip: 0, fields: ["symbol"] });
    assert.deepEqual(some, [{ id: "t1", symbol: "ONE" }]);
    assert.deepEqual(seeded.findEntity("Account", "0xaa", 2, ["label"]), { id: "0xaa", label: "Alice" });
    assert.deepEqual(seeded.findEntity("Token", "t1", 2), seeded.getEntity("Token", "t1", 2));
    assert.throws(
      () => seeded.findEntities({ entity: "Token", block: 2, first: 1, skip: 0, fields: ["transfers"] }),
      /Token.transfers is not a stored field \(derived or unknown\) and cannot be selected/,
    );
  });
});

describe("derived fields read once per level", () => {
  const store = openSqliteStore({ file: tmp.file("derived.sqlite"), schema, deployment: "derived" });
  after(() => store.close());
  // 20 tokens; token n has n % 4 transfers, amounts 1..k, from Alice or Bob by parity.
  const tokens = Array.from({ length: 20 }, (_, n) => `t${String(n).padStart(2, "0")}`);
  store.applyBlock(block(1), [
    account("0xaa", "Alice"),
    account("0xbb", "Bob"),
    ...tokens.map((id, n) => token(id, { owner: n % 3 === 0 ? null : n % 2 ? "0xaa" : "0xbb" })),
  ]);
  store.applyBlock(
    block(2),
    tokens.flatMap((id, n) =>
      Array.from({ length: n % 4 }, (_, k) =>
        transfer(`${id}-${k}`, id, k % 2 ? "0xaa" : "0xbb", BigInt(k + 1)),
      ),
    ),
  );

  test("a derived field of 20 parents takes one store read, with each parent's first, skip and order", () => {
    const { store: recordedStore, calls } = recorded(store);
    const result = executeQuery(
      recordedStore,
      schema,
      `{ tokens(first: 20) { id transfers(first: 2, skip: 1, orderBy: amount, orderDirection: desc) { id amount from { label } } } }`,
    );
    const expected = tokens.map((id, n) => ({
      id,
      transfers: Array.from({ length: n % 4 }, (_, k) => k)
        .reverse()
        .slice(1, 3)
        .map((k) => ({ id: `${id}-${k}`, amount: String(k + 1), from: { label: k % 2 ? "Alice" : "Bob" } })),
    }));
    assert.deepEqual(result, { data: { tokens: expected } });
    // The tokens, all their transfers, and the transfers' senders: one read per level.
    assert.deepEqual(
      calls
        .filter((call) => call.method.startsWith("find"))
        .map((call) => (call.args[0] as { entity: string }).entity),
      ["Token", "Transfer", "Account"],
    );
  });

  test("filters apply per parent, and an error is the same for every parent", () => {
    const { store: recordedStore, calls } = recorded(store);
    const filtered = executeQuery(
      recordedStore,
      schema,
      `{ accounts { id tokens(where: { symbol_starts_with: "T1" }, first: 3) { id } sent(first: 1) { id } } }`,
    );
    const owned = (owner: string) =>
      tokens.filter((id, n) => n % 3 !== 0 && (n % 2 ? "0xaa" : "0xbb") === owner && id.startsWith("t1"));
    assert.deepEqual(filtered, {
      data: {
        accounts: [
          {
            id: "0xaa",
            tokens: owned("0xaa")
              .slice(0, 3)
              .map((id) => ({ id })),
            sent: [{ id: "t02-1" }],
          },
          {
            id: "0xbb",
            tokens: owned("0xbb")
              .slice(0, 3)
              .map((id) => ({ id })),
            sent: [{ id: "t01-0" }],
          },
        ],
      },
    });
    assert.equal(calls.filter((call) => call.method.startsWith("find")).length, 3);
    // Two owners (read together), so two errors, as when each owner's tokens were read alone.
    const refused = executeQuery(
      store,
      schema,
      `{ tokens(first: 2, skip: 1) { owner { tokens(first: 0) { id } } } }`,
    );
    assert.deepEqual(refused, {
      errors: [
        { message: "The `first` argument must be between 0 and 1000, but is 0" },
        { message: "The `first` argument must be between 0 and 1000, but is 0" },
      ],
    });
  });
});
