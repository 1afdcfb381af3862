// Prepares a request as graph-node v0.44.0 does (graphql/src/execution/query.rs, Query::new): its
// GraphQL validation is off by default (ENABLE_GRAPHQL_VALIDATIONS, graph/src/env/graphql.rs:154),
// so instead of graphql-js's rules this runs graph-node's own, lenient checks and rewrites the
// document into one graphql-js can execute: one operation; variables coerced and put in place
// (an undefined one is null); unknown arguments dropped; arguments coerced by graph-node's rules
// (an enum value may be a string); object fields without a selection dropped and leaf fields'
// selections ignored. This host's depth limit (limits.ts) still applies: clients are untrusted.
import {
  GraphQLError,
  Kind,
  OperationTypeNode,
  SchemaMetaFieldDef,
  TypeMetaFieldDef,
  TypeNameMetaFieldDef,
  getLocation,
  getNamedType,
  isCompositeType,
  isEnumType,
  isInputObjectType,
  isInputType,
  isLeafType,
  isListType,
  isNonNullType,
  isScalarType,
  parse,
  typeFromAST,
  type ArgumentNode,
  type DirectiveNode,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLInterfaceType,
  type GraphQLObjectType,
  type GraphQLScalarType,
  type ASTNode,
  type OperationDefinitionNode,
  type SelectionNode,
  type SelectionSetNode,
  type ValueNode,
} from "graphql";
import type { ApiSchema } from "./api-schema.ts";
import { LruCache } from "./lru-cache.ts";
import {
  GENERATED_POSITION,
  invalidArgument,
  located,
  type GraphNodeError,
  type Location,
} from "./graph-node-errors.ts";
import { FragmentCycleError, depthError, selectionDepth, type QueryLimits } from "./limits.ts";

export interface PreparedQuery {
  /** The one operation, with its variables in place, and the fragments it spreads. */
  document: DocumentNode;
  operation: OperationDefinitionNode;
}

export type Preparation = PreparedQuery | { errors: GraphNodeError[] };

export interface PrepareOptions {
  /** Subscription operations are this host's extension over WebSocket; graph-node has none. */
  subscriptions: boolean;
}

type Composite = GraphQLObjectType | GraphQLInterfaceType;

class Refusal extends Error {
  constructor(readonly errors: GraphNodeError[]) {
    super(errors.map((error) => error.message).join("; "));
  }
}

/**
 * What a query text yields before any variable is read, kept per text: the parse, the one
 * operation and its fragments, the selection depth and (once a request passed the depth limit)
 * the unknown fields. Variables, directives and arguments are still applied per request.
 */
interface Analysis {
  operation: OperationDefinitionNode;
  fragments: ReadonlyMap<string, FragmentDefinitionNode>;
  /** The selection depth, or the message of the fragment cycle that has none. */
  depth: number | { cycle: string };
  unknown: GraphNodeError[] | null;
}

type Analyzed = Analysis | { errors: GraphNodeError[] };

/** Query texts kept per API schema; clients send few distinct texts, attackers many. */
const CACHED_TEXTS = 500;
/** Longer texts are analysed every time, so the cache stays a few megabytes at most. */
const MAX_CACHED_TEXT = 8 * 1024;
const analyses = new WeakMap<ApiSchema, LruCache<string, Analyzed>>();

/** How many query texts the cache holds for this API schema. */
export function cachedDocumentCount(api: ApiSchema): number {
  return analyses.get(api)?.size ?? 0;
}

export function prepareQuery(
  api: ApiSchema,
  text: string,
  variables: Record<string, unknown> | null | undefined,
  limits: QueryLimits,
  options: PrepareOptions,
): Preparation {
  const analysis = analyzed(api, text);
  // A copy: the cached refusal stays as it is whatever a caller does with its answer.
  if ("errors" in analysis) return { errors: [...analysis.errors] };
  try {
    return new Preparer(api, analysis, limits).prepare(variables ?? {}, options);
  } catch (error) {
    if (error instanceof Refusal) return { errors: error.errors };
    throw error;
  }
}

