// Structured logs: one JSON object per line ({"time","level","msg",...fields}), for log shippers
// and `jq`. Every field goes through redaction, so a caller cannot leak a key, a password or an
// unlock secret by passing the wrong object.
import { createWriteStream } from "node:fs";
import { redact, scrubText } from "./redact.ts";

export type LogLevel = "debug" | "info" | "warn" | "error";
export const LOG_LEVELS: readonly LogLevel[] = ["debug", "info", "warn", "error"];

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
  /** Receives each line without its newline; the default writes it to stdout. */
  write?: (line: string) => void;
}

/** The names the line itself uses; a field with one of them is written with a trailing "_". */
const RESERVED = new Set(["time", "level", "msg"]);

export function createLogger({ level, write }: LoggerOptions): Logger {
  if (!LOG_LEVELS.includes(level)) {
    throw new Error(`unknown log level "${String(level)}": expected ${LOG_LEVELS.join(", ")}`);
  }
  const output = write ?? ((line: string) => process.stdout.write(`${line}\n`));
  const threshold = LOG_LEVELS.indexOf(level);

  const make = (context: Record<string, unknown>): Logger => {
    const log =
      (lineLevel: LogLevel): LogMethod =>
      (message, fields) => {
        if (LOG_LEVELS.indexOf(lineLevel) < threshold) return;
        const line: Record<string, unknown> = {
          time: new Date().toISOString(),
          level: lineLevel,
          msg: scrubText(String(message)),
        };
        const data = redact({ ...context, ...fields }) as Record<string, unknown>;
        for (const [key, value] of Object.entries(data)) line[RESERVED.has(key) ? `${key}_` : key] = value;
        output(JSON.stringify(line));
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
