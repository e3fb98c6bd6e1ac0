/**
 * The subset of graph-node's GraphQL API that the dApp uses, over the embedded store:
 * `<entity>(id)` and `<entities>(first, skip, orderBy, orderDirection, where)` queries,
 * `where` with equality, `_not`, `_gt`, `_gte`, `_lt`, `_lte`, `_in` and `_not_in`,
 * nested references and `@derivedFrom` lists (with the same arguments), and
 * `_meta { block { number hash timestamp } deployment hasIndexingErrors }`.
 *
 * The schema is generated the way graph-node generates it, so a query outside the subset
 * (time travel with `block:`, `and`/`or`, nested filters, full-text search) fails
 * validation with a message naming what is not there. Values come out in graph-node's
 * shapes: BigInt, BigDecimal, Int8 and Bytes as strings, Bytes and ids as lowercase hex.
 */
import {
  GraphQLBoolean,
  GraphQLEnumType,
  type GraphQLFieldConfig,
  type GraphQLFieldConfigArgumentMap,
  GraphQLID,
  GraphQLInputObjectType,
  type GraphQLInputFieldConfig,
  GraphQLInt,
  GraphQLList,
  GraphQLNonNull,
  GraphQLObjectType,
  type GraphQLOutputType,
  GraphQLScalarType,
  GraphQLSchema,
  GraphQLString,
  type GraphQLInputType,
  graphql,
  type ExecutionResult,
} from "graphql";
import type { EntityInfo, FieldInfo, SchemaInfo } from "./schema.ts";
import type { BlockPointer, EntityStore } from "./store.ts";
import type { Entity, StoreValue } from "./values.ts";

/** graph-node's limits on `first` and `skip`. */
export const DEFAULT_FIRST = 100;
export const MAX_FIRST = 1000;
export const MAX_SKIP = 5000;

export interface QueryContext {
  store: EntityStore;
  /** Entities of a type loaded once per query. */
  cache: Map<string, Entity[]>;
}

export interface MetaSource {
  head(): BlockPointer | undefined;
  deployment: string;
  hasIndexingErrors(): boolean;
}

class QueryError extends Error {
  override name = "QueryError";
}

const stringScalar = (name: string, description: string) =>
  new GraphQLScalarType({
    name,
    description,
    serialize: (value) => String(value),
    parseValue: (value) => String(value),
    parseLiteral: (ast) => {
      if (ast.kind === "StringValue" || ast.kind === "IntValue" || ast.kind === "FloatValue")
        return ast.value;
      throw new QueryError(`${name} must be given as a string`);
    },
  });

const SCALARS: Record<string, GraphQLScalarType> = {
  BigInt: stringScalar("BigInt", "An integer of any size, as a decimal string."),
  BigDecimal: stringScalar("BigDecimal", "A decimal of any size, as a string."),
  Bytes: stringScalar("Bytes", "Bytes, as lowercase 0x-prefixed hex."),
  Int8: stringScalar("Int8", "A 64-bit integer, as a string."),
  Timestamp: stringScalar("Timestamp", "Microseconds since the epoch, as a string."),
};

/** graph-node's query field names: `provider`/`providers`, `marketStats`/`marketStats_collection`. */
export function queryFieldNames(entity: string): { single: string; plural: string } {
  const single = entity.charAt(0).toLowerCase() + entity.slice(1);
  let plural: string;
  if (/stats$/i.test(single)) plural = single;
  else if (/(s|sh|ch|x|z)$/.test(single)) plural = `${single}es`;
  else if (/[^aeiou]y$/.test(single)) plural = `${single.slice(0, -1)}ies`;
  else plural = `${single}s`;
  return { single, plural: plural === single ? `${single}_collection` : plural };
}

/** A stored value as graph-node prints it. */
function output(value: StoreValue | undefined): unknown {
  if (value === undefined || value.kind === "Null") return null;
  switch (value.kind) {
    case "Array":
      return value.value.map(output);
    case "BigInt":
    case "Int8":
    case "Timestamp":
      return value.value.toString();
    default:
      return value.value;
  }
}

