// graph-node's custom scalars. Results: BigInt, BigDecimal, Int8 and Timestamp as decimal strings,
// Bytes as 0x-hex. Inputs are read into the store's value representation (types.ts): BigInt, Int8
// and Timestamp as bigint, BigDecimal as a normalised decimal string, Bytes as lowercase 0x-hex.
import { GraphQLError, GraphQLScalarType, Kind, type ValueNode } from "graphql";
import { format as formatDecimal, parse as parseDecimal } from "../runtime/big-decimal.ts";
import { normalizeBigDecimal } from "../store/sortable-numbers.ts";

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

function literalText(ast: ValueNode, scalar: string, kinds: Kind[]): string {
  if (!kinds.includes(ast.kind) || !("value" in ast) || typeof ast.value !== "string")
    throw new GraphQLError(`${scalar} cannot represent this literal`, { nodes: ast });
  return ast.value;
}

function integerInput(value: unknown, scalar: string): bigint {
  if (typeof value === "bigint") return value;
  if (typeof value === "number" && Number.isSafeInteger(value)) return BigInt(value);
  if (typeof value === "string" && /^-?\d+$/.test(value.trim())) return BigInt(value.trim());
  throw new GraphQLError(
    `${scalar} expects an integer or a string of decimal digits, got ${JSON.stringify(value)}`,
  );
}

function int64Input(value: unknown, scalar: string): bigint {
  const parsed = integerInput(value, scalar);
  if (parsed < INT64_MIN || parsed > INT64_MAX)
    throw new GraphQLError(`${scalar} ${parsed} is out of the 64-bit range`);
  return parsed;
}

function asString(value: unknown, scalar: string): string {
  if (typeof value === "bigint" || typeof value === "number") return value.toString();
  if (typeof value === "string") return value;
  throw new GraphQLError(`${scalar} cannot represent ${JSON.stringify(value)}`);
}

export const BigIntScalar = new GraphQLScalarType<bigint, string>({
  name: "BigInt",
  serialize: (value) => asString(value, "BigInt"),
  parseValue: (value) => integerInput(value, "BigInt"),
  parseLiteral: (ast) => integerInput(literalText(ast, "BigInt", [Kind.STRING, Kind.INT]), "BigInt"),
});

export const Int8Scalar = new GraphQLScalarType<bigint, string>({
  name: "Int8",
  description: "8 bytes signed integer",
  serialize: (value) => asString(value, "Int8"),
  parseValue: (value) => int64Input(value, "Int8"),
  parseLiteral: (ast) => int64Input(literalText(ast, "Int8", [Kind.STRING, Kind.INT]), "Int8"),
});

export const TimestampScalar = new GraphQLScalarType<bigint, string>({
  name: "Timestamp",
  description: "A string representation of microseconds UNIX timestamp (16 digits)",
  serialize: (value) => asString(value, "Timestamp"),
  parseValue: (value) => int64Input(value, "Timestamp"),
  parseLiteral: (ast) => int64Input(literalText(ast, "Timestamp", [Kind.STRING, Kind.INT]), "Timestamp"),
});

/** As graph-node parses a query's BigDecimal (scalar/bigdecimal.rs:121-126): to 34 digits. */
function decimalInput(value: unknown): string {
  try {
    // Checked (exponent range) before the 34-digit rounding, which writes out every digit.
    const checked = normalizeBigDecimal(asString(value, "BigDecimal"));
    return normalizeBigDecimal(formatDecimal(parseDecimal(checked)));
  } catch (error) {
    throw new GraphQLError(`BigDecimal: ${(error as Error).message}`);
  }
}

export const BigDecimalScalar = new GraphQLScalarType<string, string>({
  name: "BigDecimal",
  serialize: (value) => asString(value, "BigDecimal"),
  parseValue: decimalInput,
  parseLiteral: (ast) => decimalInput(literalText(ast, "BigDecimal", [Kind.STRING, Kind.INT, Kind.FLOAT])),
});

function bytesInput(value: unknown): string {
  if (typeof value !== "string")
    throw new GraphQLError(`Bytes expects a hex string, got ${JSON.stringify(value)}`);
  const hex = value.startsWith("0x") || value.startsWith("0X") ? value.slice(2) : value;
  if (!/^(?:[0-9a-fA-F]{2})*$/.test(hex))
    throw new GraphQLError(`Bytes expects an even number of hex digits, got ${JSON.stringify(value)}`);
  return `0x${hex.toLowerCase()}`;
}

export const BytesScalar = new GraphQLScalarType<string, string>({
  name: "Bytes",
  serialize: (value) => asString(value, "Bytes"),
  parseValue: bytesInput,
  parseLiteral: (ast) => bytesInput(literalText(ast, "Bytes", [Kind.STRING])),
});

export { bytesInput as normalizeBytesInput };
