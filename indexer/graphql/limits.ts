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
export const MAX_SKIP = 5000;
export const DEFAULT_FIRST = 100;

export const DEFAULT_LIMITS: QueryLimits = { maxDepth: 24, maxEntities: 100_000 };

export function depthLimitRule(maxDepth: number): ValidationRule {
  return (context: ValidationContext) => ({
    OperationDefinition(node) {
      const depth = selectionDepth(node.selectionSet, context, new Set());
      if (depth > maxDepth)
        context.reportError(
          new GraphQLError(`query has a depth that exceeds the limit of \`${maxDepth}\``, { nodes: node }),
        );
    },
  });
}

function selectionDepth(set: SelectionSetNode, context: ValidationContext, visiting: Set<string>): number {
  let deepest = 0;
  for (const selection of set.selections) {
    let depth = 0;
    if (selection.kind === Kind.FIELD) {
      depth = 1 + (selection.selectionSet ? selectionDepth(selection.selectionSet, context, visiting) : 0);
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      depth = selectionDepth(selection.selectionSet, context, visiting);
    } else {
      const name = selection.name.value;
      const fragment: FragmentDefinitionNode | null | undefined = context.getFragment(name);
      // Cycles are reported by graphql's own NoFragmentCyclesRule.
      if (fragment && !visiting.has(name)) {
        visiting.add(name);
        depth = selectionDepth(fragment.selectionSet, context, visiting);
        visiting.delete(name);
      }
    }
    deepest = Math.max(deepest, depth);
  }
  return deepest;
}
