// The executor's logs never carry a secret (by field name, nested, inside errors, or as calldata),
// its metrics are on their own registry with the names and labels operators scrape, and /health and
// /metrics answer on loopback only with the status codes probes expect.
import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import { createLogger } from "../executor/observability/logger.ts";
import { createMetrics } from "../executor/observability/metrics.ts";
import { startObservabilityServer, type ObservabilityServer } from "../executor/observability/http.ts";
import type { ExecutorHealth } from "../executor/service-api.ts";

const SECRET = "0x" + "5e".repeat(32);
const KEY = "0x" + "4b".repeat(32);
const TX_HASH = "0x" + "ab".repeat(32);
/** progressStake(messageHash, unlockSecret): calldata that embeds the secret. */
const CALLDATA = "0x12345678" + "aa".repeat(32) + SECRET.slice(2);

function capture(level: "debug" | "info" | "warn" | "error" = "debug") {
  const lines: string[] = [];
  const logger = createLogger({ level, write: (line) => lines.push(line) });
  return { logger, lines, parsed: () => lines.map((line) => JSON.parse(line) as Record<string, unknown>) };
}

function assertNoSecret(text: string) {
  for (const secret of [SECRET, KEY, "hunter2", "correct horse", "test test test junk"]) {
    assert.ok(!text.includes(secret), `${secret} leaked into: ${text}`);
    assert.ok(!text.includes(secret.slice(2)), `${secret} (without 0x) leaked into: ${text}`);
  }
}

