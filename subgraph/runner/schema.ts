/**
 * The subgraph's schema.graphql as the runner reads it: entity types, their fields and
 * which are required, lists, references to other entities, or derived.
 */
import { readFileSync } from "node:fs";
import { Kind, type TypeNode, parse } from "graphql";

export interface FieldInfo {
  name: string;
  /** The named type: a scalar (ID, String, Int, BigInt, BigDecimal, Bytes, Boolean, Int8, Timestamp), an enum or an entity. */
  type: string;
  required: boolean;
  list: boolean;
  /** The field of `type` that points back here, for `@derivedFrom`. */
  derivedFrom?: string;
  /** `type` is an entity. */
  reference: boolean;
}

export interface EntityInfo {
  name: string;
  immutable: boolean;
  /** The id's type: ID/String, Bytes, Int8. */
  idType: string;
  fields: Map<string, FieldInfo>;
}

export interface SchemaInfo {
  source: string;
  entities: Map<string, EntityInfo>;
  enums: Map<string, string[]>;
}

function unwrap(type: TypeNode): { name: string; required: boolean; list: boolean } {
  let node = type;
  let required = false;
  if (node.kind === Kind.NON_NULL_TYPE) {
    required = true;
    node = node.type;
  }
  let list = false;
  if (node.kind === Kind.LIST_TYPE) {
    list = true;
    node = node.type;
    if (node.kind === Kind.NON_NULL_TYPE) node = node.type;
  }
  if (node.kind !== Kind.NAMED_TYPE) throw new Error("nested lists are not supported");
  return { name: node.name.value, required, list };
}

export function loadSchema(path: string): SchemaInfo {
  return parseSchema(readFileSync(path, "utf8"));
}

export function parseSchema(source: string): SchemaInfo {
  const document = parse(source);
  const enums = new Map<string, string[]>();
  const entityNodes = [];
  for (const definition of document.definitions) {
    if (definition.kind === Kind.ENUM_TYPE_DEFINITION) {
      enums.set(
        definition.name.value,
        (definition.values ?? []).map((value) => value.name.value),
      );
    } else if (definition.kind === Kind.OBJECT_TYPE_DEFINITION) {
      if (definition.directives?.some((d) => d.name.value === "entity")) entityNodes.push(definition);
    }
  }
  const names = new Set(entityNodes.map((node) => node.name.value));
  const entities = new Map<string, EntityInfo>();
  for (const node of entityNodes) {
    const entityDirective = node.directives?.find((d) => d.name.value === "entity");
    const immutableArg = entityDirective?.arguments?.find((a) => a.name.value === "immutable");
    const immutable = immutableArg?.value.kind === Kind.BOOLEAN && immutableArg.value.value;
    const fields = new Map<string, FieldInfo>();
    for (const field of node.fields ?? []) {
      const { name, required, list } = unwrap(field.type);
      const derived = field.directives?.find((d) => d.name.value === "derivedFrom");
      const derivedArg = derived?.arguments?.find((a) => a.name.value === "field");
      fields.set(field.name.value, {
        name: field.name.value,
        type: name,
        required,
        list,
        reference: names.has(name),
        ...(derivedArg?.value.kind === Kind.STRING ? { derivedFrom: derivedArg.value.value } : {}),
      });
    }
    const id = fields.get("id");
    if (id === undefined) throw new Error(`entity ${node.name.value} has no id`);
    entities.set(node.name.value, { name: node.name.value, immutable, idType: id.type, fields });
  }
  return { source, entities, enums };
}
