// Reads a subgraph's schema.graphql into the entity model. Only what this host can store and serve
// is accepted; anything else (interfaces, aggregations, fulltext search, unknown directives) is
// rejected with an error that names the type and field, rather than silently ignored.
import {
  Kind,
  parse,
  type ConstDirectiveNode,
  type FieldDefinitionNode,
  type ObjectTypeDefinitionNode,
  type TypeNode,
} from "graphql";
import {
  SCALAR_TYPES,
  type EntityModel,
  type FieldBaseType,
  type FieldModel,
  type IdTypeName,
  type ScalarTypeName,
  type SubgraphSchema,
} from "./model.ts";

/** Column names the store uses for every entity table; a field may not take them. */
const RESERVED_FIELD_NAMES = new Set(["vid", "block_from", "block_to"]);

export class SubgraphSchemaError extends Error {
  override name = "SubgraphSchemaError";
}

export function parseSubgraphSchema(sdl: string): SubgraphSchema {
  let document;
  try {
    document = parse(sdl);
  } catch (error) {
    throw new SubgraphSchemaError(`schema.graphql does not parse: ${(error as Error).message}`);
  }

  const objectTypes: ObjectTypeDefinitionNode[] = [];
  const enums = new Map<string, string[]>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.OBJECT_TYPE_DEFINITION) {
      objectTypes.push(definition);
    } else if (definition.kind === Kind.ENUM_TYPE_DEFINITION) {
      const name = definition.name.value;
      if (enums.has(name)) throw new SubgraphSchemaError(`enum ${name} is defined twice`);
      enums.set(
        name,
        (definition.values ?? []).map((value) => value.name.value),
      );
    } else {
      const name = "name" in definition && definition.name ? ` ${definition.name.value}` : "";
      throw new SubgraphSchemaError(
        `${definition.kind}${name} is not supported: a subgraph schema here may only hold @entity types and enums`,
      );
    }
  }

  const entityNames = new Set<string>();
  for (const type of objectTypes) {
    const name = type.name.value;
    if (entityNames.has(name) || enums.has(name))
      throw new SubgraphSchemaError(`type ${name} is defined twice`);
    if ((SCALAR_TYPES as readonly string[]).includes(name))
      throw new SubgraphSchemaError(`type ${name} has the name of a built-in scalar`);
    entityNames.add(name);
  }

  const entities = new Map<string, EntityModel>();
  for (const type of objectTypes) {
    entities.set(type.name.value, readEntity(type, entityNames, enums));
  }
  for (const entity of entities.values()) checkDerivedFields(entity, entities);
  return { entities, enums };
}

function readEntity(
  type: ObjectTypeDefinitionNode,
  entityNames: ReadonlySet<string>,
  enums: ReadonlyMap<string, string[]>,
): EntityModel {
  const name = type.name.value;
  if (type.interfaces && type.interfaces.length > 0)
    throw new SubgraphSchemaError(`type ${name}: interfaces are not supported`);
  let immutable = false;
  let isEntity = false;
  for (const directive of type.directives ?? []) {
    if (directive.name.value !== "entity")
      throw new SubgraphSchemaError(`type ${name}: directive @${directive.name.value} is not supported`);
    isEntity = true;
    for (const argument of directive.arguments ?? []) {
      if (argument.name.value !== "immutable")
        throw new SubgraphSchemaError(
          `type ${name}: @entity(${argument.name.value}:) is not supported (only immutable)`,
        );
      if (argument.value.kind !== Kind.BOOLEAN)
        throw new SubgraphSchemaError(`type ${name}: @entity(immutable:) must be true or false`);
      immutable = argument.value.value;
    }
  }
  if (!isEntity) throw new SubgraphSchemaError(`type ${name} has no @entity directive`);

  const fields: FieldModel[] = [];
  const fieldsByName = new Map<string, FieldModel>();
  for (const node of type.fields ?? []) {
    const field = readField(name, node, entityNames, enums);
    if (fieldsByName.has(field.name)) throw new SubgraphSchemaError(`${name}.${field.name} is defined twice`);
    fields.push(field);
    fieldsByName.set(field.name, field);
  }
  return { name, immutable, idType: idType(name, fieldsByName.get("id")), fields, fieldsByName };
}