/** A value for comparing and sorting: bigints for numbers, lowercase strings for bytes. */
function comparable(value: StoreValue | undefined): unknown {
  if (value === undefined || value.kind === "Null") return null;
  if (value.kind === "Array") return value.value.map(comparable);
  if (value.kind === "Bytes") return value.value.toLowerCase();
  return value.value;
}

function compare(a: unknown, b: unknown): number {
  if (a === b) return 0;
  if (a === null || a === undefined) return -1;
  if (b === null || b === undefined) return 1;
  if (typeof a === "bigint" || typeof b === "bigint") {
    const x = BigInt(a as bigint);
    const y = BigInt(b as bigint);
    return x < y ? -1 : x > y ? 1 : 0;
  }
  if (typeof a === "number" && typeof b === "number") return a - b;
  if (typeof a === "boolean" && typeof b === "boolean") return Number(a) - Number(b);
  const x = String(a);
  const y = String(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** A filter argument converted to the field's comparable form. */
function filterValue(field: FieldInfo, raw: unknown): unknown {
  if (raw === null) return null;
  if (Array.isArray(raw)) return raw.map((item) => filterValue(field, item));
  switch (field.type) {
    case "BigInt":
    case "Int8":
    case "Timestamp":
      try {
        return BigInt(raw as string);
      } catch {
        throw new QueryError(`${field.name}: ${JSON.stringify(raw)} is not an integer`);
      }
    case "BigDecimal":
      return String(raw);
    case "Bytes":
    case "ID":
      return String(raw).toLowerCase();
    default:
      return field.reference ? String(raw).toLowerCase() : raw;
  }
}

const OPERATORS = ["", "_not", "_gt", "_gte", "_lt", "_lte", "_in", "_not_in"] as const;
type Operator = (typeof OPERATORS)[number];

function matches(operator: Operator, actual: unknown, expected: unknown): boolean {
  switch (operator) {
    case "":
      return compare(actual, expected) === 0;
    case "_not":
      return compare(actual, expected) !== 0;
    case "_gt":
      return actual !== null && compare(actual, expected) > 0;
    case "_gte":
      return actual !== null && compare(actual, expected) >= 0;
    case "_lt":
      return actual !== null && compare(actual, expected) < 0;
    case "_lte":
      return actual !== null && compare(actual, expected) <= 0;
    case "_in":
      return (expected as unknown[]).some((item) => compare(actual, item) === 0);
    case "_not_in":
      return !(expected as unknown[]).some((item) => compare(actual, item) === 0);
  }
}

interface ListArgs {
  first?: number;
  skip?: number;
  orderBy?: string;
  orderDirection?: "asc" | "desc";
  where?: Record<string, unknown>;
}

function parseWhere(info: EntityInfo, where: Record<string, unknown>): ((entity: Entity) => boolean)[] {
  const tests: ((entity: Entity) => boolean)[] = [];
  for (const [key, raw] of Object.entries(where)) {
    const operator = [...OPERATORS].reverse().find((op) => op !== "" && key.endsWith(op)) ?? "";
    const name = operator === "" ? key : key.slice(0, -operator.length);
    const field = info.fields.get(name);
    if (field === undefined) throw new QueryError(`${info.name} has no field ${name} to filter on`);
    const expected = filterValue(field, raw);
    tests.push((entity) => matches(operator, comparable(entity[name]), expected));
  }
  return tests;
}

function applyList(info: EntityInfo, entities: Entity[], args: ListArgs): Entity[] {
  const first = args.first ?? DEFAULT_FIRST;
  const skip = args.skip ?? 0;
  if (first < 0 || first > MAX_FIRST)
    throw new QueryError(`first must be between 0 and ${MAX_FIRST}, not ${first}`);
  if (skip < 0 || skip > MAX_SKIP)
    throw new QueryError(`skip must be between 0 and ${MAX_SKIP}, not ${skip}`);
  const tests = args.where === undefined || args.where === null ? [] : parseWhere(info, args.where);
  const filtered = entities.filter((entity) => tests.every((test) => test(entity)));
  const orderBy = args.orderBy ?? "id";
  const direction = args.orderDirection === "desc" ? -1 : 1;
  filtered.sort((a, b) => {
    const primary = compare(comparable(a[orderBy]), comparable(b[orderBy])) * direction;
    // graph-node breaks ties by id, ascending.
    return primary !== 0 ? primary : compare(comparable(a.id), comparable(b.id));
  });
  return filtered.slice(skip, skip + first);
}

function allOf(context: QueryContext, type: string): Entity[] {
  let entities = context.cache.get(type);
  if (entities === undefined) {
    entities = context.store.all(type);
    context.cache.set(type, entities);
  }
  return entities;
}

function loadOne(context: QueryContext, type: string, id: string): Entity | null {
  return context.store.get(type, id.toLowerCase()) ?? context.store.get(type, id) ?? null;
}

export function buildSchema(info: SchemaInfo, meta: MetaSource): GraphQLSchema {
  const enums = new Map<string, GraphQLEnumType>();
  for (const [name, values] of info.enums) {
    enums.set(
      name,
      new GraphQLEnumType({ name, values: Object.fromEntries(values.map((v) => [v, { value: v }])) }),
    );
  }
  const orderDirection = new GraphQLEnumType({
    name: "OrderDirection",
    values: { asc: { value: "asc" }, desc: { value: "desc" } },
  });
  const objects = new Map<string, GraphQLObjectType>();
  const filters = new Map<string, GraphQLInputObjectType>();
  const orderBys = new Map<string, GraphQLEnumType>();

  const scalarType = (field: FieldInfo): GraphQLInputType & GraphQLOutputType => {
    if (field.type === "ID") return GraphQLID;
    if (field.type === "String") return GraphQLString;
    if (field.type === "Int") return GraphQLInt;
    if (field.type === "Boolean") return GraphQLBoolean;
    const scalar = SCALARS[field.type] ?? enums.get(field.type);
    if (scalar === undefined) throw new Error(`unsupported field type ${field.type}`);
    return scalar;
  };

  for (const entity of info.entities.values()) {
    const filterable = [...entity.fields.values()].filter((f) => f.derivedFrom === undefined);
    filters.set(
      entity.name,
      new GraphQLInputObjectType({
        name: `${entity.name}_filter`,
        fields: () => {
          const fields: Record<string, GraphQLInputFieldConfig> = {};
          for (const field of filterable) {
            const base: GraphQLInputType = field.reference ? GraphQLString : scalarType(field);
            const item = field.list ? new GraphQLList(new GraphQLNonNull(base)) : base;
            for (const op of OPERATORS) {
              if (field.list && op !== "" && op !== "_not") continue;
              if (field.type === "Boolean" && !["", "_not", "_in", "_not_in"].includes(op)) continue;
              fields[`${field.name}${op}`] = {
                type: op === "_in" || op === "_not_in" ? new GraphQLList(new GraphQLNonNull(base)) : item,
              };
            }
          }
          return fields;
        },
      }),
    );
    orderBys.set(
      entity.name,
      new GraphQLEnumType({
        name: `${entity.name}_orderBy`,
        values: Object.fromEntries(filterable.filter((f) => !f.list).map((f) => [f.name, { value: f.name }])),
      }),
    );
  }

  const listArgs = (type: string): GraphQLFieldConfigArgumentMap => ({
    skip: { type: GraphQLInt, defaultValue: 0 },
    first: { type: GraphQLInt, defaultValue: DEFAULT_FIRST },
    orderBy: { type: orderBys.get(type) as GraphQLEnumType },
    orderDirection: { type: orderDirection },
    where: { type: filters.get(type) as GraphQLInputObjectType },
  });

  for (const entity of info.entities.values()) {
    objects.set(
      entity.name,
      new GraphQLObjectType({
        name: entity.name,
        fields: () => {
          const fields: Record<string, GraphQLFieldConfig<Entity, QueryContext>> = {};
          for (const field of entity.fields.values()) {
            const target = field.reference ? (info.entities.get(field.type) as EntityInfo) : undefined;
            if (target !== undefined && field.derivedFrom !== undefined) {
              const back = field.derivedFrom;
              const object = objects.get(target.name) as GraphQLObjectType;
              fields[field.name] = {
                type: field.list ? new GraphQLNonNull(new GraphQLList(new GraphQLNonNull(object))) : object,
                ...(field.list ? { args: listArgs(target.name) } : {}),
                resolve: (source, args: ListArgs, context) => {
                  const id = comparable(source.id);
                  const related = allOf(context, target.name).filter((other) => {
                    const value = comparable(other[back]);
                    return Array.isArray(value) ? value.includes(id) : value === id;
                  });
                  return field.list ? applyList(target, related, args) : (related[0] ?? null);
                },
              };
            } else if (target !== undefined) {
              const object = objects.get(target.name) as GraphQLObjectType;
              const wrapped = field.list ? new GraphQLList(new GraphQLNonNull(object)) : object;
              fields[field.name] = {
                type: field.required ? new GraphQLNonNull(wrapped) : wrapped,
                ...(field.list ? { args: listArgs(target.name) } : {}),
                resolve: (source, args: ListArgs, context) => {
                  const value = output(source[field.name]);
                  if (value === null) return null;
                  if (!Array.isArray(value)) return loadOne(context, target.name, String(value));
                  const related = value
                    .map((id) => loadOne(context, target.name, String(id)))
                    .filter((e) => e !== null);
                  return applyList(target, related, args);
                },
              };
            } else {
              const base = scalarType(field);
              const wrapped = field.list ? new GraphQLList(new GraphQLNonNull(base)) : base;
              fields[field.name] = {
                type: field.required ? new GraphQLNonNull(wrapped) : wrapped,
                resolve: (source) => output(source[field.name]),
              };
            }
          }
          return fields;
        },
      }),
    );
  }

  const block = new GraphQLObjectType({
    name: "_Block_",
    fields: {
      hash: { type: SCALARS.Bytes as GraphQLScalarType },
      number: { type: new GraphQLNonNull(GraphQLInt) },
      timestamp: { type: GraphQLInt },
    },
  });
  const metaType = new GraphQLObjectType({
    name: "_Meta_",
    fields: {
      block: { type: new GraphQLNonNull(block) },
      deployment: { type: new GraphQLNonNull(GraphQLString) },
      hasIndexingErrors: { type: new GraphQLNonNull(GraphQLBoolean) },
    },
  });

  const queryFields: Record<string, GraphQLFieldConfig<unknown, QueryContext>> = {};
  for (const entity of info.entities.values()) {
    const { single, plural } = queryFieldNames(entity.name);
    const object = objects.get(entity.name) as GraphQLObjectType;
    queryFields[single] = {
      type: object,
      args: { id: { type: new GraphQLNonNull(GraphQLID) } },
      resolve: (_, args: { id: string }, context) => loadOne(context, entity.name, args.id),
    };
    queryFields[plural] = {
      type: new GraphQLNonNull(new GraphQLList(new GraphQLNonNull(object))),
      args: listArgs(entity.name),
      resolve: (_, args: ListArgs, context) => applyList(entity, allOf(context, entity.name), args),
    };
  }
  queryFields._meta = {
    type: metaType,
    resolve: () => {
      const head = meta.head();
      return {
        block: head === undefined ? { number: 0, hash: null, timestamp: null } : head,
        deployment: meta.deployment,
        hasIndexingErrors: meta.hasIndexingErrors(),
      };
    },
  };
  return new GraphQLSchema({ query: new GraphQLObjectType({ name: "Query", fields: queryFields }) });
}

export interface GraphQLRequest {
  query: string;
  variables?: Record<string, unknown> | null;
  operationName?: string | null;
}

/** Runs a query; errors come back in the response, as graph-node sends them. */
export async function runQuery(
  schema: GraphQLSchema,
  store: EntityStore,
  request: GraphQLRequest,
): Promise<ExecutionResult> {
  const result = await graphql({
    schema,
    source: request.query,
    variableValues: request.variables ?? null,
    operationName: request.operationName ?? null,
    contextValue: { store, cache: new Map() } satisfies QueryContext,
  });
  // graph-node answers a failed query with errors and no partial data.
  if (result.errors !== undefined && result.errors.length > 0) return { errors: result.errors };
  return result;
}