function analyzed(api: ApiSchema, text: string): Analyzed {
  if (text.length > MAX_CACHED_TEXT) return analyze(text);
  let cache = analyses.get(api);
  if (!cache) analyses.set(api, (cache = new LruCache(CACHED_TEXTS)));
  let analysis = cache.get(text);
  if (!analysis) cache.set(text, (analysis = analyze(text)));
  return analysis;
}

function analyze(text: string): Analyzed {
  let document: DocumentNode;
  try {
    document = parse(text);
  } catch (error) {
    if (error instanceof GraphQLError) return { errors: [located(error.message, error.locations?.[0])] };
    throw error;
  }
  // query.rs:206-217: one operation, whatever operationName says (graph-node never reads it).
  const operations: OperationDefinitionNode[] = [];
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.OPERATION_DEFINITION) operations.push(definition);
    else if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
    else
      return {
        errors: [located(`the document has a ${definition.kind}; send only a query`, locationOf(definition))],
      };
  }
  const operation = operations.length === 1 ? operations[0] : undefined;
  if (!operation) return { errors: [{ message: "Operation name required" }] };
  let depth: Analysis["depth"];
  try {
    depth = selectionDepth(operation.selectionSet, fragments);
  } catch (error) {
    if (!(error instanceof FragmentCycleError)) throw error;
    depth = { cycle: error.message };
  }
  return { operation, fragments, depth, unknown: null };
}

function locationOf(node: ASTNode): Location | undefined {
  return node.loc ? getLocation(node.loc.source, node.loc.start) : undefined;
}

class Preparer {
  private readonly fragments: ReadonlyMap<string, FragmentDefinitionNode>;
  private readonly prepared = new Map<string, FragmentDefinitionNode | null>();
  private variables = new Map<string, ValueNode>();

  constructor(
    private readonly api: ApiSchema,
    private readonly analysis: Analysis,
    private readonly limits: QueryLimits,
  ) {
    this.fragments = analysis.fragments;
  }

  prepare(variables: Record<string, unknown>, options: PrepareOptions): PreparedQuery {
    const { operation } = this.analysis;
    this.variables = this.coerceVariables(operation, variables);
    if (operation.operation === OperationTypeNode.MUTATION)
      throw new Refusal([{ message: "Not supported: Mutations are not supported" }]);
    if (operation.operation === OperationTypeNode.SUBSCRIPTION && !options.subscriptions)
      throw new Refusal([
        {
          message:
            "Not supported: Subscriptions are not supported over HTTP; this host serves them over WebSocket (graphql-transport-ws protocol) at this path, or run it as a query",
        },
      ]);
    const { depth } = this.analysis;
    if (typeof depth !== "number") throw new Refusal([{ message: depth.cycle }]);
    if (depth > this.limits.maxDepth) throw new Refusal([{ message: depthError(this.limits.maxDepth) }]);
    const root = this.api.schema.getQueryType();
    if (!root) throw new Error("the API schema has no Query type");
    // Found once per text, and only for a text within some depth limit (the walk recurses).
    this.analysis.unknown ??= this.unknownFields(operation.selectionSet, root, new Set());
    if (this.analysis.unknown.length > 0) throw new Refusal(this.analysis.unknown);

    const selectionSet = this.selectionSet(operation.selectionSet, root);
    const prepared: OperationDefinitionNode = {
      ...operation,
      variableDefinitions: [],
      directives: [],
      selectionSet,
    };
    const fragments = [...this.prepared.values()].filter((fragment) => fragment !== null);
    return { document: { kind: Kind.DOCUMENT, definitions: [prepared, ...fragments] }, operation: prepared };
  }

