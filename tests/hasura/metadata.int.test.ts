/**
 * No Hasura engine runs here, so this test does what `hasura metadata apply` plus an
 * inconsistency report would: it loads every metadata file (following `!include`) and checks it
 * against the database the Prisma migrations produce and against the api that serves the hooks.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { RESERVED_IDEMPOTENCY_PREFIXES } from '@conveyor/runs';
import { createTestDatabase, type TestDatabase } from '@conveyor/testing';
import {
  buildASTSchema,
  buildSchema,
  type FieldDefinitionNode,
  type GraphQLSchema,
  Kind,
  type ObjectTypeDefinitionNode,
  parse,
  print,
  type TypeNode,
} from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { z } from 'zod';
import * as eventSchemas from '../../apps/api/src/modules/events/events.schemas';
import * as apiKeyActionSchemas from '../../apps/api/src/modules/hasura-actions/api-key-actions.schemas';
import * as actionSchemas from '../../apps/api/src/modules/hasura-actions/hasura-actions.schemas';
import * as triggerActionSchemas from '../../apps/api/src/modules/hasura-actions/trigger-actions.schemas';
import { workflowRunRowSchema } from '../../apps/api/src/modules/hasura-events/hasura-events.schemas';
import { runActionOutputSchema } from '../../apps/api/src/modules/run-commands/run-commands.schemas';
import { type DbCatalog, readCatalog } from './db-catalog';
import {
  type BoolExp,
  foreignKeyOf,
  type HeaderConf,
  loadMetadata,
  type Metadata,
  permittedColumns,
  repoRoot,
  type TableMetadata,
  yamlFilesIn,
} from './metadata-files';
import { buildRoleSchema } from './role-schema';

const NON_ADMIN_ROLES = ['user', 'tenant_admin'] as const;
const HOOK_SECRET_HEADER = 'x-conveyor-hook-secret';
/** Columns no role may ever select. */
const SECRET_COLUMNS: Record<string, string[]> = {
  ApiKey: ['secretHash'],
  Connection: ['credentialsCiphertext', 'credentialsKeyId'],
  Invitation: ['tokenHash'],
  Trigger: ['secretHash', 'signingSecret', 'signingKeyId'],
};
/**
 * Tables Hasura must not track: Prisma's own, the wrapped tenant data keys, the open-run index, the
 * idempotency keys of debounced webhook calls and the kept events (the platform's only).
 */
const UNTRACKED_TABLES = ['_prisma_migrations', 'TenantDataKey', 'OpenRun', 'DebouncedCall', 'WorkflowEvent'];
/** Columns only the platform writes: no role may insert or update them (the api's actions and the cli do). */
const PLATFORM_WRITTEN_COLUMNS: Record<string, string[]> = {
  ApiKey: ['name', 'prefix', 'secretHash', 'scopes', 'lastUsedAt', 'revokedAt', 'expiresAt'],
  Tenant: ['allowPrivateNetworks'],
  Trigger: ['secretHash', 'requireSignature', 'signingSecret', 'signingKeyId', 'debounceWindowMs', 'debounceKey'],
  WorkflowRun: ['debounceOpen'],
};
/** Who may call which action (issue 5): the handlers check the membership role again. */
const ACTION_ROLES: Record<string, string[]> = {
  cancelWorkflowRun: ['tenant_admin', 'user'],
  retryWorkflowRun: ['tenant_admin', 'user'],
  publishWorkflowVersion: ['tenant_admin'],
  createConnection: ['tenant_admin'],
  inviteMember: ['tenant_admin'],
  acceptInvitation: ['user'],
  createWebhookTrigger: ['tenant_admin'],
  rotateWebhookTriggerSecret: ['tenant_admin'],
  sendWorkflowEvent: ['tenant_admin', 'user'],
  createApiKey: ['tenant_admin'],
  revokeApiKey: ['tenant_admin'],
};
/** The api's zod schemas for each action's `input` and answer (apps/api hasura-actions.schemas.ts). */
const ACTION_SCHEMAS: Record<string, { input: z.ZodObject; output: z.ZodObject }> = {
  cancelWorkflowRun: { input: actionSchemas.cancelRunInputSchema, output: runActionOutputSchema },
  retryWorkflowRun: { input: actionSchemas.retryRunInputSchema, output: runActionOutputSchema },
  publishWorkflowVersion: { input: actionSchemas.publishVersionInputSchema, output: actionSchemas.publishVersionOutputSchema },
  createConnection: { input: actionSchemas.createConnectionInputSchema, output: actionSchemas.createConnectionOutputSchema },
  inviteMember: { input: actionSchemas.inviteMemberInputSchema, output: actionSchemas.inviteMemberOutputSchema },
  acceptInvitation: { input: actionSchemas.acceptInvitationInputSchema, output: actionSchemas.acceptInvitationOutputSchema },
  createWebhookTrigger: {
    input: triggerActionSchemas.createWebhookTriggerInputSchema,
    output: triggerActionSchemas.webhookTriggerSecretOutputSchema,
  },
  rotateWebhookTriggerSecret: {
    input: triggerActionSchemas.rotateWebhookTriggerSecretInputSchema,
    output: triggerActionSchemas.webhookTriggerSecretOutputSchema,
  },
  sendWorkflowEvent: { input: eventSchemas.sendEventInputSchema, output: eventSchemas.sentEventSchema },
  createApiKey: { input: apiKeyActionSchemas.createApiKeyInputSchema, output: apiKeyActionSchemas.createApiKeyOutputSchema },
  revokeApiKey: { input: apiKeyActionSchemas.revokeApiKeyInputSchema, output: apiKeyActionSchemas.revokeApiKeyOutputSchema },
};

