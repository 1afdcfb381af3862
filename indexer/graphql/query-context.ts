// State of one query execution: the store, the latest block as of the query's start (so every
// field of a query sees the same block, as in graph-node), the block and error policy each
// top-level field resolved to, and the running count of entities returned.
import { astFromValue, GraphQLError, type GraphQLResolveInfo } from "graphql";
import type { QueryableStore } from "../store/entity-query.ts";
import type { BlockPointer, IndexingError } from "../store/types.ts";
import { rustDebug } from "./graph-node-errors.ts";
import { headState } from "./head-state.ts";
import type { QueryLimits } from "./limits.ts";

export interface BlockHeightInput {
  number?: number | null;
  hash?: string | null;
  number_gte?: number | null;
}

export type ErrorPolicy = "allow" | "deny";

const BLOCK_KEYS = ["hash", "number", "number_gte"] as const;
const EARLIEST_BLOCK = 0;

/** graph-node's InvalidArgumentError for `block`, the coerced value printed as Rust's `{:?}`. */
function invalidBlockArgument(info: GraphQLResolveInfo, block: BlockHeightInput): GraphQLError {
  const type = info.parentType.getFields()[info.fieldName]?.args.find((arg) => arg.name === "block")?.type;
  const literal = type ? astFromValue(block, type) : null;
  return new GraphQLError(
    `Invalid value provided for argument \`block\`: ${literal ? rustDebug(literal) : JSON.stringify(block)}`,
  );
}

export interface RootFieldUse {
  block: number;
  policy: ErrorPolicy;
}

export class QueryContext {
  readonly latest: BlockPointer | null;
  readonly failure: IndexingError | null;
  /** Top-level response key -> what that field resolved. */
  readonly roots = new Map<string, RootFieldUse>();
  private entitiesReturned = 0;

  constructor(
    readonly store: QueryableStore,
    readonly limits: QueryLimits,
  ) {
    ({ latest: this.latest, failure: this.failure } = headState(store));
  }

  /** The block a top-level field reads at, recorded for the error-policy check after execution. */
  rootBlock(
    info: GraphQLResolveInfo,
    block: BlockHeightInput | null | undefined,
    policy?: ErrorPolicy,
  ): number {
    const number = this.resolveBlock(info, block);
    this.roots.set(String(info.path.key), { block: number, policy: policy ?? "deny" });
    return number;
  }

  /**
   * As graph-node's BlockConstraint (graphql/src/query/ext.rs:82-101): the first key given of
   * `hash`, `number` and `number_gte` decides, the others are ignored; no key, or null there, is an
   * invalid argument.
   */
  private resolveBlock(info: GraphQLResolveInfo, block: BlockHeightInput | null | undefined): number {
    if (block === null || block === undefined) return this.latestNumber();
    const key = BLOCK_KEYS.find((name) => block[name] !== undefined);
    const value = key === undefined ? null : block[key];
    if (value === null || value === undefined) throw invalidBlockArgument(info, block);
    const latest = this.latestNumber();
    if (typeof value === "string") {
      const number = this.store.blockNumber(value);
      if (number === null)
        throw new GraphQLError("Failed to decode `block.hash` value: `no block with that hash found`");
      return number;
    }
    if (key === "number_gte") {
      if (value > latest) throw this.notYetIndexed("block.number_gte", value);
      return latest;
    }
    // graph-node's earliest block is the deployment's start block pointer; this host serves from 0.
    if (value < EARLIEST_BLOCK)
      throw new GraphQLError(
        `Failed to decode \`block.number\` value: \`subgraph ${this.store.deployment} only has data starting at block number ${EARLIEST_BLOCK} and data for block number ${value} is therefore not available\``,
      );
    if (value > latest) throw this.notYetIndexed("block.number", value);
    return value;
  }

  private latestNumber(): number {
    if (!this.latest)
      throw new GraphQLError(
        `Subgraph \`${this.store.deployment}\` has not started syncing yet. Wait for it to ingest a few blocks before querying it`,
      );
    return this.latest.number;
  }

  private notYetIndexed(argument: string, wanted: number): GraphQLError {
    return new GraphQLError(
      `Failed to decode \`${argument}\` value: \`subgraph ${this.store.deployment} has only indexed up to block number ${this.latest?.number} and data for block number ${wanted} is therefore not yet available\``,
    );
  }

  /** As graph-node: errors are visible at and after the block where the subgraph failed. */
  hasIndexingErrors(block: number): boolean {
    return this.failure !== null && this.failure.block.number <= block;
  }

  countEntities(count: number): void {
    this.entitiesReturned += count;
    if (this.entitiesReturned > this.limits.maxEntities)
      throw new GraphQLError(
        `the query returns more than ${this.limits.maxEntities} entities, the limit; query fewer relationships or use \`first\` to return smaller collections`,
      );
  }
}
