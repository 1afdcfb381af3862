// Structured logs written by pino: one JSON object per line ({"level","time",...fields,"msg"}) for
// log shippers and `jq`, or pino-pretty's text for a person at a terminal. Every field goes through
// redaction, so a caller cannot leak a key, a password or an unlock secret by passing the wrong object.
import { createWriteStream } from "node:fs";
import pino from "pino";
import { prettyFactory } from "pino-pretty";
import { REDACTED, redact, scrubText } from "./redact.ts";

export type LogLevel = "debug" | "info" | "warn" | "error";
export const LOG_LEVELS: readonly LogLevel[] = ["debug", "info", "warn", "error"];
export type LogFormat = "json" | "pretty";
export const LOG_FORMATS: readonly LogFormat[] = ["json", "pretty"];

type LogMethod = (message: string, fields?: Record<string, unknown>) => void;

export interface Logger {
  debug: LogMethod;
  info: LogMethod;
  warn: LogMethod;
  error: LogMethod;
  /** A logger that adds `fields` to every line (a message's own fields win). */
  child(fields: Record<string, unknown>): Logger;
}

export interface LoggerOptions {
  /** Lines below this level are not written. */
  level: LogLevel;
  /** "json" (the default) or "pretty" (pino-pretty's text, for a person at a terminal). */
  format?: LogFormat;
  /** Receives each line without its newline; the default writes it to stdout. */
  write?: (line: string) => void;
}

/**
 * The keys under which the executor's own objects hold secrets (the secrets bundle, a wallet, a
 * signed transaction), at the top of a line and one level down. pino's paths are exact and of fixed
 * depth, so they cannot stand alone: other spellings (PRIVATE_KEY), deeper nesting, an Error's own
 * fields and a Map's entries are reached only by redact.ts, and secrets inside text (calldata quoted
 * in an error message) only by scrubText. They stay as a second layer that does not depend on
 * redact.ts's name matching.
 */
const SECRET_KEYS = [
  "privateKey",
  "password",
  "keystorePassword",
  "passphrase",
  "secretsPassphrase",
  "secret",
  "unlockSecret",
  "mnemonic",
  "keystore",
  "rawTransaction",
  "signedTransaction",
  "calldata",
];
export const REDACT_PATHS: readonly string[] = SECRET_KEYS.flatMap((key) => [key, `*.${key}`]);

/** pino's settings for our lines: level labels, ISO times, no pid or hostname, redact paths. */
export function pinoOptions(level: LogLevel): pino.LoggerOptions {
  return {
    level,
    base: undefined,
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    redact: { paths: [...REDACT_PATHS], censor: REDACTED },
  };
}

/** Pretty text for a terminal, JSON lines for anything else (a pipe, a file, a log shipper). */
export function defaultLogFormat(output: { isTTY?: boolean }): LogFormat {
  return output.isTTY ? "pretty" : "json";
}

/** The names the line itself uses; a field with one of them is written with a trailing "_". */
const RESERVED = new Set(["time", "level", "msg"]);

export function createLogger({ level, format = "json", write }: LoggerOptions): Logger {
  if (!LOG_LEVELS.includes(level)) {
    throw new Error(`unknown log level "${String(level)}": expected ${LOG_LEVELS.join(", ")}`);
  }
  if (!LOG_FORMATS.includes(format)) {
    throw new Error(`unknown log format "${String(format)}": expected ${LOG_FORMATS.join(" or ")}`);
  }
  const base = pino(pinoOptions(level), destination(format, write));

  // Context is merged here rather than with pino's child(), which would write a field twice in one
  // line when the line sets it again (and some log stores refuse duplicate keys).
  const make = (context: Record<string, unknown>): Logger => {
    const log =
      (lineLevel: LogLevel): LogMethod =>
      (message, fields) => {
        if (!base.isLevelEnabled(lineLevel)) return;
        const data = redact({ ...context, ...fields }) as Record<string, unknown>;
        const line: Record<string, unknown> = {};
        for (const [key, value] of Object.entries(data)) line[RESERVED.has(key) ? `${key}_` : key] = value;
        // As the only argument after the fields, the message is not printf-formatted.
        base[lineLevel](line, scrubText(String(message)));
      };
    return {
      debug: log("debug"),
      info: log("info"),
      warn: log("warn"),
      error: log("error"),
      child: (fields) => make({ ...context, ...fields }),
    };
  };
  return make({});
}

/**
 * Where pino writes, synchronously (no worker thread): a line is out before the call returns, so
 * tests read it at once and a process that exits loses nothing.
 */
function destination(format: LogFormat, write: ((line: string) => void) | undefined): pino.DestinationStream {
  if (write) {
    const pretty = format === "pretty" ? prettyFactory({ colorize: false }) : undefined;
    return { write: (json: string) => write((pretty ? pretty(json) : json).replace(/\n$/, "")) };
  }
  const stdout = pino.destination({ dest: 1, sync: true });
  if (format === "json") return stdout;
  const pretty = prettyFactory({ colorize: Boolean(process.stdout.isTTY) });
  return { write: (json: string) => stdout.write(pretty(json)) };
}

/**
 * A log file for `write`: lines appended, the file created readable and writable by its owner only
 * (log lines name requests, messages and the facilitator's transactions).
 */
export function appendLogFile(file: string): { write: (line: string) => void; close: () => Promise<void> } {
  const stream = createWriteStream(file, { flags: "a", mode: 0o600 });
  return {
    write: (line) => void stream.write(`${line}\n`),
    close: () => new Promise<void>((resolve) => stream.end(resolve)),
  };
}
