/**
 * Reads hasura/metadata the way `hasura metadata apply` does: YAML files, with `"!include <file>"`
 * strings replaced by the included file (paths relative to the including file).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';

export const repoRoot = path.resolve(import.meta.dirname, '../..');
export const metadataDir = path.join(repoRoot, 'hasura', 'metadata');

export type BoolExp = Record<string, unknown>;

export interface Relationship {
  name: string;
  using: {
    foreign_key_constraint_on?: string | { column?: string; columns?: string[]; table: QualifiedTable };
    manual_configuration?: unknown;
  };
}

export interface QualifiedTable {
  name: string;
  schema: string;
}

export interface Permission<P> {
  role: string;
  permission: P;
  comment?: string;
}

/** Hasura's input validation (v2.29+): the rows go to a webhook before the mutation runs. */
export interface ValidateInput {
  type: 'http';
  definition: { url: string; headers?: HeaderConf[]; forward_client_headers?: boolean; timeout?: number };
}
export interface InsertPermission {
  check: BoolExp;
  set?: Record<string, string>;
  columns: string[] | '*';
  backend_only?: boolean;
  validate_input?: ValidateInput;
}
export interface SelectPermission {
  columns: string[] | '*';
  filter: BoolExp;
  limit?: number;
  allow_aggregations?: boolean;
}
export interface UpdatePermission {
  columns: string[] | '*';
  filter: BoolExp;
  check?: BoolExp | null;
  set?: Record<string, string>;
  validate_input?: ValidateInput;
}
export interface DeletePermission {
  filter: BoolExp;
}

export interface HeaderConf {
  name: string;
  value?: string;
  value_from_env?: string;
}

export interface EventTrigger {
  name: string;
  definition: {
    enable_manual?: boolean;
    insert?: { columns: string[] | '*'; payload?: string[] | '*' };
    update?: { columns: string[] | '*'; payload?: string[] | '*' };
    delete?: { columns: string[] | '*'; payload?: string[] | '*' };
  };
  retry_conf?: Record<string, number>;
  webhook?: string;
  webhook_from_env?: string;
  headers?: HeaderConf[];
}

export interface TableMetadata {
  table: QualifiedTable;
  configuration?: Record<string, unknown>;
  object_relationships?: Relationship[];
  array_relationships?: Relationship[];
  insert_permissions?: Permission<InsertPermission>[];
  select_permissions?: Permission<SelectPermission>[];
  update_permissions?: Permission<UpdatePermission>[];
  delete_permissions?: Permission<DeletePermission>[];
  event_triggers?: EventTrigger[];
}

export interface ActionMetadata {
  name: string;
  definition: {
    kind?: 'synchronous' | 'asynchronous';
    handler: string;
    forward_client_headers?: boolean;
    headers?: HeaderConf[];
    timeout?: number;
  };
  permissions?: { role: string }[];
  comment?: string;
}

export interface ActionsFile {
  actions: ActionMetadata[];
  custom_types: { enums: unknown[]; input_objects: unknown[]; objects: { name: string }[]; scalars: unknown[] };
}

export interface RemoteSchema {
  name: string;
  definition: {
    url?: string;
    url_from_env?: string;
    headers?: HeaderConf[];
    forward_client_headers?: boolean;
    timeout_seconds?: number;
  };
  permissions?: { role: string; definition: { schema: string } }[];
  comment?: string;
}

export interface Metadata {
  version: number;
  sources: { name: string; kind: string; configuration: unknown; tables: TableMetadata[] }[];
  tables: TableMetadata[];
  actions: ActionsFile;
  actionsGraphql: string;
  remoteSchemas: RemoteSchema[];
  /** Every file read, relative to the metadata directory (includes followed). */
  filesRead: string[];
}

/** The whole metadata directory, includes resolved. */
export function loadMetadata(dir = metadataDir): Metadata {
  const filesRead: string[] = [];
  const read = (file: string): unknown => {
    filesRead.push(path.relative(dir, file));
    return resolveIncludes(parse(readFileSync(file, 'utf8')), path.dirname(file));
  };
  const resolveIncludes = (value: unknown, base: string): unknown => {
    if (typeof value === 'string') {
      const include = /^!include\s+(.+)$/.exec(value);
      return include?.[1] ? read(path.resolve(base, include[1].trim())) : value;
    }
    if (Array.isArray(value)) return value.map((item) => resolveIncludes(item, base));
    if (value && typeof value === 'object') {
      return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, resolveIncludes(item, base)]));
    }
    return value;
  };

  const { version } = read(path.join(dir, 'version.yaml')) as { version: number };
  const sources = read(path.join(dir, 'databases', 'databases.yaml')) as Metadata['sources'];
  const actions = read(path.join(dir, 'actions.yaml')) as ActionsFile;
  const remoteSchemas = (read(path.join(dir, 'remote_schemas.yaml')) ?? []) as RemoteSchema[];
  const actionsGraphqlPath = path.join(dir, 'actions.graphql');
  const actionsGraphql = existsSync(actionsGraphqlPath) ? readFileSync(actionsGraphqlPath, 'utf8') : '';
  return {
    version,
    sources,
    tables: sources.flatMap((source) => source.tables ?? []),
    actions,
    actionsGraphql,
    remoteSchemas,
    filesRead,
  };
}

/** Every YAML file under the metadata directory, relative to it. */
export function yamlFilesIn(dir = metadataDir): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && /\.ya?ml$/.test(entry.name))
    .map((entry) => path.relative(dir, path.join(entry.parentPath, entry.name)))
    .sort();
}

/** The relationship's FK: the column on this table (object) or on the other table (array). */
export function foreignKeyOf(relationship: Relationship): { table?: string; columns: string[] } | null {
  const fk = relationship.using.foreign_key_constraint_on;
  if (fk === undefined) return null;
  if (typeof fk === 'string') return { columns: [fk] };
  return { table: fk.table.name, columns: fk.columns ?? (fk.column ? [fk.column] : []) };
}

export function permittedColumns(columns: string[] | '*', all: string[]): string[] {
  return columns === '*' ? all : columns;
}