function idType(entity: string, id: FieldModel | undefined): IdTypeName {
  const accepted = ["ID", "String", "Bytes"];
  if (id?.type.kind === "scalar" && id.type.scalar === "Int8")
    throw new SubgraphSchemaError(
      `type ${entity}: Int8 ids are not supported by this host; use ID!, String! or Bytes! (graph-node v0.44 supports Int8 ids; see docs/graph-node.md)`,
    );
  if (
    !id ||
    id.list ||
    id.nullable ||
    id.derivedFrom !== null ||
    id.type.kind !== "scalar" ||
    !accepted.includes(id.type.scalar)
  ) {
    throw new SubgraphSchemaError(`type ${entity} needs a field \`id: ID!\` (or String! or Bytes!)`);
  }
  return id.type.scalar as IdTypeName;
}

function readField(
  entity: string,
  node: FieldDefinitionNode,
  entityNames: ReadonlySet<string>,
  enums: ReadonlyMap<string, string[]>,
): FieldModel {
  const name = node.name.value;
  const where = `${entity}.${name}`;
  if (RESERVED_FIELD_NAMES.has(name))
    throw new SubgraphSchemaError(`${where}: the field name ${name} is reserved by the store`);
  if (node.arguments && node.arguments.length > 0)
    throw new SubgraphSchemaError(`${where}: fields with arguments are not supported`);

  const shape = typeShape(where, node.type);
  let type: FieldBaseType;
  if ((SCALAR_TYPES as readonly string[]).includes(shape.name)) {
    type = { kind: "scalar", scalar: shape.name as ScalarTypeName };
  } else if (enums.has(shape.name)) {
    type = { kind: "enum", name: shape.name };
  } else if (entityNames.has(shape.name)) {
    type = { kind: "entity", name: shape.name };
  } else {
    throw new SubgraphSchemaError(`${where}: unknown type ${shape.name}`);
  }

  let derivedFrom: string | null = null;
  for (const directive of node.directives ?? []) {
    derivedFrom = readDerivedFrom(where, directive);
  }
  if (derivedFrom !== null && type.kind !== "entity")
    throw new SubgraphSchemaError(`${where}: @derivedFrom is only allowed on fields of entity type`);
  return {
    name,
    type,
    list: shape.list,
    nullable: shape.nullable,
    itemsNullable: shape.itemsNullable,
    derivedFrom,
  };
}

function readDerivedFrom(where: string, directive: ConstDirectiveNode): string {
  if (directive.name.value !== "derivedFrom")
    throw new SubgraphSchemaError(`${where}: directive @${directive.name.value} is not supported`);
  const field = directive.arguments?.find((argument) => argument.name.value === "field");
  if (!field || field.value.kind !== Kind.STRING || (directive.arguments?.length ?? 0) !== 1)
    throw new SubgraphSchemaError(`${where}: @derivedFrom needs exactly one argument, field: "<name>"`);
  return field.value.value;
}

interface TypeShape {
  name: string;
  list: boolean;
  nullable: boolean;
  itemsNullable: boolean;
}

function typeShape(where: string, type: TypeNode): TypeShape {
  let nullable = true;
  let node = type;
  if (node.kind === Kind.NON_NULL_TYPE) {
    nullable = false;
    node = node.type;
  }
  if (node.kind === Kind.NAMED_TYPE)
    return { name: node.name.value, list: false, nullable, itemsNullable: false };
  let item = node.type;
  let itemsNullable = true;
  if (item.kind === Kind.NON_NULL_TYPE) {
    itemsNullable = false;
    item = item.type;
  }
  if (item.kind !== Kind.NAMED_TYPE)
    throw new SubgraphSchemaError(`${where}: lists of lists are not supported`);
  return { name: item.name.value, list: true, nullable, itemsNullable };
}

/** graph-node's rule: the field named by @derivedFrom must exist on the referenced type and point back. */
function checkDerivedFields(entity: EntityModel, entities: ReadonlyMap<string, EntityModel>): void {
  for (const field of entity.fields) {
    if (field.derivedFrom === null || field.type.kind !== "entity") continue;
    const where = `${entity.name}.${field.name}`;
    const target = entities.get(field.type.name);
    const back = target?.fieldsByName.get(field.derivedFrom);
    if (!back)
      throw new SubgraphSchemaError(
        `${where}: @derivedFrom(field: "${field.derivedFrom}") names no field of ${field.type.name}`,
      );
    if (back.derivedFrom !== null || back.type.kind !== "entity" || back.type.name !== entity.name)
      throw new SubgraphSchemaError(
        `${where}: ${field.type.name}.${back.name} must be a stored reference to ${entity.name} to derive from it`,
      );
  }
}