  /** query.rs:373-434 (coerce_variables): declared variables only; the first bad value fails. */
  private coerceVariables(
    operation: OperationDefinitionNode,
    given: Record<string, unknown>,
  ): Map<string, ValueNode> {
    const coerced = new Map<string, ValueNode>();
    const errors: GraphNodeError[] = [];
    for (const definition of operation.variableDefinitions ?? []) {
      const name = definition.variable.name.value;
      const type = typeFromAST(this.api.schema, definition.type);
      if (!type || !isInputType(type)) {
        errors.push(located(`Variable \`${name}\` must have an input type`, this.at(definition)));
        continue;
      }
      const value = Object.hasOwn(given, name) ? jsonToAst(given[name]) : definition.defaultValue;
      if (value === undefined) {
        if (isNonNullType(type))
          errors.push(located(`No value provided for required variable \`${name}\``, this.at(definition)));
        continue;
      }
      const result = coerceValue(value, type);
      if ("bad" in result) throw new Refusal([invalidArgument(name, result.bad, this.at(definition))]);
      if ("scalarError" in result)
        throw new Refusal([{ message: `variable \`${name}\`: ${result.scalarError}` }]);
      coerced.set(name, result.ok);
    }
    if (errors.length > 0) throw new Refusal(errors);
    return coerced;
  }

  /** query.rs:612-695 (validate_fields): every unknown field and undefined fragment, reachable ones only. */
  private unknownFields(set: SelectionSetNode, type: Composite, seen: Set<string>): GraphNodeError[] {
    const errors: GraphNodeError[] = [];
    for (const selection of set.selections) {
      if (selection.kind === Kind.FIELD) {
        const field = this.fieldDef(type, selection.name.value);
        if (!field) {
          errors.push(
            located(`Type \`${type.name}\` has no field \`${selection.name.value}\``, this.at(selection)),
          );
          continue;
        }
        const named = getNamedType(field.type);
        if (selection.selectionSet && isCompositeType(named) && !isLeafType(named))
          errors.push(...this.unknownFields(selection.selectionSet, named as Composite, seen));
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        const inner = selection.typeCondition ? this.compositeType(selection.typeCondition.name.value) : type;
        if (!inner) errors.push(namedTypeError(selection.typeCondition?.name.value ?? ""));
        else errors.push(...this.unknownFields(selection.selectionSet, inner, seen));
      } else {
        const name = selection.name.value;
        if (seen.has(name)) continue;
        seen.add(name);
        const fragment = this.fragments.get(name);
        if (!fragment) {
          errors.push({ message: `fragment \`${name}\` is not defined` });
          continue;
        }
        const inner = this.compositeType(fragment.typeCondition.name.value);
        if (!inner) errors.push(namedTypeError(fragment.typeCondition.name.value));
        else errors.push(...this.unknownFields(fragment.selectionSet, inner, seen));
      }
    }
    return errors;
  }

  /** query.rs:937-1007 (expand_selection_set); fragments stay fragments, each prepared once. */
  private selectionSet(set: SelectionSetNode, type: Composite): SelectionSetNode {
    const selections: SelectionNode[] = [];
    for (const selection of set.selections) {
      if (selection.kind === Kind.FIELD) {
        const field = this.field(selection, type);
        if (field) selections.push(field);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        if (this.skipped(selection.directives)) continue;
        const inner = selection.typeCondition ? this.compositeType(selection.typeCondition.name.value) : type;
        if (!inner) continue;
        selections.push({
          ...selection,
          directives: [],
          selectionSet: this.selectionSet(selection.selectionSet, inner),
        });
      } else {
        // graph-node ignores directives on a fragment spread (query.rs:962-963).
        this.fragment(selection.name.value);
        selections.push({ ...selection, directives: [] });
      }
    }
    return { ...set, selections };
  }

  private fragment(name: string): void {
    if (this.prepared.has(name)) return;
    const fragment = this.fragments.get(name);
    const type = fragment && this.compositeType(fragment.typeCondition.name.value);
    if (!fragment || !type) return;
    this.prepared.set(name, null);
    this.prepared.set(name, {
      ...fragment,
      directives: [],
      selectionSet: this.selectionSet(fragment.selectionSet, type),
    });
  }