let db: TestDatabase;
let catalog: DbCatalog;
const metadata: Metadata = loadMetadata();
const tables = metadata.tables;
const tableNamed = (name: string) => tables.find((table) => table.table.name === name);

beforeAll(async () => {
  db = await createTestDatabase('hasura_metadata');
  catalog = await readCatalog(db);
});
afterAll(async () => {
  await db?.drop();
});

describe('hasura/metadata files', () => {
  it('is config v3 metadata with one postgres source whose tables are all included files', () => {
    expect(metadata.version).toBe(3);
    expect(metadata.sources.map((source) => [source.name, source.kind])).toEqual([['default', 'postgres']]);
    expect(tables.length).toBeGreaterThan(0);
    // Every YAML file is read by following the includes: nothing sits there unused.
    const unread = yamlFilesIn().filter(
      (file) => !metadata.filesRead.includes(file) && file.startsWith(`databases${path.sep}default${path.sep}tables`),
    );
    expect(unread).toEqual([]);
    for (const table of tables) {
      expect(table.table.schema).toBe('public');
      expect(metadata.filesRead).toContain(path.join('databases', 'default', 'tables', `public_${table.table.name}.yaml`));
    }
  });

  it('tracks every table of the database (except the untracked ones) and nothing else', () => {
    const tracked = tables.map((table) => table.table.name).sort();
    for (const name of UNTRACKED_TABLES) expect(catalog.tables.has(name), name).toBe(true);
    const inDb = [...catalog.tables.keys()].filter((name) => !UNTRACKED_TABLES.includes(name)).sort();
    expect(tracked).toEqual(inDb);
    expect(new Set(tracked).size).toBe(tracked.length);
  });
});

