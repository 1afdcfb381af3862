// Runs a GraphQL document against a store: validation (graphql's rules plus a depth limit),
// synchronous execution, then graph-node's indexing-error policy.
import {
  GraphQLError,
  Kind,
  OperationTypeNode,
  SingleFieldSubscriptionsRule,
  execute,
  getOperationAST,
  parse,
  specifiedRules,
  validate,
  type DocumentNode,
  type ExecutionResult,
  type FormattedExecutionResult,
  type FragmentDefinitionNode,
  type SelectionSetNode,
} from "graphql";
import type { SubgraphSchema } from "../schema/model.ts";
import { isQueryableStore, type QueryableStore } from "../store/entity-query.ts";
import type { SubgraphStore } from "../store/types.ts";
import { apiSchemaFor, type ApiSchema } from "./api-schema.ts";
import { DEFAULT_LIMITS, depthLimitRule, type QueryLimits } from "./limits.ts";
import { QueryContext } from "./query-context.ts";

export interface ExecuteOptions {
  operationName?: string | null;
  limits?: Partial<QueryLimits>;
}

/** Fields that graph-node still serves when the error policy withholds data. */
const DEBUGGING_FIELDS = new Set(["_meta", "__schema", "__type"]);

export function queryableStore(store: SubgraphStore): QueryableStore {
  if (!isQueryableStore(store))
    throw new Error("the GraphQL API needs a store with findEntities and blockNumber (openSqliteStore's)");
  return store;
}

export function limitsWith(overrides?: Partial<QueryLimits>): QueryLimits {
  return { ...DEFAULT_LIMITS, ...overrides };
}

/**
 * Parses, validates and executes one query (HTTP and embedded use). Subscription operations are
 * refused here: they are served over WebSocket. Never throws for a bad query.
 */
export function executeQuery(
  store: SubgraphStore,
  schema: SubgraphSchema,
  query: string,
  variables?: Record<string, unknown> | null,
  options: ExecuteOptions = {},
): FormattedExecutionResult {
  const api = apiSchemaFor(schema);
  const limits = limitsWith(options.limits);
  const prepared = parseAndValidate(api, query, limits);
  if (!("document" in prepared)) return { errors: prepared.errors.map((error) => error.toJSON()) };
  const operation = getOperationAST(prepared.document, options.operationName ?? undefined);
  if (operation?.operation === OperationTypeNode.SUBSCRIPTION)
    return {
      errors: [
        {
          message:
            "subscriptions are served over WebSocket (graphql-transport-ws protocol) at this path; over HTTP, run it as a query",
        },
      ],
    };
  const result = runDocument(
    api,
    queryableStore(store),
    prepared.document,
    variables,
    options.operationName,
    limits,
  );
  return formatResult(result);
}

export function formatResult(result: ExecutionResult): FormattedExecutionResult {
  const formatted: FormattedExecutionResult = {};
  if (result.errors && result.errors.length > 0)
    formatted.errors = result.errors.map((error) => error.toJSON());
  // graphql-js builds results on null-prototype objects; callers get plain JSON values.
  if (result.data !== undefined)
    formatted.data = JSON.parse(JSON.stringify(result.data)) as typeof result.data;
  return formatted;
}

export function parseAndValidate(
  api: ApiSchema,
  query: string,
  limits: QueryLimits,
): { document: DocumentNode } | { errors: readonly GraphQLError[] } {
  let document: DocumentNode;
  try {
    document = parse(query);
  } catch (error) {
    if (error instanceof GraphQLError) return { errors: [error] };
    throw error;
  }
  // A subscription here mirrors the whole query root, so it may select several fields.
  const rules = specifiedRules.filter((rule) => rule !== SingleFieldSubscriptionsRule);
  const errors = validate(api.schema, document, [...rules, depthLimitRule(limits.maxDepth)]);
  return errors.length > 0 ? { errors } : { document };
}

/** A subscription operation executed as the query it mirrors. */
export function asQueryDocument(document: DocumentNode): DocumentNode {
  return {
    ...document,
    definitions: document.definitions.map((definition) =>
      definition.kind === Kind.OPERATION_DEFINITION && definition.operation === OperationTypeNode.SUBSCRIPTION
        ? { ...definition, operation: OperationTypeNode.QUERY }
        : definition,
    ),
  };
}

/** Executes a validated document (a query, or a subscription as its query) once. */
export function runDocument(
  api: ApiSchema,
  store: QueryableStore,
  document: DocumentNode,
  variables: Record<string, unknown> | null | undefined,
  operationName: string | null | undefined,
  limits: QueryLimits,
): ExecutionResult {
  try {
    const context = new QueryContext(store, limits);
    const queryDocument = asQueryDocument(document);
    const result = execute({
      schema: api.schema,
      document: queryDocument,
      variableValues: variables ?? undefined,
      operationName: operationName ?? undefined,
      contextValue: context,
    });
    if (result instanceof Promise)
      throw new Error("a resolver returned a promise; resolvers must be synchronous");
    return applyErrorPolicy(result, context, queryDocument, operationName);
  } catch (error) {
    // An internal fault (store closed, SQLite error) answers this query; it never ends the process.
    return { errors: [new GraphQLError(`internal error: ${(error as Error).message}`)] };
  }
}

/**
 * graph-node's post-processing (graphql/src/store/resolver.rs): when the subgraph failed at or
 * before the block a query reads, and the query itself has no errors, the response gets the error
 * `indexing_error`; with `subgraphError: deny` (the default) only `_meta` and introspection data
 * are kept, with `allow` everything is. A query of `_meta` only is left as it is.
 */
function applyErrorPolicy(
  result: ExecutionResult,
  context: QueryContext,
  document: DocumentNode,
  operationName: string | null | undefined,
): ExecutionResult {
  if (!context.failure || (result.errors && result.errors.length > 0) || !result.data) return result;
  const latest = context.latest?.number ?? -1;
  // Only fields read at or after the failed block are affected (another `block` may predate it).
  const affected = [...topLevelFields(document, operationName)].filter(([key]) =>
    context.hasIndexingErrors(context.roots.get(key)?.block ?? latest),
  );
  if (affected.every(([, field]) => field === "_meta")) return result;

  const errors = [new GraphQLError("indexing_error")];
  const deny = affected.some(
    ([key, field]) => field !== "_meta" && (context.roots.get(key)?.policy ?? "deny") === "deny",
  );
  if (!deny) return { data: result.data, errors };
  const withheld = new Set(affected.filter(([, field]) => !DEBUGGING_FIELDS.has(field)).map(([key]) => key));
  const kept = Object.entries(result.data).filter(([key]) => !withheld.has(key));
  return kept.length > 0 ? { data: Object.fromEntries(kept), errors } : { errors };
}

/** Response key -> field name of the operation's top-level selections. */
function topLevelFields(
  document: DocumentNode,
  operationName: string | null | undefined,
): Map<string, string> {
  const fields = new Map<string, string>();
  const operation = getOperationAST(document, operationName ?? undefined);
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  }
  const visited = new Set<string>();
  const collect = (set: SelectionSetNode) => {
    for (const selection of set.selections) {
      if (selection.kind === Kind.FIELD) {
        fields.set(selection.alias?.value ?? selection.name.value, selection.name.value);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        collect(selection.selectionSet);
      } else if (!visited.has(selection.name.value)) {
        visited.add(selection.name.value);
        const fragment = fragments.get(selection.name.value);
        if (fragment) collect(fragment.selectionSet);
      }
    }
  };
  if (operation) collect(operation.selectionSet);
  return fields;
}
