export { apiSchemaFor, type ApiSchema } from "./api-schema.ts";
export { executeQuery, type ExecuteOptions } from "./execute.ts";
export { DEFAULT_LIMITS, MAX_FIRST, MAX_SKIP, type QueryLimits } from "./limits.ts";
export { rootFieldNames } from "./names.ts";
export { DEFAULT_WEBSOCKET_LIMITS, type WebSocketLimits } from "./request-guards.ts";
export {
  startGraphqlServer,
  type GraphqlServer,
  type GraphqlServerOptions,
  type GraphqlSubgraph,
} from "./server.ts";
