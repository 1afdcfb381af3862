// Bounds on what one query may cost. `first` and `skip` follow graph-node (and the hosted
// service); depth and total entities are this host's own guards against runaway nesting.
import {
  GraphQLError,
  Kind,
  type FragmentDefinitionNode,
  type SelectionSetNode,
  type ValidationContext,
  type ValidationRule,
} from "graphql";

export interface QueryLimits {
  /** Deepest nesting of fields in an operation. */
  maxDepth: number;
  /** Entities one query may return, summed over every level. */
  maxEntities: number;
}

export const MAX_FIRST = 1000;
/** graph-node's default `GRAPH_GRAPHQL_MAX_SKIP` (u32::MAX): in effect no limit. */
export const MAX_SKIP = 4_294_967_295;
export const DEFAULT_FIRST = 100;

export const DEFAULT_LIMITS: QueryLimits = { maxDepth: 24, maxEntities: 100_000 };

export function depthLimitRule(maxDepth: number): ValidationRule {
  return (context: ValidationContext) => ({
    OperationDefinition(node) {
      const depth = new SelectionDepth(context).of(node.selectionSet);
      if (depth > maxDepth)
        context.reportError(
          new GraphQLError(`query has a depth that exceeds the limit of \`${maxDepth}\``, { nodes: node }),
        );
    },
  });
}

/**
 * Depth of selection sets, each fragment measured once: a fragment's depth does not depend on
 * where it is spread, and walking it again at every spread is exponential in chained fragments.
 */
class SelectionDepth {
  private readonly fragments = new Map<string, number>();
  private readonly visiting = new Set<string>();

  constructor(private readonly context: ValidationContext) {}

  of(set: SelectionSetNode): number {
    let deepest = 0;
    for (const selection of set.selections) {
      let depth = 0;
      if (selection.kind === Kind.FIELD)
        depth = 1 + (selection.selectionSet ? this.of(selection.selectionSet) : 0);
      else if (selection.kind === Kind.INLINE_FRAGMENT) depth = this.of(selection.selectionSet);
      else depth = this.fragment(selection.name.value);
      deepest = Math.max(deepest, depth);
    }
    return deepest;
  }

  private fragment(name: string): number {
    const known = this.fragments.get(name);
    if (known !== undefined) return known;
    const fragment: FragmentDefinitionNode | null | undefined = this.context.getFragment(name);
    // Cycles are reported by graphql's own NoFragmentCyclesRule; here a cycle adds nothing.
    if (!fragment || this.visiting.has(name)) return 0;
    this.visiting.add(name);
    const depth = this.of(fragment.selectionSet);
    this.visiting.delete(name);
    this.fragments.set(name, depth);
    return depth;
  }
}
