// graph-node's `Query._logs` (graph/src/schema/api.rs:1313-1419, types in
// graph/src/schema/logs.graphql). graph-node's default log store is NoOpLogStore
// (GRAPH_LOG_STORE_BACKEND=disabled), which answers every query with no entries; so does this host,
// after graph-node's argument checks (graphql/src/store/logs.rs).
import {
  GraphQLEnumType,
  GraphQLInt,
  GraphQLList,
  GraphQLNonNull,
  GraphQLObjectType,
  GraphQLString,
  Kind,
  type GraphQLFieldConfig,
  type GraphQLResolveInfo,
} from "graphql";
import { LocatedFieldError, rustDebug } from "./graph-node-errors.ts";

export const LOGS_FIELD = "_logs";
export const LOG_TYPE_NAMES = ["_Log_", "_LogArgument_", "_LogMeta_", "LogLevel"];

const text = { type: new GraphQLNonNull(GraphQLString) };

const LogLevel = new GraphQLEnumType({
  name: "LogLevel",
  description: "The severity level of a log entry.",
  values: { CRITICAL: {}, ERROR: {}, WARNING: {}, INFO: {}, DEBUG: {} },
});

const LogArgument = new GraphQLObjectType({
  name: "_LogArgument_",
  fields: { key: text, value: text },
});

const LogMeta = new GraphQLObjectType({
  name: "_LogMeta_",
  fields: {
    module: text,
    line: { type: new GraphQLNonNull(GraphQLInt) },
    column: { type: new GraphQLNonNull(GraphQLInt) },
  },
});

const Log = new GraphQLObjectType({
  name: "_Log_",
  description: "A log entry emitted by a subgraph during indexing.",
  fields: {
    id: text,
    subgraphId: text,
    timestamp: text,
    level: { type: new GraphQLNonNull(LogLevel) },
    text,
    arguments: { type: new GraphQLNonNull(new GraphQLList(new GraphQLNonNull(LogArgument))) },
    meta: { type: new GraphQLNonNull(LogMeta) },
  },
});

const MAX_FIRST = 1000;
const MAX_SKIP = 10000;
const MAX_TEXT_BYTES = 1000;

/** The `_logs` root field; `orderDirection` is the API schema's own OrderDirection enum. */
export function logsField(orderDirection: GraphQLEnumType): GraphQLFieldConfig<unknown, unknown> {
  return {
    type: new GraphQLNonNull(new GraphQLList(new GraphQLNonNull(Log))),
    description:
      "Logs the subgraph emitted while indexing (none: this host, as graph-node by default, keeps no log store)",
    args: {
      level: { type: LogLevel },
      from: { type: GraphQLString },
      to: { type: GraphQLString },
      search: { type: GraphQLString },
      first: { type: GraphQLInt, defaultValue: 100 },
      skip: { type: GraphQLInt, defaultValue: 0 },
      orderDirection: { type: orderDirection, defaultValue: "desc" },
    },
    resolve: (_source, args: Record<string, unknown>, _context, info) => {
      for (const name of givenArguments(info)) checkArgument(name, args[name]);
      return [];
    },
  };
}

/** graph-node checks the arguments in the order the query gives them (build_log_query). */
function givenArguments(info: GraphQLResolveInfo): string[] {
  return (info.fieldNodes[0]?.arguments ?? []).map((argument) => argument.name.value);
}

function checkArgument(name: string, value: unknown): void {
  const refuse = (reason: string): never => {
    throw new LocatedFieldError(
      `Invalid value provided for argument \`${name}\`: ${rustDebug({ kind: Kind.STRING, value: reason })}`,
    );
  };
  if ((name === "from" || name === "to") && typeof value === "string") {
    const problem = timestampProblem(value);
    if (problem) refuse(`Invalid timestamp: ${problem}`);
  }
  if (name === "search" && typeof value === "string") {
    const problem = searchProblem(value);
    if (problem) refuse(`Invalid search text: ${problem}`);
  }
  if ((name === "first" || name === "skip") && typeof value === "number") {
    const max = name === "first" ? MAX_FIRST : MAX_SKIP;
    if (value < 0) refuse(`${name} must be non-negative`);
    if (value > max) refuse(`${name} must not exceed ${max}`);
  }
}

/** logs.rs:32-54 (validate_timestamp). */
function timestampProblem(timestamp: string): string | null {
  if (!timestamp.includes("T")) return "must be in ISO 8601 format (e.g., 2024-01-15T10:30:00Z)";
  if (!timestamp.endsWith("Z") && !timestamp.includes("+") && !timestamp.includes("-"))
    return "must include timezone (Z or offset like +00:00)";
  if (timestamp.length > 50) return "timestamp exceeds maximum length";
  if (/[{};'"]/.test(timestamp)) return "timestamp contains invalid characters";
  return null;
}

/** logs.rs:11-30 (validate_text_input); Rust's `len()` counts UTF-8 bytes. */
function searchProblem(search: string): string | null {
  if (search === "") return "search text cannot be empty";
  if (Buffer.byteLength(search, "utf8") > MAX_TEXT_BYTES)
    return "search text exceeds maximum length of 1000 characters";
  if (/[{}[\]:"]/.test(search)) return 'search text contains invalid characters ({}[]:")';
  return null;
}
