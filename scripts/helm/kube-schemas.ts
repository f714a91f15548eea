/**
 * JSON schemas of the built-in Kubernetes kinds for kubeconform, which would otherwise download them.
 * The source is the typed schema client-go ships for server-side apply (applyconfigurations/internal:
 * structured-merge-diff's YAML, one type per API type, for the Kubernetes release of that client-go),
 * a Go module helm itself is built from. It has every field and its type but not which are required,
 * so the schemas catch unknown fields (misplaced or misspelt keys) and wrong types, and a missing
 * required field only where this file names it (`apiVersion`, `kind`, `metadata`).
 */
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';

/** The module whose schema is read: the client-go helm v3.22.0 is built with (Kubernetes 1.37). */
export const SCHEMA_MODULE = 'k8s.io/client-go@v0.37.0';
export const SCHEMA_FILE = 'applyconfigurations/internal/internal.go';

type SmdType = {
  name?: string;
  namedType?: string;
  scalar?: 'string' | 'numeric' | 'boolean' | 'untyped';
  list?: { elementType: SmdType };
  map?: { fields?: { name: string; type: SmdType }[]; elementType?: SmdType };
};
type JsonSchema = Record<string, unknown>;

/** Every named type of the schema, as JSON schema definitions. */
export function readDefinitions(goFile: string): Record<string, JsonSchema> {
  const source = readFileSync(goFile, 'utf8');
  const match = /var schemaYAML = typed\.YAMLObject\(`([\s\S]*?)`\)/.exec(source);
  if (!match?.[1]) throw new Error(`${goFile}: no schemaYAML`);
  const { types } = parse(match[1]) as { types: SmdType[] };
  return Object.fromEntries(types.map((type) => [type.name ?? '', toJsonSchema(type)]));
}

/**
 * The schema of one kind (`apps/v1`, `Deployment`), standalone and strict (no field the API does not
 * have), or undefined when the kind is not built in (a CRD's).
 */
export function kindSchema(definitions: Record<string, JsonSchema>, apiVersion: string, kind: string): JsonSchema | undefined {
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
  const pkg = group === '' ? 'core' : group?.split('.')[0];
  const name = `io.k8s.api.${pkg}.${version}.${kind}`;
  if (!definitions[name]) return undefined;
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    allOf: [{ $ref: `#/definitions/${name}` }],
    properties: { apiVersion: { const: apiVersion }, kind: { const: kind } },
    required: ['apiVersion', 'kind', 'metadata'],
    definitions,
  };
}

/** kubeconform's file name for a kind's schema (`{{ .ResourceKind }}{{ .KindSuffix }}.json`). */
export function schemaFileName(apiVersion: string, kind: string): string {
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
  const suffix = group ? `-${group.split('.')[0]}-${version}` : `-${version}`;
  return `${kind.toLowerCase()}${suffix.toLowerCase()}.json`;
}

function toJsonSchema(type: SmdType): JsonSchema {
  if (type.namedType) return UNTYPED.has(type.namedType) ? {} : { $ref: `#/definitions/${type.namedType}` };
  if (type.scalar) return SCALARS[type.scalar];
  if (type.list) return { type: 'array', items: toJsonSchema(type.list.elementType) };
  if (type.map?.fields) {
    return {
      type: 'object',
      properties: Object.fromEntries(type.map.fields.map((field) => [field.name, toJsonSchema(field.type)])),
      additionalProperties: type.map.elementType ? toJsonSchema(type.map.elementType) : false,
    };
  }
  if (type.map) return { type: 'object', additionalProperties: type.map.elementType ? toJsonSchema(type.map.elementType) : {} };
  return {};
}

/** `untyped` scalars are IntOrString and Quantity: a string or a number. */
const SCALARS: Record<NonNullable<SmdType['scalar']>, JsonSchema> = {
  string: { type: 'string' },
  numeric: { type: 'number' },
  boolean: { type: 'boolean' },
  untyped: { type: ['string', 'number'] },
};

const UNTYPED = new Set(['__untyped_atomic_', '__untyped_deduced_']);
