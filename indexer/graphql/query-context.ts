// State of one query execution: the store, the latest block as of the query's start (so every
// field of a query sees the same block, as in graph-node), the block and error policy each
// top-level field resolved to, and the running count of entities returned.
import { GraphQLError, type GraphQLResolveInfo } from "graphql";
import type { QueryableStore } from "../store/entity-query.ts";
import type { BlockPointer, IndexingError } from "../store/types.ts";
import type { QueryLimits } from "./limits.ts";

export interface BlockHeightInput {
  number?: number | null;
  hash?: string | null;
  number_gte?: number | null;
}

export type ErrorPolicy = "allow" | "deny";

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
    this.latest = store.latestBlock();
    this.failure = store.failure();
  }

  /** The block a top-level field reads at, recorded for the error-policy check after execution. */
  rootBlock(
    info: GraphQLResolveInfo,
    block: BlockHeightInput | null | undefined,
    policy?: ErrorPolicy,
  ): number {
    const number = this.resolveBlock(block);
    this.roots.set(String(info.path.key), { block: number, policy: policy ?? "deny" });
    return number;
  }

  private resolveBlock(block: BlockHeightInput | null | undefined): number {
    const given = Object.entries(block ?? {}).filter(([, value]) => value !== null && value !== undefined);
    if (given.length > 1)
      throw new GraphQLError(
        "Invalid value provided for argument `block`: give only one of `number`, `hash` and `number_gte`",
      );
    const latest = this.latestNumber();
    if (block?.hash !== null && block?.hash !== undefined) {
      const number = this.store.blockNumber(block.hash);
      if (number === null)
        throw new GraphQLError("Failed to decode `block.hash` value: `no block with that hash found`");
      return number;
    }
    if (block?.number !== null && block?.number !== undefined) {
      if (block.number < 0)
        throw new GraphQLError("Failed to decode `block.number` value: it must not be negative");
      if (block.number > latest) throw this.notYetIndexed("block.number", block.number);
      return block.number;
    }
    if (block?.number_gte !== null && block?.number_gte !== undefined && block.number_gte > latest)
      throw this.notYetIndexed("block.number_gte", block.number_gte);
    return latest;
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
