// `where` arguments taken out of a prepared document before graphql-js executes it, with their
// values read here instead. graphql-js reads an input object by walking every field its type
// defines (326 for one entity's filter in the Mosaic schema: about 0.1 ms a query); this reads
// only the fields given. Prepared documents hold literals only, coerced already (prepare-query.ts),
// so both readings give the same value; anything else is left to graphql-js.
import {
  Kind,
  getNamedType,
  isCompositeType,
  isInputObjectType,
  isLeafType,
  isListType,
  isNonNullType,
  valueFromAST,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLField,
  type GraphQLInputObjectType,
  type GraphQLInputType,
  type GraphQLNamedType,
  type GraphQLSchema,
  type GraphQLResolveInfo,
  type SelectionSetNode,
  type ValueNode,
} from "graphql";

const WHERE = "where";
/** The value of each lifted `where`, by the field node graphql-js resolves. */
const lifted = new WeakMap<FieldNode, unknown>();
/** Input types whose absent fields graphql-js would fill or refuse (a default, a non-null field). */
const needsEveryField = new WeakMap<GraphQLInputObjectType, boolean>();

class NotLiftable extends Error {}

/** The field's arguments with its lifted `where` back in place. */
export function withLiftedWhere<Args extends { where?: unknown }>(
  args: Args,
  info: GraphQLResolveInfo,
): Args {
  if (args.where !== undefined) return args;
  const node = info.fieldNodes[0];
  return node && lifted.has(node) ? { ...args, where: lifted.get(node) } : args;
}

/** Each document lifted, once: a prepared document runs again when its request comes again. */
const liftedDocuments = new WeakMap<DocumentNode, { schema: GraphQLSchema; document: DocumentNode }>();

/** The document with the `where` literals of its fields lifted out (see withLiftedWhere). */
export function liftFilters(schema: GraphQLSchema, document: DocumentNode): DocumentNode {
  const known = liftedDocuments.get(document);
  if (known?.schema === schema) return known.document;
  const lifted = liftDocument(schema, document);
  liftedDocuments.set(document, { schema, document: lifted });
  return lifted;
}

function liftDocument(schema: GraphQLSchema, document: DocumentNode): DocumentNode {
  const query = schema.getQueryType();
  if (!query) return document;
  return {
    ...document,
    definitions: document.definitions.map((definition) => {
      if (definition.kind === Kind.OPERATION_DEFINITION)
        return { ...definition, selectionSet: liftIn(schema, definition.selectionSet, query) };
      if (definition.kind === Kind.FRAGMENT_DEFINITION) return liftInFragment(schema, definition);
      return definition;
    }),
  };
}

function liftInFragment(schema: GraphQLSchema, fragment: FragmentDefinitionNode): FragmentDefinitionNode {
  const type = schema.getType(fragment.typeCondition.name.value);
  return type ? { ...fragment, selectionSet: liftIn(schema, fragment.selectionSet, type) } : fragment;
}

function liftIn(schema: GraphQLSchema, set: SelectionSetNode, type: GraphQLNamedType): SelectionSetNode {
  if (!isCompositeType(type) || !("getFields" in type)) return set;
  const fields = type.getFields() as Record<string, GraphQLField<unknown, unknown>>;
  return {
    ...set,
    selections: set.selections.map((selection) => {
      if (selection.kind === Kind.INLINE_FRAGMENT) {
        const inner = selection.typeCondition ? schema.getType(selection.typeCondition.name.value) : type;
        return inner
          ? { ...selection, selectionSet: liftIn(schema, selection.selectionSet, inner) }
          : selection;
      }
      if (selection.kind !== Kind.FIELD) return selection;
      const field = fields[selection.name.value];
      if (!field) return selection;
      if (!selection.selectionSet && !selection.arguments?.length) return selection;
      const inner = selection.selectionSet
        ? { selectionSet: liftIn(schema, selection.selectionSet, getNamedType(field.type)) }
        : {};
      return liftWhere({ ...selection, ...inner }, field);
    }),
  };
}

function liftWhere(node: FieldNode, field: GraphQLField<unknown, unknown>): FieldNode {
  const argument = node.arguments?.find((candidate) => candidate.name.value === WHERE);
  const definition = field.args.find((candidate) => candidate.name === WHERE);
  if (!argument || !definition || argument.value.kind !== Kind.OBJECT) return node;
  let value: unknown;
  try {
    value = literalValue(argument.value, definition.type);
  } catch (error) {
    if (error instanceof NotLiftable) return node;
    throw error;
  }
  const without: FieldNode = { ...node, arguments: node.arguments?.filter((other) => other !== argument) };
  lifted.set(without, value);
  return without;
}

/** graphql-js's valueFromAST for literals, reading only the input-object fields given. */
function literalValue(node: ValueNode, type: GraphQLInputType): unknown {
  if (isNonNullType(type)) {
    if (node.kind === Kind.NULL) throw new NotLiftable();
    return literalValue(node, type.ofType);
  }
  if (node.kind === Kind.NULL) return null;
  if (node.kind === Kind.VARIABLE) throw new NotLiftable();
  if (isListType(type)) {
    if (node.kind !== Kind.LIST) return [literalValue(node, type.ofType)];
    return node.values.map((item) => literalValue(item, type.ofType));
  }
  if (isInputObjectType(type)) {
    if (node.kind !== Kind.OBJECT || type.isOneOf || fillsAbsentFields(type)) throw new NotLiftable();
    const definitions = type.getFields();
    const value: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
    for (const field of node.fields) {
      const definition = definitions[field.name.value];
      if (!definition) throw new NotLiftable();
      value[field.name.value] = literalValue(field.value, definition.type);
    }
    return value;
  }
  if (!isLeafType(type)) throw new NotLiftable();
  const value = valueFromAST(node, type);
  if (value === undefined) throw new NotLiftable();
  return value;
}

function fillsAbsentFields(type: GraphQLInputObjectType): boolean {
  let fills = needsEveryField.get(type);
  if (fills === undefined) {
    fills = Object.values(type.getFields()).some(
      (field) => field.defaultValue !== undefined || isNonNullType(field.type),
    );
    needsEveryField.set(type, fills);
  }
  return fills;
}
