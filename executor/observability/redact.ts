// Turns anything a caller hands to a log line, an error report or a status view into plain JSON
// data without secrets. Redaction goes by field name (whatever the value looks like) and, for text,
// by shape: calldata and raw transactions can carry an unlock secret (progressStake's argument), so
// hex longer than one 32-byte word is never written out.

export const REDACTED = "[redacted]";

/** Field names (case and separators ignored) whose values are secrets wherever they appear. */
const SECRET_NAME_PARTS = ["privatekey", "password", "passphrase", "secret", "mnemonic", "keystore"];
/** Fields that hold signed transactions or calldata, which embed the secret when progressing. */
const SECRET_CARRIERS = ["rawtransaction", "signedtransaction", "calldata"];

const MAX_DEPTH = 8;
const STACK_LINES = 5;

function isSecretName(name: string): boolean {
  const normalized = name.toLowerCase().replace(/[^a-z0-9]/g, "");
  return SECRET_NAME_PARTS.some((part) => normalized.includes(part)) || SECRET_CARRIERS.includes(normalized);
}

/**
 * Control characters but tab and newline, and the bidirectional overrides, written out as \uXXXX:
 * text that came from a node or a subgraph must not reach a terminal as escape sequences (a title,
 * a cleared screen, a link) or show other text than it holds.
 */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/**
 * Hex longer than a 32-byte word (calldata, raw transactions, proofs) is cut out of text, and
 * control characters are written out.
 */
export function scrubText(text: string): string {
  return text
    .replace(/0x[0-9a-fA-F]{65,}/g, (hex) => `0x…[${Math.ceil((hex.length - 2) / 2)} bytes redacted]`)
    .replace(CONTROL, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

/** An Error as data: name, message, a short stack and its own fields (ethers puts details there). */
function errorData(error: Error, seen: Set<object>, depth: number): Record<string, unknown> {
  const stack = (error.stack ?? "")
    .split("\n")
    .filter((line) => line.trimStart().startsWith("at "))
    .slice(0, STACK_LINES)
    .map((line) => scrubText(line.trim()));
  const data: Record<string, unknown> = { name: error.name, message: scrubText(error.message) };
  if (stack.length > 0) data.stack = stack;
  for (const [key, value] of Object.entries(error)) {
    if (key === "name" || key === "message" || key === "stack") continue;
    data[key] = isSecretName(key) ? REDACTED : copy(value, seen, depth + 1);
  }
  if (error.cause !== undefined) data.cause = copy(error.cause, seen, depth + 1);
  return data;
}

/**
 * A JSON-safe copy of `value` with every secret-named field replaced by "[redacted]", bigints as
 * decimal strings, Errors as data and long hex cut out of strings.
 */
export function redact(value: unknown): unknown {
  return copy(value, new Set(), 0);
}

function copy(value: unknown, seen: Set<object>, depth: number): unknown {
  if (typeof value === "string") return scrubText(value);
  if (typeof value === "bigint") return value.toString();
  if (typeof value === "number" || typeof value === "boolean" || value === null) return value;
  if (value === undefined) return undefined;
  if (typeof value === "function" || typeof value === "symbol") return `[${typeof value}]`;
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? String(value) : value.toISOString();
  // Bytes may be key material: only their length is written.
  if (value instanceof Uint8Array) return `[${value.length} bytes]`;
  if (seen.has(value)) return "[circular]";
  if (depth >= MAX_DEPTH) return "[nested too deep]";
  seen.add(value);
  try {
    if (value instanceof Error) return errorData(value, seen, depth);
    if (Array.isArray(value)) return value.map((item) => copy(item, seen, depth + 1));
    if (value instanceof Map) return copy(Object.fromEntries(value), seen, depth + 1);
    if (value instanceof Set) return copy([...value], seen, depth + 1);
    const data: Record<string, unknown> = {};
    for (const key of Object.keys(value)) {
      let field: unknown;
      try {
        field = (value as Record<string, unknown>)[key];
      } catch {
        field = "[unreadable]";
      }
      data[key] = isSecretName(key) ? REDACTED : copy(field, seen, depth + 1);
    }
    return data;
  } finally {
    seen.delete(value);
  }
}
