// The entity model of a subgraph, read from its schema.graphql. The store derives its tables from
// it and the GraphQL API derives its query schema from it, so both agree on every field's type.

export const SCALAR_TYPES = [
  "ID",
  "String",
  "Bytes",
  "BigInt",
  "BigDecimal",
  "Int",
  "Int8",
  "Boolean",
  "Timestamp",
] as const;

export type ScalarTypeName = (typeof SCALAR_TYPES)[number];

/** The types an entity's `id` may have (graph-node also allows Int8; this host does not). */
export type IdTypeName = "ID" | "String" | "Bytes";

/** What a field holds, list-ness and nullability aside. */
export type FieldBaseType =
  | { kind: "scalar"; scalar: ScalarTypeName }
  | { kind: "enum"; name: string }
  | { kind: "entity"; name: string };

export interface FieldModel {
  name: string;
  type: FieldBaseType;
  list: boolean;
  /** The field may be null (for a list: the list itself may be null). */
  nullable: boolean;
  /** For lists: the elements may be null. */
  itemsNullable: boolean;
  /** `@derivedFrom(field:)`: the field of the referenced entity that points back; not stored. */
  derivedFrom: string | null;
}

export interface EntityModel {
  name: string;
  immutable: boolean;
  idType: IdTypeName;
  /** In declaration order, `id` included. */
  fields: FieldModel[];
  fieldsByName: ReadonlyMap<string, FieldModel>;
}

export interface SubgraphSchema {
  entities: ReadonlyMap<string, EntityModel>;
  /** Enum type name -> its values, in declaration order. */
  enums: ReadonlyMap<string, readonly string[]>;
}

/** The fields that have a column in the store: everything but `@derivedFrom` fields. */
export function storedFields(entity: EntityModel): FieldModel[] {
  return entity.fields.filter((field) => field.derivedFrom === null);
}
