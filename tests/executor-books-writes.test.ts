// The books' cost per transaction sent, counted in SQLite statements (the executor's share of the
// process under many concurrent messages is mostly its books): a send that is mined and confirmed
// at once takes few write transactions, a feed cursor that did not move is not written again, and
// each statement shape is prepared once, not on every call.
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { after, before, test } from "node:test";
import { devWallet, ROLE_INDEX } from "../devnet/accounts.ts";
import { createLogger } from "../executor/observability/logger.ts";
import { startManagerChains, testGasPolicy, type ManagerChains } from "./helpers/manager-chains.ts";

// The better-sqlite3 that the books' Prisma adapter loads (it has its own copy).
const adapterRequire = createRequire(
  new URL("../node_modules/@prisma/adapter-better-sqlite3/package.json", import.meta.url),
);
interface Statement {
  source: string;
  run(...args: unknown[]): unknown;
  all(...args: unknown[]): unknown[];
}
interface DatabaseClass {
  new (file: string): { prepare(sql: string): Statement; close(): void };
  prototype: { prepare(sql: string): Statement };
}
const Database = adapterRequire("better-sqlite3") as DatabaseClass;

/** SQL text of every statement prepared and every statement run (reads, writes, BEGIN, COMMIT), in order. */
const prepared: string[] = [];
const ran: string[] = [];
const probe = new Database(":memory:");
const statementPrototype = Object.getPrototypeOf(probe.prepare("SELECT 1")) as Statement;
probe.close();
const originalPrepare = Database.prototype.prepare;
const originalRun = statementPrototype.run;
const originalAll = statementPrototype.all;
Database.prototype.prepare = function (this: unknown, sql: string) {
  prepared.push(sql);
  return originalPrepare.call(this, sql);
};
statementPrototype.run = function (this: Statement, ...args: unknown[]) {
  ran.push(this.source);
  return originalRun.apply(this, args);
};
statementPrototype.all = function (this: Statement, ...args: unknown[]) {
  ran.push(this.source);
  return originalAll.apply(this, args);
};

/**
 * Statements of Prisma model queries (Prisma writes identifiers in backquotes): each costs the
 * executor's thread a compilation, about 0.7 ms, where the books' own SQL (hot-queries.ts) costs none.
 */
const modelStatements = (statements: string[]) => statements.filter((sql) => sql.includes("`"));

/** Write transactions of the books: each begins with the writer lease's fence. */
const fences = (statements: string[]) =>
  statements.filter((sql) => /^\s*UPDATE (`main`\.)?[`"]Lease[`"] SET [`"]token[`"]/.test(sql));

let stack: ManagerChains | undefined;
/** Every JSON-RPC call the manager's origin provider made: method and parameters. */
const calls: { method: string; params: unknown }[] = [];

before(async () => {
  stack = await startManagerChains({
    chainIds: { origin: 4171, auxiliary: 4172 },
    gas: testGasPolicy(30_000),
    logger: createLogger({ level: "error", write: () => undefined }),
    adapt: (provider) => {
      if (provider._network.chainId !== 4171n) return;
      const send = provider.send.bind(provider);
      provider.send = (method, params) => {
        calls.push({ method, params });
        return send(method, params);
      };
    },
  });
  await stack.books.acquireLease({ name: devWallet(ROLE_INDEX.facilitator).address });
});

after(async () => {
  Database.prototype.prepare = originalPrepare;
  statementPrototype.run = originalRun;
  statementPrototype.all = originalAll;
  await stack?.stop();
});

test("a send mined and confirmed at once takes four write transactions: plan, nonce and record, broadcast, mined and confirmed", async () => {
  const { manager, books } = stack!;
  const send = (n: number) =>
    manager.send({
      chain: "origin",
      subject: `0x${n.toString(16).padStart(64, "0")}`,
      step: "transfer",
      to: devWallet(5).address,
      data: "0x",
    });
  // The first send of an account also creates its nonce cursor: counted from the second on.
  assert.equal((await send(1)).status, "confirmed");
  ran.length = 0;
  const outcome = await send(2);
  assert.equal(outcome.status, "confirmed");
  assert.equal(fences(ran).length, 4, `write transactions of one send:\n${fences(ran).join("\n")}`);
  // Only the intent's insert is a Prisma model query; the nonce slot and attempt are hot-queries.ts SQL.
  const modelled = modelStatements(ran);
  assert.ok(
    modelled.length === 1 && modelled[0]!.startsWith("INSERT INTO `main`.`Intent`"),
    `Prisma model statements of one send:\n${modelled.join("\n")}`,
  );
  const [intent] = await books.intentsFor(`0x${(2).toString(16).padStart(64, "0")}`);
  assert.equal(intent?.status, "confirmed");
  assert.equal(intent?.attempts[0]?.status, "mined");
  assert.equal(intent?.minedHash, outcome.status === "confirmed" ? outcome.hash : undefined);
});

test("a feed cursor saved again unchanged is not written; a moved one is", async () => {
  const { books } = stack!;
  const cursor = { number: 7n, hash: "0x" + "ab".repeat(32) };
  await books.saveCursor("origin", cursor);
  ran.length = 0;
  await books.saveCursor("origin", { ...cursor });
  assert.equal(fences(ran).length, 0, "an unchanged cursor is not written");
  await books.saveCursor("origin", { number: 8n, hash: "0x" + "cd".repeat(32) });
  assert.equal(fences(ran).length, 1, "a moved cursor is written");
  assert.deepEqual(await books.readCursor("origin"), { number: 8n, hash: "0x" + "cd".repeat(32) });
});

test("each statement shape is prepared once, however often it runs", async () => {
  const { books } = stack!;
  await books.readCursor("auxiliary");
  prepared.length = 0;
  for (let n = 0; n < 3; n++) await books.readCursor("auxiliary");
  const cursorReads = prepared.filter((sql) => /FROM (`main`\.)?`Cursor`/.test(sql));
  assert.equal(cursorReads.length, 0, `prepared again:\n${prepared.join("\n")}`);
});

test("a transaction just broadcast is not broadcast again by its follower's first look", async () => {
  const { manager, providers } = stack!;
  const origin = providers.origin;
  const subject = `0x${"ee".repeat(32)}`;
  await origin.send("evm_setAutomine", [false]);
  try {
    const outcome = manager.send({
      chain: "origin",
      subject,
      step: "transfer",
      to: devWallet(5).address,
      data: "0x",
    });
    // The follower looks twice with the transaction still in the pool (the first look right after the
    // broadcast), then it is mined.
    const receiptReads = () => calls.filter((call) => call.method === "eth_getTransactionReceipt").length;
    const before = receiptReads();
    while (receiptReads() < before + 2) await new Promise((resolve) => setTimeout(resolve, 20));
    await origin.send("evm_mine", []);
    assert.equal((await outcome).status, "confirmed");
  } finally {
    await origin.send("evm_setAutomine", [true]);
  }
  const [intent] = await stack!.books.intentsFor(subject);
  const raw = intent!.attempts[0]!.rawTransaction;
  const broadcasts = calls.filter(
    (call) => call.method === "eth_sendRawTransaction" && (call.params as string[])[0] === raw,
  );
  assert.equal(broadcasts.length, 1, "broadcast once");
});