describe.each(metadataTables())('%s', (name) => {
  const table = tableNamed(name) as TableMetadata;
  const dbColumns = () => catalog.tables.get(name)?.columns ?? new Map();
  const columnNames = () => [...dbColumns().keys()];
  const tenantOwned = () => dbColumns().has('tenantId');

  it('names only real columns in permissions: columns, presets, filters and checks', () => {
    const problems: string[] = [];
    for (const [kind, entries] of permissionEntries(table)) {
      for (const { role, permission } of entries) {
        const where = `${kind}[${role}]`;
        const record = permission as Record<string, unknown>;
        if (Array.isArray(record.columns)) {
          for (const column of record.columns as string[])
            if (!dbColumns().has(column)) problems.push(`${where}.columns: ${column}`);
        }
        for (const column of Object.keys((record.set as object | undefined) ?? {})) {
          if (!dbColumns().has(column)) problems.push(`${where}.set: ${column}`);
        }
        for (const key of ['filter', 'check'] as const) {
          if (record[key])
            problems.push(...boolExpProblems(record[key] as BoolExp, name).map((problem) => `${where}.${key}: ${problem}`));
        }
      }
    }
    expect(problems).toEqual([]);
  });

  it('has object and array relationships that match real foreign keys, with names that are not columns', () => {
    const problems: string[] = [];
    const names = new Set<string>();
    for (const relationship of table.object_relationships ?? []) {
      const fk = foreignKeyOf(relationship);
      if (!fk) {
        problems.push(`object ${relationship.name}: not a foreign_key_constraint_on relationship`);
      } else if (fk.table) {
        // One-to-one through the other table's FK.
        if (!findForeignKey(fk.table, fk.columns, name))
          problems.push(`object ${relationship.name}: no FK ${fk.table}(${fk.columns}) → ${name}`);
      } else {
        for (const column of fk.columns)
          if (!dbColumns().has(column)) problems.push(`object ${relationship.name}: no column ${column}`);
        if (!findForeignKey(name, fk.columns))
          problems.push(`object ${relationship.name}: ${name}(${fk.columns}) is not a foreign key`);
      }
      names.add(relationship.name);
    }
    for (const relationship of table.array_relationships ?? []) {
      const fk = foreignKeyOf(relationship);
      if (!fk?.table) {
        problems.push(`array ${relationship.name}: needs { table, column }`);
      } else {
        for (const column of fk.columns) {
          if (!catalog.tables.get(fk.table)?.columns.has(column))
            problems.push(`array ${relationship.name}: no column ${fk.table}.${column}`);
        }
        if (!findForeignKey(fk.table, fk.columns, name))
          problems.push(`array ${relationship.name}: no FK ${fk.table}(${fk.columns}) → ${name}`);
      }
      if (names.has(relationship.name)) problems.push(`relationship ${relationship.name} is defined twice`);
      names.add(relationship.name);
    }
    for (const relationshipName of names) {
      if (dbColumns().has(relationshipName)) problems.push(`relationship ${relationshipName} clashes with a column`);
    }
    expect(problems).toEqual([]);
  });

  it('has an object relationship for each foreign key of the table', () => {
    const covered = (table.object_relationships ?? []).map((relationship) => foreignKeyOf(relationship)?.columns.join());
    const missing = catalog.foreignKeys
      .filter((fk) => fk.table === name && !covered.includes(fk.columns.join()))
      .map((fk) => fk.name);
    expect(missing).toEqual([]);
  });

  it('scopes every non-admin permission to the session tenant and a membership in it (ADMIN for tenant_admin)', () => {
    const problems: string[] = [];
    for (const [kind, entries] of permissionEntries(table)) {
      for (const { role, permission } of entries) {
        const where = `${kind}[${role}]`;
        if (!NON_ADMIN_ROLES.includes(role as (typeof NON_ADMIN_ROLES)[number])) {
          problems.push(`${where}: unknown role (only ${NON_ADMIN_ROLES.join(', ')} are defined)`);
          continue;
        }
        const record = permission as Record<string, unknown>;
        const expressions =
          kind === 'insert'
            ? { check: record.check }
            : kind === 'update'
              ? { filter: record.filter, check: record.check }
              : { filter: record.filter };
        for (const [key, expression] of Object.entries(expressions)) {
          const parts = conjuncts(expression as BoolExp | undefined);
          if (!parts.some((part) => isTenantScope(part, name, kind)))
            problems.push(`${where}.${key}: no tenant scope (X-Hasura-Tenant-Id)`);
          if (!parts.some((part) => isMembershipCheck(part, role === 'tenant_admin'))) {
            problems.push(`${where}.${key}: no membership _exists${role === 'tenant_admin' ? ' with role ADMIN' : ''}`);
          }
        }
      }
    }
    expect(problems).toEqual([]);
  });

  it('presets tenantId (and createdById) from the session on insert and never lets a role write them', () => {
    const problems: string[] = [];
    for (const { role, permission } of table.insert_permissions ?? []) {
      const columns = permittedColumns(permission.columns, columnNames());
      if (permission.columns === '*') problems.push(`insert[${role}]: columns '*'`);
      if (tenantOwned() && !isSessionVariable(permission.set?.tenantId, 'x-hasura-tenant-id')) {
        problems.push(`insert[${role}]: set.tenantId is not X-Hasura-Tenant-Id`);
      }
      if (dbColumns().has('createdById') && !isSessionVariable(permission.set?.createdById, 'x-hasura-user-id')) {
        problems.push(`insert[${role}]: set.createdById is not X-Hasura-User-Id`);
      }
      for (const column of ['id', 'tenantId', 'createdById'])
        if (columns.includes(column)) problems.push(`insert[${role}] accepts ${column}`);
    }
    for (const { role, permission } of table.update_permissions ?? []) {
      const columns = permittedColumns(permission.columns, columnNames());
      for (const column of ['id', 'tenantId', 'createdById'])
        if (columns.includes(column)) problems.push(`update[${role}] accepts ${column}`);
    }
    expect(problems).toEqual([]);
  });

  it("selects explicit columns only, and never a secret's", () => {
    const problems: string[] = [];
    for (const { role, permission } of table.select_permissions ?? []) {
      if (permission.columns === '*') problems.push(`select[${role}]: columns '*'`);
      for (const column of SECRET_COLUMNS[name] ?? []) {
        if (permittedColumns(permission.columns, columnNames()).includes(column)) problems.push(`select[${role}]: ${column}`);
      }
    }
    expect(problems).toEqual([]);
  });
});

