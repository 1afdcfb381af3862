// graph-node runs the top-level fields in groups: consecutive fields with the same block constraint
// (graphql/src/execution/query.rs:288-334, block_constraint), each group on its own
// (graphql/src/runner.rs:169-209), here in one QueryContext so that this host's entity limit
// counts the whole query. An error in a group withholds that whole group's data
// (execution.rs:597-671); `_logs` may not share a group with entity fields (execution.rs:297-304).
// The response has `data` only when some group has it (graph/src/data/query/result.rs:248-252).
import {
  GraphQLError,
  Kind,
  print,
  type DocumentNode,
  type ExecutionResult,
  type FieldNode,
  type FragmentDefinitionNode,
  type SelectionSetNode,
} from "graphql";
import { LocatedFieldError } from "./graph-node-errors.ts";
import { LOGS_FIELD } from "./logs-field.ts";

/** Fields that may share a group with `_logs` (execution.rs:274-289). */
const BESIDE_LOGS = new Set([LOGS_FIELD, "_meta", "__typename", "__schema", "__type"]);

const LOGS_COMBINED = "The _logs query cannot be combined with other entity queries in the same request";

/** The operation's top-level fields in order, fragments spread (a response key may repeat). */
export function topLevelFields(document: DocumentNode): FieldNode[] {
  const fragments = new Map<string, FragmentDefinitionNode>();
  let root: SelectionSetNode | undefined;
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
    else if (definition.kind === Kind.OPERATION_DEFINITION) root ??= definition.selectionSet;
  }
  const fields: FieldNode[] = [];
  const visited = new Set<string>();
  const collect = (set: SelectionSetNode) => {
    for (const selection of set.selections) {
      if (selection.kind === Kind.FIELD) {
        fields.push(selection);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        collect(selection.selectionSet);
      } else if (!visited.has(selection.name.value)) {
        visited.add(selection.name.value);
        const fragment = fragments.get(selection.name.value);
        if (fragment) collect(fragment.selectionSet);
      }
    }
  };
  if (root) collect(root);
  return fields;
}

/** The top-level fields grouped as graph-node groups them by block constraint. */
export function blockGroups(document: DocumentNode): FieldNode[][] {
  const groups: FieldNode[][] = [];
  // graph-node merges fields of one response key into the first (a::SelectionSet::push).
  const groupOf = new Map<string, FieldNode[]>();
  let previous: string | undefined;
  for (const field of topLevelFields(document)) {
    const key = field.alias?.value ?? field.name.value;
    const merged = groupOf.get(key);
    if (merged) {
      merged.push(field);
      continue;
    }
    const block = field.arguments?.find((argument) => argument.name.value === "block");
    const constraint = block ? print(block.value) : "latest";
    let last = groups.at(-1);
    if (last && constraint === previous) last.push(field);
    else groups.push((last = [field]));
    groupOf.set(key, last);
    previous = constraint;
  }
  return groups;
}

/**
 * Runs each block group of `document` on its own with `run` and merges the results as graph-node
 * answers: a group with an error keeps none of its data, errors have no `path`, and `locations`
 * only where graph-node gives them.
 */
export function runByGroups(
  document: DocumentNode,
  run: (group: DocumentNode) => ExecutionResult,
): ExecutionResult {
  const errors: GraphQLError[] = [];
  const data: Record<string, unknown> = {};
  let answered = false;
  for (const group of groupDocuments(document)) {
    if (group === null) {
      errors.push(new GraphQLError(LOGS_COMBINED));
      continue;
    }
    const result = run(group);
    if (result.errors && result.errors.length > 0) {
      errors.push(...result.errors.map(graphNodeShaped));
      continue;
    }
    answered = true;
    Object.assign(data, result.data);
  }
  const merged: ExecutionResult = answered ? { data } : {};
  if (errors.length > 0) merged.errors = errors;
  return merged;
}

/** Each document's groups, once: a prepared document runs again when its request comes again. */
const groupsOfDocument = new WeakMap<DocumentNode, (DocumentNode | null)[]>();

/** The document of each block group (null: a group that mixes `_logs` with entity fields). */
function groupDocuments(document: DocumentNode): (DocumentNode | null)[] {
  let documents = groupsOfDocument.get(document);
  if (!documents) {
    const groups = blockGroups(document);
    // No top-level field at all (each was left out): graph-node still runs one empty group.
    if (groups.length === 0) groups.push([]);
    documents = groups.map((fields) => {
      const mixesLogs =
        fields.some((field) => field.name.value === LOGS_FIELD) &&
        fields.some((field) => !BESIDE_LOGS.has(field.name.value));
      return mixesLogs ? null : withRootFields(document, fields);
    });
    groupsOfDocument.set(document, documents);
  }
  return documents;
}

function withRootFields(document: DocumentNode, fields: FieldNode[]): DocumentNode {
  return {
    ...document,
    definitions: document.definitions.map((definition) =>
      definition.kind === Kind.OPERATION_DEFINITION
        ? { ...definition, selectionSet: { ...definition.selectionSet, selections: fields } }
        : definition,
    ),
  };
}

/** graphql-js's text for a null in a non-null field; graph-node's is NonNullError (execution.rs:866-873). */
const NON_NULL = /^Cannot return null for non-nullable field [^.]+\.(.+)\.$/;

function graphNodeShaped(error: GraphQLError): GraphQLError {
  const nonNull = NON_NULL.exec(error.message);
  if (nonNull)
    return new GraphQLError(`Null value resolved for non-null field \`${nonNull[1]}\``, {
      nodes: error.nodes,
    });
  if (!(error.originalError instanceof LocatedFieldError)) return new GraphQLError(error.message);
  return new GraphQLError(error.message, { nodes: error.nodes, originalError: error.originalError });
}
