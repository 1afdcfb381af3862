// Bounds on what one query may cost. `first` and `skip` follow graph-node (and the hosted
// service); depth and total entities are this host's own guards against runaway nesting.
import { Kind, type FragmentDefinitionNode, type SelectionSetNode } from "graphql";

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

/** A fragment that spreads itself, directly or through others (graph-node's CyclicalFragment). */
export class FragmentCycleError extends Error {
  constructor(readonly fragment: string) {
    super(`query has fragment cycle including \`${fragment}\``);
  }
}

/**
 * Deepest nesting of fields under `set`, each fragment measured once: a fragment's depth does not
 * depend on where it is spread, and walking it again at every spread is exponential in chained
 * fragments. Throws FragmentCycleError; an undefined fragment adds nothing (reported elsewhere).
 */
export function selectionDepth(
  set: SelectionSetNode,
  fragments: ReadonlyMap<string, FragmentDefinitionNode>,
): number {
  return new SelectionDepth(fragments).of(set);
}

export function depthError(maxDepth: number): string {
  return `query has a depth that exceeds the limit of \`${maxDepth}\``;
}

class SelectionDepth {
  private readonly depths = new Map<string, number>();
  private readonly visiting = new Set<string>();

  constructor(private readonly fragments: ReadonlyMap<string, FragmentDefinitionNode>) {}

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
    const known = this.depths.get(name);
    if (known !== undefined) return known;
    if (this.visiting.has(name)) throw new FragmentCycleError(name);
    const fragment = this.fragments.get(name);
    if (!fragment) return 0;
    this.visiting.add(name);
    const depth = this.of(fragment.selectionSet);
    this.visiting.delete(name);
    this.depths.set(name, depth);
    return depth;
  }
}
