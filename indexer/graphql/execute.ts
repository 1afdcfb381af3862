// Runs a GraphQL request against a store as graph-node v0.44.0 does: graph-node's lenient
// preparation (prepare-query.ts) with this host's depth and entity limits, synchronous execution,
// results shaped by block group (block-groups.ts), then graph-node's indexing-error policy.
import {
  GraphQLError,
  Kind,
  OperationTypeNode,
  execute,
  type DefinitionNode,
  type DocumentNode,
  type ExecutionResult,
  type FieldNode,
  type FormattedExecutionResult,
  type OperationDefinitionNode,
} from "graphql";
import type { SubgraphSchema } from "../schema/model.ts";
import { isQueryableStore, type QueryableStore } from "../store/entity-query.ts";
import type { SubgraphStore } from "../store/types.ts";
import { apiSchemaFor, type ApiSchema } from "./api-schema.ts";
import { runByGroups, topLevelFields } from "./block-groups.ts";
import type { GraphNodeError } from "./graph-node-errors.ts";
import { DEFAULT_LIMITS, type QueryLimits } from "./limits.ts";
import { liftFilters } from "./lifted-filters.ts";
import { LOGS_FIELD } from "./logs-field.ts";
import { prepareQuery, type Preparation } from "./prepare-query.ts";
import { QueryContext } from "./query-context.ts";

export interface ExecuteOptions {
  /** Accepted and not read, as graph-node never reads it: a document must have one operation. */
  operationName?: string | null;
  limits?: Partial<QueryLimits>;
}

/** Response keys (not field names) that graph-node judges a query of debugging fields by. */
const DEBUGGING_KEYS = new Set(["_meta", LOGS_FIELD]);
/** Response keys whose data graph-node still serves when the error policy withholds data. */
const KEPT_KEYS = new Set([...DEBUGGING_KEYS, "__schema", "__type"]);

export function queryableStore(store: SubgraphStore): QueryableStore {
  if (!isQueryableStore(store))
    throw new Error(
      "the GraphQL API needs a store with findEntities, blockNumber and readConsistently (openSqliteStore's)",
    );
  return store;
}

export function limitsWith(overrides?: Partial<QueryLimits>): QueryLimits {
  return { ...DEFAULT_LIMITS, ...overrides };
}

/**
 * Prepares and executes one query (HTTP and embedded use). Subscription operations are refused
 * here: they are served over WebSocket. Never throws for a bad query.
 */
export function executeQuery(
  store: SubgraphStore,
  schema: SubgraphSchema,
  query: string,
  variables?: Record<string, unknown> | null,
  options: ExecuteOptions = {},
): FormattedExecutionResult {
  const ran = prepareAndRun(store, schema, query, variables, options);
  // graphql-js builds results on null-prototype objects; callers get plain JSON values.
  return "refused" in ran ? { errors: ran.refused } : formatResult(ran.result, plainObjects);
}

/**
 * executeQuery's result as JSON text (the HTTP answer): the same text as JSON.stringify of
 * executeQuery's result, without rebuilding the data as plain objects first (JSON.stringify reads
 * a null-prototype object as it reads a plain one).
 */
export function executeQueryJson(
  store: SubgraphStore,
  schema: SubgraphSchema,
  query: string,
  variables?: Record<string, unknown> | null,
  options: ExecuteOptions = {},
): string {
  const api = apiSchemaFor(schema);
  const limits = limitsWith(options.limits);
  const preparation = prepareQuery(api, query, variables, limits, { subscriptions: false });
  return answerJson(store, api, preparation, limits);
}

/** executeQueryJson's answer to a query prepared (or refused) for `api` with `limits`. */
export function answerJson(
  store: SubgraphStore,
  api: ApiSchema,
  preparation: Preparation,
  limits: QueryLimits,
): string {
  if ("errors" in preparation) return JSON.stringify({ errors: preparation.errors });
  const result = runDocument(api, queryableStore(store), preparation.document, limits);
  return JSON.stringify(formatResult(result, (data) => data));
}

function prepareAndRun(
  store: SubgraphStore,
  schema: SubgraphSchema,
  query: string,
  variables: Record<string, unknown> | null | undefined,
  options: ExecuteOptions,
): { result: ExecutionResult } | { refused: GraphNodeError[] } {
  const api = apiSchemaFor(schema);
  const limits = limitsWith(options.limits);
  const prepared = prepareQuery(api, query, variables, limits, { subscriptions: false });
  if ("errors" in prepared) return { refused: prepared.errors };
  return { result: runDocument(api, queryableStore(store), prepared.document, limits) };
}

