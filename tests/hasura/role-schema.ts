/**
 * A stand-in for the GraphQL schema Hasura v2 generates for one role (default naming convention,
 * hasura-contract §4.1 and §7), built from the metadata and the database's column types. It covers
 * what the client's documents can touch: per tracked table the role may select, an object type
 * with only its permitted columns and relationships to tables it may also select; `<T>`,
 * `<T>_by_pk`, `<T>_aggregate` (when aggregations are allowed); `insert_<T>_one` / `insert_<T>`
 * with `<T>_insert_input` holding only the permitted insert columns (presets are not inputs);
 * `update_<T>_by_pk` and `delete_<T>_by_pk` where permitted; the actions the role may call
 * (actions.graphql); and the remote schema's root fields from the role's schema.
 * PostgreSQL enums are custom scalars, not GraphQL enums (contract §8 #14).
 */
import {
  buildSchema,
  type GraphQLSchema,
  Kind,
  type ObjectTypeDefinitionNode,
  type ObjectTypeExtensionNode,
  parse,
  print,
  type TypeDefinitionNode,
} from 'graphql';
import type { DbCatalog, DbColumn } from './db-catalog';
import type { Metadata, TableMetadata } from './metadata-files';
import { foreignKeyOf, permittedColumns } from './metadata-files';

const BUILT_IN_SCALARS = new Set(['String', 'Int', 'Float', 'Boolean', 'ID']);

/** Hasura's GraphQL scalar for a PostgreSQL column type. */
export function scalarOf(column: DbColumn): string {
  if (column.dataType === 'USER-DEFINED') return column.udtName; // enums: a scalar named after the type
  const map: Record<string, string> = {
    uuid: 'uuid',
    text: 'String',
    varchar: 'String',
    bpchar: 'String',
    int2: 'smallint',
    int4: 'Int',
    int8: 'bigint',
    float8: 'float8',
    numeric: 'numeric',
    bool: 'Boolean',
    json: 'json',
    jsonb: 'jsonb',
    timestamptz: 'timestamptz',
    timestamp: 'timestamp',
    date: 'date',
    bytea: 'bytea',
    // Hasura v2 serves a PostgreSQL array as a scalar named after its type (`text[]` is `_text`).
    _text: '_text',
  };
  const scalar = map[column.udtName];
  if (!scalar) throw new Error(`no Hasura scalar mapping for PostgreSQL type ${column.udtName}`);
  return scalar;
}

