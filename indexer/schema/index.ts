export * from "./model.ts";
export { parseSubgraphSchema, SubgraphSchemaError } from "./parse-schema.ts";