  /** query.rs:862-935 (expand_field); null when the field is left out. */
  private field(node: FieldNode, parent: Composite): FieldNode | null {
    if (node.name.value === "__typename")
      return { ...node, arguments: [], directives: [], selectionSet: undefined };
    const field = this.fieldDef(parent, node.name.value);
    if (!field)
      throw new Refusal([
        located(`Type \`${parent.name}\` has no field \`${node.name.value}\``, this.at(node)),
      ]);
    if (this.skipped(node.directives)) return null;
    const args = this.coerceArguments(node, field);
    const named = getNamedType(field.type);
    if (isLeafType(named)) {
      // Most fields: a plain leaf is kept as parsed (nothing to rewrite; documents are never changed).
      if (args.length === 0 && !node.arguments?.length && !node.directives?.length && !node.selectionSet)
        return node;
      return { ...node, arguments: args, directives: [], selectionSet: undefined };
    }
    // graphql-bug-compat: a field that needs a selection and has none is left out.
    if (!node.selectionSet || node.selectionSet.selections.length === 0) return null;
    return {
      ...node,
      arguments: args,
      directives: [],
      selectionSet: this.selectionSet(node.selectionSet, named as Composite),
    };
  }

  /** query.rs:798-857 (coerce_argument_values): arguments the field does not define are dropped. */
  private coerceArguments(node: FieldNode, field: GraphQLField<unknown, unknown>): ArgumentNode[] {
    const errors: GraphNodeError[] = [];
    const coerced: ArgumentNode[] = [];
    for (const definition of field.args) {
      const argument = node.arguments?.find((candidate) => candidate.name.value === definition.name);
      if (!argument) {
        if (definition.defaultValue === undefined && isNonNullType(definition.type))
          errors.push(
            located(`No value provided for required argument: \`${definition.name}\``, GENERATED_POSITION),
          );
        continue;
      }
      const result = coerceValue(this.interpolate(argument.value), definition.type);
      if ("bad" in result) errors.push(invalidArgument(definition.name, result.bad, GENERATED_POSITION));
      else if ("scalarError" in result)
        errors.push({ message: `argument \`${definition.name}\`: ${result.scalarError}` });
      else coerced.push({ ...argument, value: result.ok });
    }
    if (errors.length > 0) throw new Refusal(errors);
    return coerced;
  }

  /** query.rs:720-770: variables put in place; an undefined one is null. */
  private interpolate(value: ValueNode): ValueNode {
    switch (value.kind) {
      case Kind.VARIABLE:
        return this.variables.get(value.name.value) ?? { kind: Kind.NULL };
      case Kind.LIST:
        return { ...value, values: value.values.map((item) => this.interpolate(item)) };
      case Kind.OBJECT:
        return {
          ...value,
          fields: value.fields.map((field) => ({ ...field, value: this.interpolate(field.value) })),
        };
      default:
        return value;
    }
  }

  /** `@skip(if: true)` and `@include(if: false)` leave the selection out. */
  private skipped(directives: readonly DirectiveNode[] | undefined): boolean {
    return (directives ?? []).some((directive) => {
      const condition = directive.arguments?.find((argument) => argument.name.value === "if");
      const value = condition ? this.interpolate(condition.value) : undefined;
      const flag = value?.kind === Kind.BOOLEAN ? value.value : undefined;
      return (
        (directive.name.value === "skip" && flag === true) ||
        (directive.name.value === "include" && flag === false)
      );
    });
  }

  /** graph/src/schema/ast.rs:185-210: `__typename` is a field of every type. */
  private fieldDef(type: Composite, name: string): GraphQLField<unknown, unknown> | undefined {
    if (name === "__typename") return TypeNameMetaFieldDef;
    if (type === this.api.schema.getQueryType() || type === this.api.schema.getSubscriptionType()) {
      if (name === "__schema") return SchemaMetaFieldDef;
      if (name === "__type") return TypeMetaFieldDef;
    }
    return type.getFields()[name];
  }

  private compositeType(name: string): Composite | undefined {
    const type = this.api.schema.getType(name);
    return type && isCompositeType(type) && !isLeafType(type) && "getFields" in type ? type : undefined;
  }

  private at(node: ASTNode): Location | undefined {
    return locationOf(node);
  }
}

function namedTypeError(name: string): GraphNodeError {
  return { message: `Failed to resolve named type \`${name}\`` };
}

type Coercion = { ok: ValueNode } | { bad: ValueNode } | { scalarError: string };