describe("logger", () => {
  test("writes one JSON object per line with time, level, msg and fields; bigints as text", () => {
    const { logger, lines, parsed } = capture("info");
    logger.debug("not written at info");
    logger.info("sending", { hash: TX_HASH, nonce: 7, maxFeePerGas: 30_000_000_000n, at: new Date(0) });
    logger.warn("warned", { msg: "a field named msg", level: "a field named level" });
    assert.equal(lines.length, 2);
    const [info, warn] = parsed();
    assert.match(info!.time as string, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    assert.deepEqual(
      { ...info, time: "t" },
      {
        time: "t",
        level: "info",
        msg: "sending",
        hash: TX_HASH,
        nonce: 7,
        maxFeePerGas: "30000000000",
        at: "1970-01-01T00:00:00.000Z",
      },
    );
    assert.equal(warn!.level, "warn");
    assert.equal(warn!.msg, "warned");
    assert.equal(warn!.msg_, "a field named msg");
    assert.equal(warn!.level_, "a field named level");
  });

  test("redacts every secret-looking field whatever its case or nesting", () => {
    const { logger, lines, parsed } = capture();
    logger.info("start", {
      privateKey: KEY,
      PRIVATE_KEY: KEY,
      "private-key": KEY,
      password: "hunter2",
      keystorePassword: "hunter2",
      passphrase: "correct horse",
      secretsPassphrase: "correct horse",
      secret: SECRET,
      unlockSecret: SECRET,
      UNLOCK_SECRET: SECRET,
      mnemonic: "test test test junk",
      keystore: { crypto: { ciphertext: "abc" }, address: "0x01" },
      rawTransaction: `0x02f8${"11".repeat(40)}${SECRET.slice(2)}`,
      calldata: CALLDATA,
      nested: {
        deeper: [{ Password: "hunter2", wallet: { privatekey: KEY, address: "0xfacade" } }],
        Map: new Map([["unlockSecret", SECRET]]),
      },
      hash: TX_HASH,
    });
    const [line] = parsed();
    assertNoSecret(lines[0]!);
    for (const field of [
      "privateKey",
      "PRIVATE_KEY",
      "private-key",
      "password",
      "keystorePassword",
      "passphrase",
      "secretsPassphrase",
      "secret",
      "unlockSecret",
      "UNLOCK_SECRET",
      "mnemonic",
      "keystore",
      "rawTransaction",
      "calldata",
    ]) {
      assert.equal(line![field], "[redacted]", field);
    }
    assert.deepEqual(line!.nested, {
      deeper: [{ Password: "[redacted]", wallet: { privatekey: "[redacted]", address: "0xfacade" } }],
      Map: { unlockSecret: "[redacted]" },
    });
    assert.equal(line!.hash, TX_HASH, "a 32-byte hash is kept");
  });

  test("children carry their fields, redacted too", () => {
    const { logger, lines, parsed } = capture();
    const child = logger.child({ chain: "origin", password: "hunter2" }).child({ step: "progressStake" });
    child.info("bump", { step: "progressMint" });
    assertNoSecret(lines[0]!);
    const [line] = parsed();
    assert.equal(line!.chain, "origin");
    assert.equal(line!.password, "[redacted]");
    assert.equal(line!.step, "progressMint", "the line's own field wins");
  });

  test("errors are written as name, message and a short stack, redacted, with their cause", () => {
    const { logger, lines, parsed } = capture();
    const cause = Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" });
    const error = Object.assign(
      new Error(`execution reverted (transaction={ "data": "${CALLDATA}" })`, { cause }),
      {
        code: "CALL_EXCEPTION",
        privateKey: KEY,
        transaction: { to: "0x01", data: CALLDATA },
        info: { unlockSecret: SECRET },
      },
    );
    logger.error(`progressStake failed with ${CALLDATA}`, { error, deep: { list: [error] } });
    assertNoSecret(lines[0]!);
    const [line] = parsed();
    const written = line!.error as Record<string, unknown>;
    assert.equal(written.name, "Error");
    assert.match(
      written.message as string,
      /^execution reverted \(transaction=\{ "data": "0x…\[68 bytes redacted\]" \}\)$/,
    );
    assert.ok(Array.isArray(written.stack));
    assert.ok((written.stack as string[]).length >= 1 && (written.stack as string[]).length <= 5);
    assert.ok((written.stack as string[]).every((frame) => frame.startsWith("at ")));
    assert.equal(written.code, "CALL_EXCEPTION");
    assert.equal(written.privateKey, "[redacted]");
    assert.deepEqual(written.info, { unlockSecret: "[redacted]" });
    assert.deepEqual((written.cause as Record<string, unknown>).code, "ECONNREFUSED");
    assert.match(line!.msg as string, /^progressStake failed with 0x…\[68 bytes redacted\]$/);
    assert.equal(
      ((line!.deep as { list: Record<string, unknown>[] }).list[0] as Record<string, unknown>).privateKey,
      "[redacted]",
    );
  });

  test("cycles and bytes do not break a line", () => {
    const { logger, lines, parsed } = capture();
    const loop: Record<string, unknown> = { name: "loop" };
    loop.self = loop;
    logger.info("odd", { loop, bytes: new Uint8Array(32).fill(0x5e) });
    assertNoSecret(lines[0]!);
    const [line] = parsed();
    assert.deepEqual(line!.loop, { name: "loop", self: "[circular]" });
    assert.equal(line!.bytes, "[32 bytes]");
  });

  test("refuses an unknown level", () => {
    assert.throws(() => createLogger({ level: "verbose" as "info" }), /unknown log level "verbose"/);
  });
});

describe("metrics", () => {
  test("each registry is fresh; names and labels appear after increments", async () => {
    const metrics = createMetrics();
    const other = createMetrics();
    metrics.attempts.inc({ chain: "origin", step: "acceptStake" });
    metrics.attempts.inc({ chain: "origin", step: "acceptStake" });
    metrics.bumps.inc({ chain: "auxiliary", step: "confirmStakeIntent" });
    metrics.errors.inc({ kind: "nonceTooLow" });
    metrics.stepLatency.observe({ step: "progressMint" }, 12.5);
    metrics.queue.set({ state: "planned" }, 3);
    metrics.queue.set({ state: "inFlight" }, 2);
    metrics.queue.set({ state: "waiting" }, 1);
    metrics.queue.set({ state: "skipped" }, 4);
    metrics.feedBlock.set({ feed: "origin" }, 1234);
    metrics.decisions.inc();
    const text = await metrics.registry.metrics();
    for (const line of [
      'facilitator_attempts_total{chain="origin",step="acceptStake"} 2',
      'facilitator_fee_bumps_total{chain="auxiliary",step="confirmStakeIntent"} 1',
      'facilitator_errors_total{kind="nonceTooLow"} 1',
      'facilitator_step_latency_seconds_bucket{le="30",step="progressMint"} 1',
      'facilitator_step_latency_seconds_bucket{le="10",step="progressMint"} 0',
      'facilitator_step_latency_seconds_sum{step="progressMint"} 12.5',
      'facilitator_step_latency_seconds_count{step="progressMint"} 1',
      'facilitator_queue_size{state="planned"} 3',
      'facilitator_queue_size{state="inFlight"} 2',
      'facilitator_queue_size{state="waiting"} 1',
      'facilitator_queue_size{state="skipped"} 4',
      'facilitator_feed_block{feed="origin"} 1234',
      "facilitator_decisions_total 1",
      "# TYPE facilitator_step_latency_seconds histogram",
    ]) {
      assert.ok(text.split("\n").includes(line), `metrics text has: ${line}`);
    }
    assert.match(text, /^process_cpu_user_seconds_total /m, "process metrics are collected");
    const untouched = await other.registry.metrics();
    assert.ok(untouched.split("\n").includes("facilitator_decisions_total 0"));
    assert.ok(!untouched.includes('chain="origin"'), "another registry does not see these series");
  });
});

describe("/health and /metrics", () => {
  const health: ExecutorHealth = {
    status: "starting",
    feeds: {
      origin: { mode: "subscriptions", lastBlock: 12 },
      auxiliary: { mode: "polling", lastBlock: null },
    },
    lastDecisionAt: null,
    lastError: null,
  };
  const metrics = createMetrics();
  let server: ObservabilityServer;
  after(() => server?.close());

  test("serve on loopback with 200 for ok and starting, 503 for degraded and stopping", async () => {
    server = await startObservabilityServer({ host: "127.0.0.1", port: 0, health: () => health, metrics });
    assert.ok(server.port > 0);
    assert.equal(server.url, `http://127.0.0.1:${server.port}`);
    for (const [status, code] of [
      ["starting", 200],
      ["ok", 200],
      ["degraded", 503],
      ["stopping", 503],
    ] as const) {
      health.status = status;
      const response = await fetch(`${server.url}/health`);
      assert.equal(response.status, code, status);
      assert.match(response.headers.get("content-type") ?? "", /^application\/json/);
      assert.deepEqual(await response.json(), { ...health, status });
    }
  });

  test("/health redacts calldata in the last error", async () => {
    health.status = "degraded";
    health.lastError = `send failed: ${CALLDATA}`;
    const response = await fetch(`${server.url}/health`);
    const text = await response.text();
    assertNoSecret(text);
    assert.equal((JSON.parse(text) as ExecutorHealth).lastError, "send failed: 0x…[68 bytes redacted]");
    health.lastError = null;
  });

  test("/metrics is the Prometheus text format with the executor's series", async () => {
    metrics.attempts.inc({ chain: "auxiliary", step: "progressMint" });
    const response = await fetch(`${server.url}/metrics`);
    assert.equal(response.status, 200);
    assert.match(response.headers.get("content-type") ?? "", /^text\/plain; version=0\.0\.4/);
    const text = await response.text();
    assert.match(text, /^# HELP facilitator_attempts_total /m);
    assert.match(text, /^facilitator_attempts_total\{chain="auxiliary",step="progressMint"\} 1$/m);
  });

  test("other paths are 404, other methods 405", async () => {
    const missing = await fetch(`${server.url}/status`);
    assert.equal(missing.status, 404);
    assert.match(((await missing.json()) as { error: string }).error, /not found: \/status/);
    const post = await fetch(`${server.url}/health`, { method: "POST" });
    assert.equal(post.status, 405);
    assert.equal(post.headers.get("allow"), "GET, HEAD");
    await post.body?.cancel();
  });

  test("refuses a host that is not loopback", async () => {
    for (const host of ["0.0.0.0", "192.168.1.20", "::", "example.com"]) {
      await assert.rejects(
        startObservabilityServer({ host, port: 0, health: () => health, metrics }),
        new RegExp(`http.host "${host.replace(/\./g, "\\.")}" is not a loopback address`),
      );
    }
    const local = await startObservabilityServer({
      host: "localhost",
      port: 0,
      health: () => health,
      metrics,
    });
    assert.equal((await fetch(`${local.url}/metrics`)).status, 200);
    await local.close();
  });
});
