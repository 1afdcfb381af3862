// Error objects as graph-node v0.44.0 serializes them (graph/src/data/query/error.rs:466-525): a
// `message`, and `locations` only for the error kinds that carry a position. Never `path`.
import { Kind, type ValueNode } from "graphql";

export interface Location {
  line: number;
  column: number;
}

export interface GraphNodeError {
  message: string;
  locations?: Location[];
}

/**
 * A resolver error that graph-node reports with the field's location (InvalidArgumentError,
 * AmbiguousDerivedFromResult, ... in error.rs:505-521); other resolver errors carry none.
 */
export class LocatedFieldError extends Error {}

/** Where graph-node places an error on a generated argument: its default position (api.rs). */
export const GENERATED_POSITION: Location = { line: 0, column: 0 };

export function located(message: string, location: Location | undefined): GraphNodeError {
  return location ? { locations: [location], message } : { message };
}

/** `InvalidArgumentError` (error.rs:178-180): the value is printed with Rust's `{:?}`. */
export function invalidArgument(
  name: string,
  value: ValueNode,
  location: Location | undefined,
): GraphNodeError {
  return located(`Invalid value provided for argument \`${name}\`: ${rustDebug(value)}`, location);
}

/** A literal as graphql-parser's `q::Value` prints with derived Debug. */
export function rustDebug(value: ValueNode): string {
  switch (value.kind) {
    case Kind.NULL:
      return "Null";
    case Kind.BOOLEAN:
      return `Boolean(${String(value.value)})`;
    // r::Value::Int goes back to q::Value as `i as i32` (graph/src/data/value.rs:513).
    case Kind.INT:
      return `Int(Number(${String(BigInt.asIntN(32, BigInt(value.value)))}))`;
    case Kind.FLOAT:
      return `Float(${rustFloat(Number(value.value))})`;
    case Kind.STRING:
      return `String(${rustString(value.value)})`;
    case Kind.ENUM:
      return `Enum(${rustString(value.value)})`;
    case Kind.LIST:
      return `List([${value.values.map(rustDebug).join(", ")}])`;
    case Kind.OBJECT: {
      // A BTreeMap: keys in sorted order.
      const fields = [...value.fields].sort((a, b) => (a.name.value < b.name.value ? -1 : 1));
      return `Object({${fields.map((field) => `${rustString(field.name.value)}: ${rustDebug(field.value)}`).join(", ")}})`;
    }
    case Kind.VARIABLE:
      return `Variable(${rustString(value.name.value)})`;
  }
}

function rustFloat(value: number): string {
  return Number.isInteger(value) && Math.abs(value) < 1e16 ? value.toFixed(1) : String(value);
}

/** Rust's Debug for a string: double quotes, with `"` and `\` escaped (close enough for text). */
function rustString(value: string): string {
  return JSON.stringify(value);
}