function formatResult(
  result: ExecutionResult,
  asJson: (value: unknown) => unknown,
): FormattedExecutionResult {
  const formatted: FormattedExecutionResult = {};
  if (result.errors && result.errors.length > 0)
    formatted.errors = result.errors.map((error) => error.toJSON());
  if (result.data !== undefined) formatted.data = asJson(result.data) as typeof result.data;
  return formatted;
}

/**
 * The value with its objects rebuilt as plain ones; its leaves are JSON values already (scalars
 * serialize to them). Cheaper than a JSON round trip, which it replaces.
 */
function plainObjects(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(plainObjects);
  if (value === null || typeof value !== "object") return value;
  const plain: Record<string, unknown> = {};
  for (const key in value) plain[key] = plainObjects((value as Record<string, unknown>)[key]);
  return plain;
}

/** A subscription operation executed as the query it mirrors. */
function asQueryDocument(document: DocumentNode): DocumentNode {
  if (!document.definitions.some(isSubscription)) return document;
  return {
    ...document,
    definitions: document.definitions.map((definition) =>
      isSubscription(definition) ? { ...definition, operation: OperationTypeNode.QUERY } : definition,
    ),
  };
}

function isSubscription(definition: DefinitionNode): definition is OperationDefinitionNode {
  return (
    definition.kind === Kind.OPERATION_DEFINITION && definition.operation === OperationTypeNode.SUBSCRIPTION
  );
}

/** Executes a prepared document (a query, or a subscription as its query) once. */
export function runDocument(
  api: ApiSchema,
  store: QueryableStore,
  document: DocumentNode,
  limits: QueryLimits,
): ExecutionResult {
  try {
    return store.readConsistently(() => {
      const context = new QueryContext(store, limits);
      const queryDocument = asQueryDocument(document);
      const result = runByGroups(liftFilters(api.schema, queryDocument), (group) => {
        const groupResult = execute({ schema: api.schema, document: group, contextValue: context });
        if (groupResult instanceof Promise)
          throw new Error("a resolver returned a promise; resolvers must be synchronous");
        return groupResult;
      });
      if (result.errors) return result;
      return applyErrorPolicy(result, context, queryDocument);
    });
  } catch (error) {
    // An internal fault (store closed, SQLite error) answers this query; it never ends the process.
    return { errors: [new GraphQLError(`internal error: ${(error as Error).message}`)] };
  }
}

/**
 * graph-node's post-processing (graphql/src/store/resolver.rs): when the subgraph failed at or
 * before the block a query reads, and the query itself has no errors, the response gets the error
 * `indexing_error`; with `subgraphError: deny` (the default) only `_meta`, `_logs` and
 * introspection data are kept, with `allow` everything is. A query of `_meta` and `_logs` only is
 * left as it is. As graph-node (resolver.rs:360-420), both go by response key, not field name.
 */
function applyErrorPolicy(
  result: ExecutionResult,
  context: QueryContext,
  document: DocumentNode,
): ExecutionResult {
  if (!context.failure || !result.data) return result;
  const latest = context.latest?.number ?? -1;
  // Only fields read at or after the failed block are affected (another `block` may predate it).
  const affected = topLevelFields(document)
    .map((field) => ({ key: field.alias?.value ?? field.name.value, allow: allowsErrors(field) }))
    .filter(({ key }) => context.hasIndexingErrors(context.roots.get(key)?.block ?? latest));
  if (affected.every(({ key }) => DEBUGGING_KEYS.has(key))) return result;

  const errors = [new GraphQLError("indexing_error")];
  if (affected.every(({ allow }) => allow)) return { data: result.data, errors };
  const withheld = new Set(affected.filter(({ key }) => !KEPT_KEYS.has(key)).map(({ key }) => key));
  const kept = Object.entries(result.data).filter(([key]) => !withheld.has(key));
  return kept.length > 0 ? { data: Object.fromEntries(kept), errors } : { errors };
}

/** A field without `subgraphError: allow`, `_meta` too, makes the policy deny (query.rs:305-331). */
function allowsErrors(field: FieldNode): boolean {
  const policy = field.arguments?.find((argument) => argument.name.value === "subgraphError")?.value;
  return policy?.kind === Kind.ENUM && policy.value === "allow";
}