/** graphql/src/values/coercion.rs:155-213 (coerce_value) with graph/src/data/value.rs:333-379. */
function coerceValue(value: ValueNode, type: GraphQLInputType): Coercion {
  if (isNonNullType(type)) return value.kind === Kind.NULL ? { bad: value } : coerceValue(value, type.ofType);
  if (value.kind === Kind.NULL) return { ok: value };
  if (isListType(type)) {
    if (value.kind !== Kind.LIST) return { bad: value };
    const values: ValueNode[] = [];
    for (const item of value.values) {
      const result = coerceValue(item, type.ofType);
      if (!("ok" in result)) return result;
      values.push(result.ok);
    }
    return { ok: { ...value, values } };
  }
  if (isEnumType(type)) {
    const known = (value.kind === Kind.STRING || value.kind === Kind.ENUM) && type.getValue(value.value);
    return known ? { ok: { kind: Kind.ENUM, value: value.value } } : { bad: value };
  }
  if (isScalarType(type)) return coerceScalar(value, type);
  if (isInputObjectType(type)) {
    if (value.kind !== Kind.OBJECT) return { bad: value };
    const definitions = type.getFields();
    const fields = [];
    for (const field of value.fields) {
      const definition = definitions[field.name.value];
      if (!definition) return { bad: value };
      const result = coerceValue(field.value, definition.type);
      if ("bad" in result) return { bad: value };
      if ("scalarError" in result) return result;
      fields.push({ ...field, value: result.ok });
    }
    return { ok: { ...value, fields } };
  }
  return { bad: value };
}

const I32_MIN = -(2 ** 31);
const I32_MAX = 2 ** 31 - 1;

/** value.rs:348-379 (coerce_scalar), then this host's scalar parsing for its messages. */
function coerceScalar(value: ValueNode, scalar: GraphQLScalarType): Coercion {
  const string = (text: string): ValueNode => ({ kind: Kind.STRING, value: text });
  let accepted: ValueNode | undefined;
  switch (scalar.name) {
    case "Boolean":
      if (value.kind === Kind.BOOLEAN) accepted = value;
      break;
    case "Int":
      if (value.kind === Kind.INT && Number(value.value) >= I32_MIN && Number(value.value) <= I32_MAX)
        accepted = value;
      break;
    case "BigDecimal":
      if (value.kind === Kind.FLOAT) accepted = string(String(Number(value.value)));
      else if (value.kind === Kind.INT) accepted = string(value.value);
      else if (value.kind === Kind.STRING) accepted = value;
      break;
    case "Int8":
    case "ID":
    case "BigInt":
      if (value.kind === Kind.INT) accepted = string(value.value);
      else if (value.kind === Kind.STRING) accepted = value;
      break;
    case "Timestamp":
      // Timestamp::parse_timestamp: an i64 of microseconds, as a string only.
      if (value.kind === Kind.STRING && /^[+-]?\d+$/.test(value.value)) accepted = value;
      break;
    case "String":
    case "Bytes":
      if (value.kind === Kind.STRING) accepted = value;
      break;
  }
  if (!accepted) return { bad: value };
  try {
    scalar.parseLiteral(accepted, undefined);
  } catch (error) {
    return { scalarError: (error as Error).message };
  }
  return { ok: accepted };
}

/** A JSON variable value as the literal graph-node reads it into (serde_json numbers: Int or Float). */
function jsonToAst(value: unknown): ValueNode {
  if (value === null || value === undefined) return { kind: Kind.NULL };
  if (typeof value === "boolean") return { kind: Kind.BOOLEAN, value };
  if (typeof value === "bigint") return { kind: Kind.INT, value: value.toString() };
  if (typeof value === "number")
    return Number.isSafeInteger(value)
      ? { kind: Kind.INT, value: String(value) }
      : { kind: Kind.FLOAT, value: String(value) };
  if (typeof value === "string") return { kind: Kind.STRING, value };
  if (Array.isArray(value)) return { kind: Kind.LIST, values: value.map(jsonToAst) };
  if (typeof value === "object")
    return {
      kind: Kind.OBJECT,
      fields: Object.entries(value).map(([name, item]) => ({
        kind: Kind.OBJECT_FIELD,
        name: { kind: Kind.NAME, value: name },
        value: jsonToAst(item),
      })),
    };
  return { kind: Kind.STRING, value: String(value) };
}