export function buildRoleSdl(metadata: Metadata, catalog: DbCatalog, role: string): string {
  const scalars = new Set<string>(['uuid', 'jsonb']);
  const defs: string[] = [];
  const queryFields: string[] = [];
  const mutationFields: string[] = [];
  const comparisonTypes = new Set<string>();

  const byName = new Map(metadata.tables.map((table) => [table.table.name, table]));
  const selectOf = (table: TableMetadata | undefined) =>
    table?.select_permissions?.find((entry) => entry.role === role)?.permission;
  const columnsOf = (name: string) => {
    const dbTable = catalog.tables.get(name);
    if (!dbTable) throw new Error(`table ${name} is tracked but not in the database`);
    return dbTable;
  };
  const typeOf = (column: DbColumn) => {
    const scalar = scalarOf(column);
    if (!BUILT_IN_SCALARS.has(scalar)) scalars.add(scalar);
    return scalar;
  };

  for (const table of metadata.tables) {
    const name = table.table.name;
    const select = selectOf(table);
    if (!select) continue;
    const dbTable = columnsOf(name);
    const columns = permittedColumns(select.columns, [...dbTable.columns.keys()]).map((column) => {
      const dbColumn = dbTable.columns.get(column);
      if (!dbColumn) throw new Error(`${name}.${column} is not a column`);
      return dbColumn;
    });

    const objectRels = (table.object_relationships ?? []).flatMap((relationship) => {
      const fk = foreignKeyOf(relationship);
      const target = fk?.table ?? referencedTable(catalog, name, fk?.columns ?? []);
      return target && selectOf(byName.get(target)) ? [{ name: relationship.name, target }] : [];
    });
    const arrayRels = (table.array_relationships ?? []).flatMap((relationship) => {
      const target = foreignKeyOf(relationship)?.table;
      return target && selectOf(byName.get(target)) ? [{ name: relationship.name, target }] : [];
    });

    const fields = [
      ...columns.map((column) => `${column.name}: ${typeOf(column)}${column.nullable ? '' : '!'}`),
      ...objectRels.map((rel) => `${rel.name}: ${rel.target}`),
      ...arrayRels.map((rel) => `${rel.name}${listArgs(rel.target)}: [${rel.target}!]!`),
    ];
    defs.push(`type ${name} {\n  ${fields.join('\n  ')}\n}`);

    const comparisons = columns.map((column) => {
      const scalar = typeOf(column);
      comparisonTypes.add(scalar);
      return `${column.name}: ${scalar}_comparison_exp`;
    });
    defs.push(
      `input ${name}_bool_exp {\n  _and: [${name}_bool_exp!]\n  _or: [${name}_bool_exp!]\n  _not: ${name}_bool_exp\n  ${[
        ...comparisons,
        ...[...objectRels, ...arrayRels].map((rel) => `${rel.name}: ${rel.target}_bool_exp`),
      ].join('\n  ')}\n}`,
    );
    defs.push(
      `input ${name}_order_by {\n  ${[
        ...columns.map((column) => `${column.name}: order_by`),
        ...objectRels.map((rel) => `${rel.name}: ${rel.target}_order_by`),
      ].join('\n  ')}\n}`,
    );
    defs.push(`enum ${name}_select_column {\n  ${columns.map((column) => column.name).join('\n  ')}\n}`);

    queryFields.push(`${name}${listArgs(name)}: [${name}!]!`);
    const pk = dbTable.primaryKey.map((column) => dbTable.columns.get(column)).filter((column) => column !== undefined);
    const pkSelectable = pk.length > 0 && pk.every((column) => columns.includes(column));
    const pkArgs = pk.map((column) => `${column.name}: ${typeOf(column)}!`).join(', ');
    if (pkSelectable) queryFields.push(`${name}_by_pk(${pkArgs}): ${name}`);
    if (select.allow_aggregations) {
      defs.push(`type ${name}_aggregate_fields {\n  count(columns: [${name}_select_column!], distinct: Boolean): Int!\n}`);
      defs.push(`type ${name}_aggregate {\n  aggregate: ${name}_aggregate_fields\n  nodes: [${name}!]!\n}`);
      queryFields.push(`${name}_aggregate${listArgs(name)}: ${name}_aggregate!`);
    }

    const insert = table.insert_permissions?.find((entry) => entry.role === role)?.permission;
    if (insert) {
      const insertColumns = permittedColumns(insert.columns, [...dbTable.columns.keys()]).filter(
        (column) => !(insert.set && column in insert.set),
      );
      defs.push(`input ${name}_insert_input {\n  ${inputFields(dbTable.columns, insertColumns, typeOf)}\n}`);
      defs.push(`type ${name}_mutation_response {\n  affected_rows: Int!\n  returning: [${name}!]!\n}`);
      mutationFields.push(`insert_${name}_one(object: ${name}_insert_input!): ${name}`);
      mutationFields.push(`insert_${name}(objects: [${name}_insert_input!]!): ${name}_mutation_response`);
    }
    const update = table.update_permissions?.find((entry) => entry.role === role)?.permission;
    if (update && pkSelectable) {
      const setColumns = permittedColumns(update.columns, [...dbTable.columns.keys()]);
      defs.push(`input ${name}_set_input {\n  ${inputFields(dbTable.columns, setColumns, typeOf)}\n}`);
      defs.push(`input ${name}_pk_columns_input {\n  ${pkArgs.split(', ').join('\n  ')}\n}`);
      mutationFields.push(`update_${name}_by_pk(pk_columns: ${name}_pk_columns_input!, _set: ${name}_set_input): ${name}`);
    }
    const remove = table.delete_permissions?.find((entry) => entry.role === role);
    if (remove && pkSelectable) mutationFields.push(`delete_${name}_by_pk(${pkArgs}): ${name}`);
  }

  defs.push('enum order_by {\n  asc\n  asc_nulls_first\n  asc_nulls_last\n  desc\n  desc_nulls_first\n  desc_nulls_last\n}');
  for (const scalar of comparisonTypes) {
    defs.push(
      `input ${scalar}_comparison_exp {\n  _eq: ${scalar}\n  _neq: ${scalar}\n  _gt: ${scalar}\n  _gte: ${scalar}\n  _lt: ${scalar}\n  _lte: ${scalar}\n  _in: [${scalar}!]\n  _nin: [${scalar}!]\n  _is_null: Boolean\n}`,
    );
  }

  // Actions this role may call, with their output types (hasura/metadata/actions.graphql).
  const allowed = new Set(
    metadata.actions.actions
      .filter((action) => action.permissions?.some((entry) => entry.role === role))
      .map((action) => action.name),
  );
  for (const definition of parse(metadata.actionsGraphql).definitions) {
    if (definition.kind !== Kind.OBJECT_TYPE_DEFINITION && definition.kind !== Kind.OBJECT_TYPE_EXTENSION) {
      defs.push(print(definition));
      continue;
    }
    const node = definition as ObjectTypeDefinitionNode | ObjectTypeExtensionNode;
    if (node.name.value === 'Mutation' || node.name.value === 'Query') {
      const target = node.name.value === 'Mutation' ? mutationFields : queryFields;
      for (const field of node.fields ?? [])
        if (allowed.has(field.name.value)) target.push(print({ ...field, description: undefined }));
    } else {
      defs.push(print(node));
    }
  }

  // The remote schema as this role sees it (remote schema permissions enabled).
  for (const remote of metadata.remoteSchemas) {
    const roleSchema = remote.permissions?.find((entry) => entry.role === role)?.definition.schema;
    if (!roleSchema) continue;
    for (const definition of parse(roleSchema).definitions) {
      if (definition.kind === Kind.SCHEMA_DEFINITION) continue;
      const named = definition as TypeDefinitionNode;
      if (named.kind === Kind.OBJECT_TYPE_DEFINITION && named.name.value === 'Query') {
        for (const field of named.fields ?? []) queryFields.push(print({ ...field, description: undefined }));
      } else {
        defs.push(print(named));
      }
    }
  }

  return [
    ...[...scalars].sort().map((scalar) => `scalar ${scalar}`),
    ...defs,
    `type query_root {\n  ${queryFields.join('\n  ')}\n}`,
    ...(mutationFields.length ? [`type mutation_root {\n  ${mutationFields.join('\n  ')}\n}`] : []),
    `schema {\n  query: query_root${mutationFields.length ? '\n  mutation: mutation_root' : ''}\n}`,
  ].join('\n\n');
}

export function buildRoleSchema(metadata: Metadata, catalog: DbCatalog, role: string): GraphQLSchema {
  return buildSchema(buildRoleSdl(metadata, catalog, role));
}

function listArgs(target: string): string {
  return `(distinct_on: [${target}_select_column!], limit: Int, offset: Int, order_by: [${target}_order_by!], where: ${target}_bool_exp)`;
}

function inputFields(columns: Map<string, DbColumn>, names: string[], typeOf: (column: DbColumn) => string): string {
  return names
    .map((name) => {
      const column = columns.get(name);
      if (!column) throw new Error(`${name} is not a column`);
      return `${name}: ${typeOf(column)}`;
    })
    .join('\n  ');
}

function referencedTable(catalog: DbCatalog, table: string, columns: string[]): string | undefined {
  return catalog.foreignKeys.find((fk) => fk.table === table && fk.columns.join() === columns.join())?.refTable;
}
