// What the runtime needs to know of the schema's entities: how each field is stored, so values
// the mapping writes can be checked and values read back get the right kind.
import type { FieldModel, SubgraphSchema } from "../schema/model.ts";
export type StoredScalar =
  "String" | "Bytes" | "BigInt" | "BigDecimal" | "Int" | "Int8" | "Boolean" | "Timestamp";

export interface FieldShape {
  name: string;
  /** ID, enums and references are stored as the scalar of the id they name. */
  scalar: StoredScalar;
  list: boolean;
  nullable: boolean;
  /** @derivedFrom fields are not stored; `loadRelated` reads them. */
  derivedFrom?: { entity: string; field: string };
}

export interface EntityShape {
  name: string;
  immutable: boolean;
  fields: Map<string, FieldShape>;
}

export type EntityShapes = Map<string, EntityShape>;

function storedScalar(schema: SubgraphSchema, field: FieldModel): StoredScalar {
  const type = field.type;
  if (type.kind === "enum") return "String";
  if (type.kind === "entity") {
    const target = schema.entities.get(type.name);
    return target?.idType === "Bytes" ? "Bytes" : "String";
  }
  return type.scalar === "ID" ? "String" : type.scalar;
}

/** The runtime's view of a parsed schema. */
export function entityShapes(schema: SubgraphSchema): EntityShapes {
  const shapes: EntityShapes = new Map();
  for (const entity of schema.entities.values()) {
    const fields = new Map<string, FieldShape>();
    for (const field of entity.fields) {
      const scalar =
        field.name === "id" ? (entity.idType === "Bytes" ? "Bytes" : "String") : storedScalar(schema, field);
      fields.set(field.name, {
        name: field.name,
        scalar,
        list: field.list,
        nullable: field.nullable,
        derivedFrom:
          field.derivedFrom !== null && field.type.kind === "entity"
            ? { entity: field.type.name, field: field.derivedFrom }
            : undefined,
      });
    }
    shapes.set(entity.name, { name: entity.name, immutable: entity.immutable, fields });
  }
  return shapes;
}
