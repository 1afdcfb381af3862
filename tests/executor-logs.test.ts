// The executor's logs are written by pino: its redact paths censor the secrets the executor's own
// objects carry, one JSON object per line with the level as a label and an ISO time, child fields
// once per line, nothing below the threshold, and pino-pretty's human text (still without secrets)
// for a person at a terminal; `facilitator start --log-format` chooses between the two.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import path from "node:path";
import { describe, test } from "node:test";
import pino from "pino";
import {
  createLogger,
  defaultLogFormat,
  pinoOptions,
  REDACT_PATHS,
} from "../executor/observability/logger.ts";

const KEY = "0x" + "4b".repeat(32);
const SECRET = "0x" + "5e".repeat(32);
/** progressStake(messageHash, unlockSecret): calldata that embeds the secret. */
const CALLDATA = "0x12345678" + "aa".repeat(32) + SECRET.slice(2);

function capture(options: { level?: "debug" | "info" | "warn" | "error"; format?: "json" | "pretty" } = {}) {
  const lines: string[] = [];
  const logger = createLogger({
    level: options.level ?? "debug",
    format: options.format,
    write: (line) => lines.push(line),
  });
  return { logger, lines };
}

describe("pino logs", () => {
  test("pino's own redact paths censor the executor's secret keys, top level and one level down", () => {
    // Without the field copy of redact.ts: the paths alone, as createLogger configures pino.
    const lines: string[] = [];
    const logger = pino(pinoOptions("info"), { write: (line: string) => lines.push(line) });
    logger.info(
      {
        privateKey: KEY,
        unlockSecret: SECRET,
        secrets: { keystorePassword: "hunter2", secretsPassphrase: "correct horse" },
        wallet: { privateKey: KEY, address: "0xfacade" },
        transaction: { rawTransaction: CALLDATA },
        hash: "0x" + "ab".repeat(32),
      },
      "started",
    );
    assert.equal(lines.length, 1);
    assert.ok(lines[0]!.endsWith("}\n"), "one JSON object per line");
    for (const secret of [KEY, SECRET, "hunter2", "correct horse", CALLDATA]) {
      assert.ok(!lines[0]!.includes(secret), `${secret} leaked into ${lines[0]}`);
    }
    const line = JSON.parse(lines[0]!) as Record<string, unknown>;
    assert.equal(line.level, "info");
    assert.match(line.time as string, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    assert.equal(line.msg, "started");
    assert.equal(line.privateKey, "[redacted]");
    assert.equal(line.unlockSecret, "[redacted]");
    assert.deepEqual(line.secrets, { keystorePassword: "[redacted]", secretsPassphrase: "[redacted]" });
    assert.deepEqual(line.wallet, { privateKey: "[redacted]", address: "0xfacade" });
    assert.deepEqual(line.transaction, { rawTransaction: "[redacted]" });
    assert.equal(line.hash, "0x" + "ab".repeat(32));
    assert.ok(REDACT_PATHS.includes("*.privateKey"));
    assert.ok(!("pid" in line) && !("hostname" in line), "no pid or hostname on every line");
  });

  test("a child's fields are written once per line, the line's own value winning", () => {
    const { logger, lines } = capture();
    const child = logger.child({ chain: "origin", step: "acceptStake", level: "a field named level" });
    child.child({ subject: "0x01" }).info("bump", { step: "progressStake" });
    child.warn("plain");
    assert.equal(lines.length, 2);
    assert.equal(lines[0]!.match(/"step":/g)?.length, 1, `step once in ${lines[0]}`);
    assert.equal(lines[0]!.match(/"level":/g)?.length, 1, `level once in ${lines[0]}`);
    const [bump, plain] = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    assert.deepEqual(
      { ...bump, time: "t" },
      {
        level: "info",
        time: "t",
        chain: "origin",
        step: "progressStake",
        level_: "a field named level",
        subject: "0x01",
        msg: "bump",
      },
    );
    assert.equal(plain!.level, "warn");
    assert.equal(plain!.step, "acceptStake");
    assert.ok(!("subject" in plain!), "a grandchild's field stays on the grandchild");
  });

  test("lines below the threshold are dropped before their fields are read", () => {
    const { logger, lines } = capture({ level: "warn" });
    let reads = 0;
    const fields = {
      get costly() {
        reads += 1;
        return "value";
      },
    };
    logger.debug("debug", fields);
    logger.info("info", fields);
    logger.warn("warn", fields);
    logger.error("error", fields);
    assert.deepEqual(
      lines.map((line) => (JSON.parse(line) as { level: string }).level),
      ["warn", "error"],
    );
    assert.equal(reads, 2, "only the written lines read their fields");
  });

  test("a message is written as given: no printf formatting, long hex cut out", () => {
    const { logger, lines } = capture();
    logger.info(`100%s done %d with ${CALLDATA}`);
    assert.equal((JSON.parse(lines[0]!) as { msg: string }).msg, "100%s done %d with 0x…[68 bytes redacted]");
  });

  test("the pretty format is pino-pretty's human text, without the secrets", () => {
    const { logger, lines } = capture({ format: "pretty" });
    logger.warn(`progressStake failed with ${CALLDATA}`, {
      chain: "origin",
      unlockSecret: SECRET,
      nested: { deeper: [{ PRIVATE_KEY: KEY }] },
    });
    assert.equal(lines.length, 1);
    const text = lines[0]!;
    assert.throws(() => JSON.parse(text), "not JSON");
    assert.match(
      text,
      /^\[\d\d:\d\d:\d\d\.\d{3}\] WARN: progressStake failed with 0x…\[68 bytes redacted\]\n/,
    );
    assert.match(text, /^ {4}chain: "origin"$/m);
    assert.match(text, /^ {4}unlockSecret: "\[redacted\]"$/m);
    assert.ok(!text.endsWith("\n"), "lines are handed over without their newline");
    assert.ok(!text.includes("\u001b["), "no colours when not writing to a terminal");
    for (const secret of [KEY, SECRET]) assert.ok(!text.includes(secret.slice(2)), `${secret} leaked`);
  });

  test("the default format is pretty on a terminal and JSON anywhere else", () => {
    assert.equal(defaultLogFormat({ isTTY: true }), "pretty");
    assert.equal(defaultLogFormat({ isTTY: false }), "json");
    assert.equal(defaultLogFormat({}), "json");
  });

  test("refuses an unknown format", () => {
    assert.throws(
      () => createLogger({ level: "info", format: "xml" as "json" }),
      /unknown log format "xml": expected json or pretty/,
    );
  });
});

describe("facilitator start --log-format", () => {
  const CLI = path.resolve(import.meta.dirname, "../cli/facilitator.ts");
  const run = (args: string[]) =>
    spawnSync(process.execPath, ["--import", "tsx", CLI, ...args], {
      encoding: "utf8",
      cwd: path.resolve(import.meta.dirname, ".."),
      stdio: ["pipe", "pipe", "pipe"],
    });

  test("--help names the option and its default; a bad value exits 2 naming it", () => {
    const help = run(["start", "--help"]);
    assert.equal(help.status, 0);
    assert.match(
      help.stdout,
      /--log-format <format> +json or pretty \(default pretty on a terminal, json otherwise\)/,
    );
    const bad = run(["start", "--log-format", "xml"]);
    assert.equal(bad.status, 2, bad.stderr);
    assert.match(bad.stderr, /--log-format must be json or pretty, got "xml"/);
  });
});