describe('permissions that matter most', () => {
  it('the secret columns exist, so "selectable by no role" is about real columns', () => {
    for (const [table, columns] of Object.entries(SECRET_COLUMNS)) {
      for (const column of columns) expect(catalog.tables.get(table)?.columns.has(column), `${table}.${column}`).toBe(true);
    }
  });

  it('no role inserts or updates a column only the platform writes (private networks, webhook secrets, API keys)', () => {
    const problems: string[] = [];
    for (const [name, columns] of Object.entries(PLATFORM_WRITTEN_COLUMNS)) {
      const table = tableNamed(name);
      const all = [...(catalog.tables.get(name)?.columns.keys() ?? [])];
      for (const column of columns) expect(all, `${name}.${column}`).toContain(column);
      for (const [kind, entries] of [
        ['insert', table?.insert_permissions ?? []],
        ['update', table?.update_permissions ?? []],
      ] as const) {
        for (const { role, permission } of entries) {
          const writable = permittedColumns(permission.columns, all);
          for (const column of columns) if (writable.includes(column)) problems.push(`${name} ${kind}[${role}]: ${column}`);
        }
      }
    }
    expect(problems).toEqual([]);
  });

  it('user inserts a WorkflowRun with exactly workflowId, input, idempotencyKey and priority; status is preset PENDING', () => {
    const insert = tableNamed('WorkflowRun')?.insert_permissions?.find((entry) => entry.role === 'user')?.permission;
    expect(insert).toBeDefined();
    expect([...(insert?.columns ?? [])].sort()).toEqual(['idempotencyKey', 'input', 'priority', 'workflowId']);
    expect(insert?.set?.status).toBe('PENDING');
    expect(catalog.enums.get(catalog.tables.get('WorkflowRun')?.columns.get('status')?.udtName ?? '')).toContain('PENDING');
    // The workflow it names must be one of the caller's tenant.
    expect(conjuncts(insert?.check)).toContainEqual({ workflow: { tenantId: { _eq: 'X-Hasura-Tenant-Id' } } });
  });

  it('no non-admin role can update a WorkflowRun or a StepRun (state changes go through actions and workers)', () => {
    for (const name of ['WorkflowRun', 'StepRun']) {
      expect(tableNamed(name)?.update_permissions ?? [], name).toEqual([]);
    }
  });

  it('sends Trigger inserts and updates to an api validation route first, behind the secret (cron, timezone)', () => {
    const trigger = tableNamed('Trigger');
    const validations = [...(trigger?.insert_permissions ?? []), ...(trigger?.update_permissions ?? [])].map(
      (entry) => entry.permission.validate_input,
    );
    expect(validations).toHaveLength(2);
    const served = apiRoutes('/hooks/hasura/validate/');
    for (const validation of validations) {
      expect(validation?.type).toBe('http');
      const url = validation?.definition.url ?? '';
      expect(url).toMatch(/^\{\{CONVEYOR_API_URL\}\}\/hooks\/hasura\/validate\//);
      expect(served.has(url.replace(/^.*\/hooks\/hasura\/validate\//, ''))).toBe(true);
      expect(validation?.definition.forward_client_headers).toBe(false);
      expectSecretHeader(validation?.definition.headers);
    }
  });

  it("sends WorkflowRun inserts to the run validation first, and never lets a member write a platform's idempotency key", () => {
    const inserts = tableNamed('WorkflowRun')?.insert_permissions ?? [];
    expect(inserts.map((entry) => entry.role).sort()).toEqual([...NON_ADMIN_ROLES].sort());
    const served = apiRoutes('/hooks/hasura/validate/');
    for (const { permission } of inserts) {
      expect(permission.validate_input?.definition.url).toBe('{{CONVEYOR_API_URL}}/hooks/hasura/validate/run-insert');
      expect(served.has('run-insert')).toBe(true);
      expectSecretHeader(permission.validate_input?.definition.headers);
      const check = JSON.stringify(permission.check);
      for (const prefix of RESERVED_IDEMPOTENCY_PREFIXES) expect(check).toContain(`{"idempotencyKey":{"_nlike":"${prefix}%"}}`);
    }
  });

  it('user reads runs, step runs, workflows, versions and triggers of its tenant', () => {
    for (const name of ['WorkflowRun', 'StepRun', 'Workflow', 'WorkflowVersion', 'Trigger', 'Tenant']) {
      expect(
        tableNamed(name)?.select_permissions?.some((entry) => entry.role === 'user'),
        name,
      ).toBe(true);
    }
  });

  it('PostgreSQL enum types are snake_case, which Hasura filters on correctly (contract §8 #13)', () => {
    const enumTypes = [...catalog.tables.values()].flatMap((table) =>
      [...table.columns.values()].filter((column) => column.dataType === 'USER-DEFINED').map((column) => column.udtName),
    );
    expect(enumTypes.length).toBeGreaterThan(0);
    for (const type of enumTypes) expect(type).toMatch(/^[a-z][a-z0-9_]*$/);
  });

  it('builds a consistent GraphQL schema for each role', () => {
    for (const role of NON_ADMIN_ROLES) expect(() => buildRoleSchema(metadata, catalog, role), role).not.toThrow();
  });
});

describe('event trigger workflow_run_created', () => {
  const triggers = tables.flatMap((table) =>
    (table.event_triggers ?? []).map((trigger) => ({ table: table.table.name, trigger })),
  );
  const created = triggers.find(({ trigger }) => trigger.name === 'workflow_run_created');

  it('fires on WorkflowRun INSERT only', () => {
    expect(created?.table).toBe('WorkflowRun');
    expect(created?.trigger.definition.insert).toBeDefined();
    expect(created?.trigger.definition.update).toBeUndefined();
    expect(created?.trigger.definition.delete).toBeUndefined();
  });

  it('reads its webhook and secret header from the environment and retries', () => {
    const trigger = created?.trigger;
    expect(trigger?.webhook_from_env).toMatch(/^[A-Z][A-Z0-9_]*$/);
    expect(trigger?.webhook).toBeUndefined();
    expectSecretHeader(trigger?.headers);
    expect(Object.keys(trigger?.retry_conf ?? {}).sort()).toEqual(['interval_sec', 'num_retries', 'timeout_sec']);
    expect(trigger?.retry_conf?.num_retries).toBeGreaterThan(0);
    expect(trigger?.retry_conf?.interval_sec).toBeGreaterThan(0);
    expect(trigger?.retry_conf?.timeout_sec).toBeGreaterThan(0);
  });

  it('sends a small payload that holds every column the api dispatcher reads', () => {
    const payload = created?.trigger.definition.insert?.payload;
    expect(Array.isArray(payload), 'insert.payload lists columns (contract §8 #5)').toBe(true);
    const columns = catalog.tables.get('WorkflowRun')?.columns;
    for (const column of payload as string[]) expect(columns?.has(column), column).toBe(true);
    expect(payload).toEqual(expect.arrayContaining(Object.keys(workflowRunRowSchema.shape)));
    expect(payload).not.toContain('input');
  });

  it('has names whose SQL triggers fit PostgreSQL identifiers', () => {
    for (const { trigger } of triggers) {
      expect(trigger.name).toMatch(/^[A-Za-z0-9_-]+$/);
      expect(Buffer.byteLength(`notify_hasura_${trigger.name}_INSERT`)).toBeLessThanOrEqual(63);
    }
  });
});

describe('actions', () => {
  const actions = metadata.actions.actions;
  const mutationFields = mutationFieldsOf(metadata.actionsGraphql);
  const actionTypes = parse(metadata.actionsGraphql).definitions.filter(
    (definition): definition is ObjectTypeDefinitionNode =>
      definition.kind === Kind.OBJECT_TYPE_DEFINITION &&
      definition.name.value !== 'Mutation' &&
      definition.name.value !== 'Query',
  );

  it('declares each action once in actions.yaml and once in actions.graphql, with its output type', () => {
    expect(actions.map((action) => action.name).sort()).toEqual(Object.keys(ACTION_ROLES).sort());
    expect([...mutationFields.keys()].sort()).toEqual(Object.keys(ACTION_ROLES).sort());
    const outputs = [...mutationFields.values()].map((field) => namedType(field.type));
    expect(metadata.actions.custom_types.objects.map((object) => object.name).sort()).toEqual([...new Set(outputs)].sort());
    expect(actionTypes.map((type) => type.name.value).sort()).toEqual([...new Set(outputs)].sort());
    // actions.graphql with the PG scalars it may use is a valid schema.
    expect(() => buildSchema(`scalar uuid\nscalar jsonb\n${mergedActionsSdl(metadata.actionsGraphql)}`)).not.toThrow();
  });

  it.each(Object.keys(ACTION_ROLES))(
    '%s: synchronous, {{ACTION_BASE_URL}}/<kebab-name>, secret header, permitted roles',
    (name) => {
      const action = actions.find((entry) => entry.name === name);
      expect(action?.definition.kind ?? 'synchronous').toBe('synchronous');
      expect(action?.definition.handler).toBe(`{{ACTION_BASE_URL}}/${kebab(name)}`);
      expect(action?.definition.forward_client_headers ?? false).toBe(false);
      expectSecretHeader(action?.definition.headers);
      expect((action?.permissions ?? []).map((entry) => entry.role).sort()).toEqual(ACTION_ROLES[name]);
    },
  );

  it('points every handler at a route the api registers', () => {
    const routes = apiRoutes('/hooks/hasura/actions/');
    expect(routes.size).toBeGreaterThan(0);
    expect(routes.has('no-such-action')).toBe(false);
    const missing = actions
      .map((action) => action.definition.handler.replace(/^\{\{ACTION_BASE_URL\}\}\//, ''))
      .filter((route) => !routes.has(route));
    expect(missing).toEqual([]);
  });

  it.each(Object.keys(ACTION_ROLES))("%s: arguments and output fields match the api's schemas for input and answer", (name) => {
    const field = mutationFields.get(name);
    const schemas = ACTION_SCHEMAS[name];
    expect(field && schemas).toBeTruthy();
    if (!field || !schemas) return;
    const args = field.arguments ?? [];
    expect(args.map((arg) => arg.name.value).sort()).toEqual(Object.keys(schemas.input.shape).sort());
    for (const arg of args) {
      const schema = schemas.input.shape[arg.name.value] as z.ZodType;
      // Hasura may send a nullable argument as null or leave it out: the handler must take both.
      if (arg.type.kind !== Kind.NON_NULL_TYPE) {
        expect(schema.safeParse(undefined).success, `${name}(${arg.name.value}) may be omitted`).toBe(true);
        expect(schema.safeParse(null).success, `${name}(${arg.name.value}) may be null`).toBe(true);
      }
    }
    const output = actionTypes.find((type) => type.name.value === namedType(field.type));
    const outputFields = output?.fields ?? [];
    // Hasura rejects answers with undeclared keys, and null in a non-null field.
    expect(outputFields.map((entry) => entry.name.value).sort()).toEqual(Object.keys(schemas.output.shape).sort());
    for (const entry of outputFields) {
      const schema = schemas.output.shape[entry.name.value] as z.ZodType;
      if (entry.type.kind === Kind.NON_NULL_TYPE) {
        expect(schema.safeParse(null).success, `${name}.${entry.name.value} may be null`).toBe(false);
        expect(schema.safeParse(undefined).success, `${name}.${entry.name.value} may be missing`).toBe(false);
      }
    }
  });
});

describe('remote schema execution_logs', () => {
  const remote = metadata.remoteSchemas.find((schema) => schema.name === 'execution_logs');
  const apiSchema = buildSchema(logsSdl());

  it("reads the api's URL and the secret header from the environment", () => {
    expect(metadata.remoteSchemas).toHaveLength(1);
    expect(remote?.definition.url_from_env).toBe('LOGS_GRAPHQL_URL');
    expect(remote?.definition.url).toBeUndefined();
    expect(remote?.definition.forward_client_headers ?? false).toBe(false);
    expectSecretHeader(remote?.definition.headers);
  });

  it('gives user and tenant_admin a role schema', () => {
    expect((remote?.permissions ?? []).map((entry) => entry.role).sort()).toEqual(['tenant_admin', 'user']);
  });

  it.each(['user', 'tenant_admin'])(
    '%s: the role schema parses and uses only types, fields and arguments the api serves',
    (role) => {
      const sdl = remote?.permissions?.find((entry) => entry.role === role)?.definition.schema ?? '';
      const roleSchema = buildASTSchema(parse(sdl));
      expect(subschemaProblems(roleSchema, apiSchema)).toEqual([]);
      expect(Object.keys(roleSchema.getQueryType()?.getFields() ?? {})).toContain('runLogs');
    },
  );

  it('the subschema check catches a field the api does not serve', () => {
    const sdl = remote?.permissions?.[0]?.definition.schema ?? '';
    const broken = buildASTSchema(parse(sdl.replace('nextCursor: String', 'nextCursor: String\n  total: Int')));
    expect(subschemaProblems(broken, apiSchema)).toEqual(['LogPage.total: not served by the api']);
  });
});

// ---------------------------------------------------------------------------------------------

function metadataTables(): string[] {
  return loadMetadata()
    .tables.map((table) => table.table.name)
    .sort();
}

type PermissionKind = 'insert' | 'select' | 'update' | 'delete';

function permissionEntries(table: TableMetadata): [PermissionKind, { role: string; permission: unknown }[]][] {
  return [
    ['insert', table.insert_permissions ?? []],
    ['select', table.select_permissions ?? []],
    ['update', table.update_permissions ?? []],
    ['delete', table.delete_permissions ?? []],
  ];
}

/** Column and relationship names a boolean expression uses that do not exist on `table`. */
function boolExpProblems(expression: unknown, table: string): string[] {
  if (expression === null || typeof expression !== 'object') return [`not an object: ${JSON.stringify(expression)}`];
  const columns = catalog.tables.get(table)?.columns;
  const metadataTable = tableNamed(table);
  const relationshipTarget = (name: string) => {
    const object = metadataTable?.object_relationships?.find((relationship) => relationship.name === name);
    if (object) {
      const fk = foreignKeyOf(object);
      return (
        fk?.table ?? catalog.foreignKeys.find((key) => key.table === table && key.columns.join() === fk?.columns.join())?.refTable
      );
    }
    const array = metadataTable?.array_relationships?.find((relationship) => relationship.name === name);
    return array ? foreignKeyOf(array)?.table : undefined;
  };
  return Object.entries(expression).flatMap(([key, value]): string[] => {
    if (key === '_and' || key === '_or') {
      return Array.isArray(value) ? value.flatMap((item) => boolExpProblems(item, table)) : [`${key} is not a list`];
    }
    if (key === '_not') return boolExpProblems(value, table);
    if (key === '_exists') {
      const { _table, _where } = (value ?? {}) as { _table?: { name: string; schema: string }; _where?: unknown };
      if (!_table || !catalog.tables.has(_table.name)) return [`_exists on unknown table ${_table?.name}`];
      return boolExpProblems(_where, _table.name);
    }
    if (columns?.has(key)) {
      const operators = Object.keys((value ?? {}) as object);
      return operators.length > 0 && operators.every((operator) => operator.startsWith('_'))
        ? []
        : [`${table}.${key}: no operator`];
    }
    const target = relationshipTarget(key);
    if (target) return boolExpProblems(value, target);
    return [`${table}.${key} is neither a column nor a relationship`];
  });
}

/** The ANDed parts of a boolean expression (nested `_and`s and multi-key objects flattened). */
function conjuncts(expression: BoolExp | undefined | null): BoolExp[] {
  if (!expression) return [];
  return Object.entries(expression).flatMap(([key, value]) =>
    key === '_and' && Array.isArray(value) ? value.flatMap((item) => conjuncts(item as BoolExp)) : [{ [key]: value }],
  );
}

function isSessionVariable(value: unknown, name: string): boolean {
  return typeof value === 'string' && value.toLowerCase() === name;
}

function isEq(value: unknown, sessionVariable: string): boolean {
  const operators = value as Record<string, unknown> | undefined;
  return !!operators && Object.keys(operators).length === 1 && isSessionVariable(operators._eq, sessionVariable);
}

/** `tenantId = X-Hasura-Tenant-Id`, or what stands for it on Tenant, User and built-in rows. */
function isTenantScope(part: BoolExp, table: string, kind: PermissionKind): boolean {
  const [[key, value] = []] = Object.entries(part);
  if (table === 'Tenant') return key === 'id' && isEq(value, 'x-hasura-tenant-id');
  if (table === 'User') {
    return key === 'memberships' && conjuncts(value as BoolExp).some((inner) => isEq(inner.tenantId, 'x-hasura-tenant-id'));
  }
  if (key === 'tenantId') return isEq(value, 'x-hasura-tenant-id');
  // Built-in rows (tenantId null) may be read by everyone, where the column is nullable; never written.
  if (
    key === '_or' &&
    kind === 'select' &&
    catalog.tables.get(table)?.columns.get('tenantId')?.nullable &&
    Array.isArray(value)
  ) {
    const branches = value as BoolExp[];
    return (
      branches.length === 2 &&
      branches.some(
        (branch) =>
          (branch.tenantId as { _is_null?: unknown } | undefined)?._is_null === true && Object.keys(branch).length === 1,
      ) &&
      branches.some((branch) => isEq(branch.tenantId, 'x-hasura-tenant-id') && Object.keys(branch).length === 1)
    );
  }
  return false;
}

/** `_exists` a Membership of X-Hasura-User-Id in X-Hasura-Tenant-Id (with role ADMIN when `admin`). */
function isMembershipCheck(part: BoolExp, admin: boolean): boolean {
  const exists = part._exists as { _table?: { name?: string; schema?: string }; _where?: BoolExp } | undefined;
  if (exists?._table?.name !== 'Membership' || exists._table.schema !== 'public') return false;
  const where = conjuncts(exists._where);
  return (
    where.some((inner) => isEq(inner.tenantId, 'x-hasura-tenant-id')) &&
    where.some((inner) => isEq(inner.userId, 'x-hasura-user-id')) &&
    (!admin || where.some((inner) => (inner.role as { _eq?: unknown } | undefined)?._eq === 'ADMIN'))
  );
}

function findForeignKey(table: string, columns: string[], refTable?: string) {
  return catalog.foreignKeys.find(
    (fk) => fk.table === table && fk.columns.join() === columns.join() && (refTable === undefined || fk.refTable === refTable),
  );
}

function expectSecretHeader(headers: HeaderConf[] | undefined) {
  const secret = headers?.find((header) => header.name.toLowerCase() === HOOK_SECRET_HEADER);
  expect(secret?.value_from_env, `${HOOK_SECRET_HEADER} from the environment`).toBe('CONVEYOR_HOOK_SECRET');
  expect(secret?.value, 'no literal secret in metadata').toBeUndefined();
  for (const header of headers ?? []) expect(header.value === undefined || header.value_from_env === undefined).toBe(true);
}

/** Every field of every `type Mutation { … }` block (the CLI writes one block per action). */
function mutationFieldsOf(sdl: string): Map<string, FieldDefinitionNode> {
  const fields = new Map<string, FieldDefinitionNode>();
  for (const definition of parse(sdl).definitions) {
    if (definition.kind === Kind.OBJECT_TYPE_DEFINITION && definition.name.value === 'Mutation') {
      for (const field of definition.fields ?? []) {
        expect(fields.has(field.name.value), `${field.name.value} declared twice`).toBe(false);
        fields.set(field.name.value, field);
      }
    }
  }
  return fields;
}

function mergedActionsSdl(sdl: string): string {
  const fields = [...mutationFieldsOf(sdl).values()].map((field) => print(field));
  const others = parse(sdl).definitions.filter(
    (definition) => !(definition.kind === Kind.OBJECT_TYPE_DEFINITION && definition.name.value === 'Mutation'),
  );
  return `type Query { _unused: Boolean }\ntype Mutation {\n${fields.join('\n')}\n}\n${others.map((definition) => print(definition)).join('\n')}`;
}

function namedType(type: TypeNode): string {
  return type.kind === Kind.NAMED_TYPE ? type.name.value : namedType(type.type);
}

function kebab(name: string): string {
  return name.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`);
}

/**
 * The action routes apps/api registers, from its sources: literal `/hooks/hasura/actions/<name>`
 * paths, and, where a file builds them as `/hooks/hasura/actions/${path}`, the kebab-case names it
 * passes in that file.
 */
/** The routes under `prefix` (e.g. `/hooks/hasura/actions/`) that apps/api's source registers, by their last segment. */
function apiRoutes(prefix: string): Set<string> {
  const dir = path.join(repoRoot, 'apps', 'api', 'src');
  const routes = new Set<string>();
  const files = readdirSync(dir, { recursive: true, withFileTypes: true }).filter(
    (entry) => entry.isFile() && entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts'),
  );
  for (const entry of files) {
    const source = readFileSync(path.join(entry.parentPath, entry.name), 'utf8');
    for (const match of source.matchAll(new RegExp(`${prefix.replaceAll('/', '\\/')}([a-z][a-z0-9-]*)`, 'g'))) {
      if (match[1]) routes.add(match[1]);
    }
    if (source.includes(`${prefix}\${`)) {
      for (const match of source.matchAll(/\(\s*'([a-z][a-z0-9]*(?:-[a-z0-9]+)+)'\s*,/g)) if (match[1]) routes.add(match[1]);
    }
  }
  return routes;
}

/** The SDL string apps/api/src/modules/logs/logs.graphql.ts serves. */
function logsSdl(): string {
  const source = readFileSync(path.join(repoRoot, 'apps', 'api', 'src', 'modules', 'logs', 'logs.graphql.ts'), 'utf8');
  const match = /const schema = \/\* GraphQL \*\/ `([^`]*)`/.exec(source);
  if (!match?.[1]) throw new Error('no `const schema = /* GraphQL */ `…`` in logs.graphql.ts');
  return match[1];
}

/** What a role schema declares that the remote server does not serve (types, fields, arguments, type refs). */
function subschemaProblems(role: GraphQLSchema, remote: GraphQLSchema): string[] {
  const problems: string[] = [];
  for (const [name, type] of Object.entries(role.getTypeMap())) {
    if (name.startsWith('__')) continue;
    const served = remote.getType(name);
    if (!served) {
      problems.push(`${name}: no such type in the api`);
      continue;
    }
    if (served.constructor !== type.constructor) problems.push(`${name}: a different kind of type in the api`);
    if (!('getFields' in type) || !('getFields' in served)) continue;
    const servedFields = served.getFields() as Record<
      string,
      { type: unknown; args?: readonly { name: string; type: unknown }[] }
    >;
    for (const [fieldName, field] of Object.entries(
      type.getFields() as Record<string, { type: unknown; args?: readonly { name: string; type: unknown }[] }>,
    )) {
      const servedField = servedFields[fieldName];
      if (!servedField) {
        problems.push(`${name}.${fieldName}: not served by the api`);
        continue;
      }
      if (String(servedField.type) !== String(field.type))
        problems.push(`${name}.${fieldName}: ${field.type} here, ${servedField.type} in the api`);
      for (const arg of field.args ?? []) {
        const servedArg = servedField.args?.find((candidate) => candidate.name === arg.name);
        if (!servedArg) problems.push(`${name}.${fieldName}(${arg.name}): no such argument in the api`);
        else if (String(servedArg.type) !== String(arg.type))
          problems.push(`${name}.${fieldName}(${arg.name}): ${arg.type} here, ${servedArg.type} in the api`);
      }
    }
  }
  return problems;
}
