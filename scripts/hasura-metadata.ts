/**
 * `npm run hasura:metadata`: writes hasura/metadata/databases/default/tables/ (one file per table
 * plus tables.yaml) from the declarative spec below, so every permission gets the same tenant and
 * membership rules. `-- --check` only reports files that differ (tests/hasura checks the same).
 *
 * The permission model (hasura-contract §4, §5):
 * - Every permission of a non-admin role on a tenant-owned table is
 *   `tenantId = X-Hasura-Tenant-Id` AND an `_exists` on Membership for (X-Hasura-Tenant-Id,
 *   X-Hasura-User-Id). App, AppVersion and Action rows with a null tenantId are built in and
 *   readable by every member: their select filter is `tenantId IS NULL OR tenantId = …`.
 * - `tenant_admin` is granted to every member's token (x-hasura-allowed-roles), so the role itself
 *   proves nothing: each of its permissions also demands `role = ADMIN` on that membership.
 * - Inserts preset `tenantId` (and `createdById` where the column exists) from the session, and
 *   check that a referenced workflow belongs to the same tenant.
 * - Columns no role may read: Connection.credentialsCiphertext/credentialsKeyId,
 *   Invitation.tokenHash, Trigger.secretHash (writable by tenant_admin, never readable).
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';

export const TABLES_DIR = path.resolve(import.meta.dirname, '..', 'hasura', 'metadata', 'databases', 'default', 'tables');

export type Role = 'user' | 'tenant_admin';
export const ROLES: readonly Role[] = ['user', 'tenant_admin'];

type BoolExp = Record<string, unknown>;

/** How a table's rows belong to a tenant. */
type Scope =
  /** `tenantId` NOT NULL: the tenant's own rows. */
  | 'tenant'
  /** `tenantId` nullable: null rows are built in and readable by every member (never writable). */
  | 'tenant-or-built-in'
  /** The Tenant table itself: `id` is the tenant. */
  | 'tenant-row'
  /** The User table: people who hold a membership in the caller's tenant. */
  | 'co-member';

interface SelectSpec {
  columns: string[];
  allowAggregations?: boolean;
  /** Extra conditions ANDed after the tenant rules. */
  filter?: BoolExp[];
}
interface InsertSpec {
  columns: string[];
  /** Static presets besides tenantId/createdById. */
  set?: Record<string, string>;
  check?: BoolExp[];
}
interface UpdateSpec {
  columns: string[];
  filter?: BoolExp[];
}
interface DeleteSpec {
  filter?: BoolExp[];
}
type PerRole<T> = Partial<Record<Role, T>>;

interface TableSpec {
  name: string;
  scope: Scope;
  /** Whether the table has a `createdById` column preset from X-Hasura-User-Id on insert. */
  createdBy?: boolean;
  comment?: string;
  /** [relationship name, FK column on this table] */
  object?: [string, string][];
  /** [relationship name, other table, FK column on the other table] */
  array?: [string, string, string][];
  select?: PerRole<SelectSpec>;
  insert?: PerRole<InsertSpec>;
  update?: PerRole<UpdateSpec>;
  delete?: PerRole<DeleteSpec>;
  eventTriggers?: unknown[];
}

const both = <T>(value: T): PerRole<T> => ({ user: value, tenant_admin: value });
const sameTenantWorkflow: BoolExp = { workflow: { tenantId: { _eq: 'X-Hasura-Tenant-Id' } } };

const runColumns = [
  'id',
  'tenantId',
  'workflowId',
  'workflowVersionId',
  'triggerId',
  'status',
  'input',
  'output',
  'error',
  'idempotencyKey',
  'priority',
  'createdById',
  'startedAt',
  'finishedAt',
  'createdAt',
  'updatedAt',
];
/** `jobId` is the worker's bookkeeping, not the app's. */
const stepColumns = [
  'id',
  'tenantId',
  'workflowRunId',
  'stepKey',
  'status',
  'attempt',
  'attemptErrors',
  'input',
  'output',
  'error',
  'startedAt',
  'finishedAt',
  'createdAt',
  'updatedAt',
];
const workflowColumns = [
  'id',
  'tenantId',
  'name',
  'description',
  'isActive',
  'currentVersionId',
  'createdById',
  'createdAt',
  'updatedAt',
];
const triggerColumns = ['id', 'tenantId', 'workflowId', 'type', 'isActive', 'cron', 'timezone', 'createdAt', 'updatedAt'];

/** The metadata of every table, in the Prisma schema's order. */
export const TABLES: TableSpec[] = [
  {
    name: 'Tenant',
    scope: 'tenant-row',
    array: [
      ['memberships', 'Membership', 'tenantId'],
      ['invitations', 'Invitation', 'tenantId'],
      ['apps', 'App', 'tenantId'],
      ['appVersions', 'AppVersion', 'tenantId'],
      ['actions', 'Action', 'tenantId'],
      ['connections', 'Connection', 'tenantId'],
      ['workflows', 'Workflow', 'tenantId'],
      ['workflowVersions', 'WorkflowVersion', 'tenantId'],
      ['triggers', 'Trigger', 'tenantId'],
      ['workflowRuns', 'WorkflowRun', 'tenantId'],
      ['stepRuns', 'StepRun', 'tenantId'],
    ],
    select: both({ columns: ['id', 'slug', 'name', 'maxConcurrentRuns', 'createdAt', 'updatedAt'] }),
  },
  {
    name: 'User',
    scope: 'co-member',
    array: [
      ['memberships', 'Membership', 'userId'],
      ['invitationsSent', 'Invitation', 'invitedById'],
      ['connectionsCreated', 'Connection', 'createdById'],
      ['workflowsCreated', 'Workflow', 'createdById'],
      ['versionsCreated', 'WorkflowVersion', 'createdById'],
      ['runsCreated', 'WorkflowRun', 'createdById'],
    ],
    select: both({ columns: ['id', 'email', 'name'] }),
  },
  {
    name: 'Membership',
    scope: 'tenant',
    object: [
      ['tenant', 'tenantId'],
      ['user', 'userId'],
    ],
    select: {
      // A member sees their own membership (and so their role); an admin sees the tenant's.
      user: { columns: ['id', 'tenantId', 'userId', 'role', 'createdAt'], filter: [{ userId: { _eq: 'X-Hasura-User-Id' } }] },
      tenant_admin: { columns: ['id', 'tenantId', 'userId', 'role', 'createdAt'], allowAggregations: true },
    },
    // Invitations add members (acceptInvitation); an admin cannot remove their own membership.
    delete: { tenant_admin: { filter: [{ userId: { _neq: 'X-Hasura-User-Id' } }] } },
  },
  {
    name: 'Invitation',
    scope: 'tenant',
    comment: 'Created by the inviteMember action; tokenHash is never selectable.',
    object: [
      ['tenant', 'tenantId'],
      ['invitedBy', 'invitedById'],
    ],
    select: {
      tenant_admin: { columns: ['id', 'tenantId', 'email', 'role', 'invitedById', 'expiresAt', 'acceptedAt', 'createdAt'] },
    },
    delete: { tenant_admin: {} },
  },
  {
    name: 'App',
    scope: 'tenant-or-built-in',
    object: [['tenant', 'tenantId']],
    array: [
      ['versions', 'AppVersion', 'appId'],
      ['connections', 'Connection', 'appId'],
    ],
    select: both({ columns: ['id', 'tenantId', 'key', 'name', 'description', 'createdAt', 'updatedAt'] }),
  },
  {
    name: 'AppVersion',
    scope: 'tenant-or-built-in',
    object: [
      ['tenant', 'tenantId'],
      ['app', 'appId'],
    ],
    array: [['actions', 'Action', 'appVersionId']],
    select: both({ columns: ['id', 'tenantId', 'appId', 'version', 'createdAt'] }),
  },
  {
    name: 'Action',
    scope: 'tenant-or-built-in',
    object: [
      ['tenant', 'tenantId'],
      ['appVersion', 'appVersionId'],
    ],
    select: both({
      columns: ['id', 'tenantId', 'appVersionId', 'key', 'name', 'description', 'inputSchema', 'outputSchema', 'createdAt'],
    }),
  },
  {
    name: 'Connection',
    scope: 'tenant',
    createdBy: true,
    comment: 'Created by the createConnection action; the credentials columns are selectable by no role.',
    object: [
      ['tenant', 'tenantId'],
      ['app', 'appId'],
      ['createdBy', 'createdById'],
    ],
    select: { tenant_admin: { columns: ['id', 'tenantId', 'appId', 'name', 'createdById', 'createdAt', 'updatedAt'] } },
    delete: { tenant_admin: {} },
  },
  {
    name: 'Workflow',
    scope: 'tenant',
    createdBy: true,
    comment: 'Versions are published through the publishWorkflowVersion action.',
    object: [
      ['tenant', 'tenantId'],
      ['currentVersion', 'currentVersionId'],
      ['createdBy', 'createdById'],
    ],
    array: [
      ['versions', 'WorkflowVersion', 'workflowId'],
      ['triggers', 'Trigger', 'workflowId'],
      ['runs', 'WorkflowRun', 'workflowId'],
    ],
    select: both({ columns: workflowColumns, allowAggregations: true }),
    insert: { tenant_admin: { columns: ['name', 'description', 'isActive'] } },
    update: { tenant_admin: { columns: ['name', 'description', 'isActive'] } },
  },
  {
    name: 'WorkflowVersion',
    scope: 'tenant',
    createdBy: true,
    comment: 'Immutable; written only by the publishWorkflowVersion action.',
    object: [
      ['tenant', 'tenantId'],
      ['workflow', 'workflowId'],
      ['createdBy', 'createdById'],
    ],
    array: [['runs', 'WorkflowRun', 'workflowVersionId']],
    select: both({ columns: ['id', 'tenantId', 'workflowId', 'version', 'definition', 'createdById', 'createdAt'] }),
  },
  {
    name: 'Trigger',
    scope: 'tenant',
    comment: 'secretHash (SHA-256 of a WEBHOOK trigger secret) is write-only for tenant_admin.',
    object: [
      ['tenant', 'tenantId'],
      ['workflow', 'workflowId'],
    ],
    array: [['runs', 'WorkflowRun', 'triggerId']],
    select: both({ columns: triggerColumns }),
    insert: {
      tenant_admin: {
        columns: ['workflowId', 'type', 'isActive', 'cron', 'timezone', 'secretHash'],
        check: [sameTenantWorkflow],
      },
    },
    update: { tenant_admin: { columns: ['isActive', 'cron', 'timezone', 'secretHash'] } },
    delete: { tenant_admin: {} },
  },
  {
    name: 'WorkflowRun',
    scope: 'tenant',
    createdBy: true,
    comment: 'Apps start runs with insert_WorkflowRun_one; state changes go through actions and workers.',
    object: [
      ['tenant', 'tenantId'],
      ['workflow', 'workflowId'],
      ['workflowVersion', 'workflowVersionId'],
      ['trigger', 'triggerId'],
      ['createdBy', 'createdById'],
    ],
    array: [['stepRuns', 'StepRun', 'workflowRunId']],
    select: both({ columns: runColumns, allowAggregations: true }),
    insert: both({
      columns: ['workflowId', 'input', 'idempotencyKey', 'priority'],
      set: { status: 'PENDING' },
      check: [sameTenantWorkflow],
    }),
    eventTriggers: [
      {
        name: 'workflow_run_created',
        definition: {
          enable_manual: true,
          // Only what the dispatcher reads: a large `input` must not ride along (contract §8 #5).
          insert: { columns: '*', payload: ['id', 'tenantId', 'workflowId', 'status'] },
        },
        retry_conf: { num_retries: 5, interval_sec: 10, timeout_sec: 30 },
        webhook_from_env: 'CONVEYOR_EVENTS_WEBHOOK_URL',
        headers: [{ name: 'x-conveyor-hook-secret', value_from_env: 'CONVEYOR_HOOK_SECRET' }],
      },
    ],
  },
  {
    name: 'StepRun',
    scope: 'tenant',
    object: [
      ['tenant', 'tenantId'],
      ['workflowRun', 'workflowRunId'],
    ],
    select: both({ columns: stepColumns, allowAggregations: true }),
  },
];

/** `tenantId = X-Hasura-Tenant-Id` AND the caller's membership in that tenant (ADMIN for tenant_admin). */
export function tenantRules(scope: Scope, role: Role, operation: 'select' | 'insert' | 'update' | 'delete'): BoolExp[] {
  const membership = {
    _exists: {
      _table: { name: 'Membership', schema: 'public' },
      _where: {
        _and: [
          { tenantId: { _eq: 'X-Hasura-Tenant-Id' } },
          { userId: { _eq: 'X-Hasura-User-Id' } },
          ...(role === 'tenant_admin' ? [{ role: { _eq: 'ADMIN' } }] : []),
        ],
      },
    },
  };
  switch (scope) {
    case 'tenant':
      return [{ tenantId: { _eq: 'X-Hasura-Tenant-Id' } }, membership];
    case 'tenant-or-built-in':
      // Built-in rows (tenantId null) are readable, never writable.
      return operation === 'select'
        ? [{ _or: [{ tenantId: { _is_null: true } }, { tenantId: { _eq: 'X-Hasura-Tenant-Id' } }] }, membership]
        : [{ tenantId: { _eq: 'X-Hasura-Tenant-Id' } }, membership];
    case 'tenant-row':
      return [{ id: { _eq: 'X-Hasura-Tenant-Id' } }, membership];
    case 'co-member':
      return [{ memberships: { tenantId: { _eq: 'X-Hasura-Tenant-Id' } } }, membership];
    default:
      return assertNever(scope);
  }
}

/** The Hasura table metadata of one spec entry, keys in the order `hasura metadata export` writes them. */
export function tableMetadata(spec: TableSpec): Record<string, unknown> {
  const rules = (role: Role, operation: 'select' | 'insert' | 'update' | 'delete', extra: BoolExp[] = []) => ({
    _and: [...tenantRules(spec.scope, role, operation), ...extra],
  });
  const perRole = <T>(entries: PerRole<T> | undefined, build: (role: Role, value: T) => Record<string, unknown>) =>
    ROLES.flatMap((role) => {
      const value = entries?.[role];
      return value ? [{ role, permission: build(role, value) }] : [];
    });
  const presets = (extra: Record<string, string> = {}) => ({
    tenantId: 'X-Hasura-Tenant-Id',
    ...(spec.createdBy ? { createdById: 'X-Hasura-User-Id' } : {}),
    ...extra,
  });

  const insert = perRole(spec.insert, (role, value) => ({
    check: rules(role, 'insert', value.check),
    set: presets(value.set),
    columns: value.columns,
  }));
  const select = perRole(spec.select, (role, value) => ({
    columns: value.columns,
    filter: rules(role, 'select', value.filter),
    ...(value.allowAggregations ? { allow_aggregations: true } : {}),
  }));
  const update = perRole(spec.update, (role, value) => ({
    columns: value.columns,
    filter: rules(role, 'update', value.filter),
    check: rules(role, 'update'),
  }));
  const remove = perRole(spec.delete, (role, value) => ({ filter: rules(role, 'delete', value.filter) }));

  return omitEmpty({
    table: { name: spec.name, schema: 'public' },
    ...(spec.comment ? { configuration: { comment: spec.comment } } : {}),
    object_relationships: (spec.object ?? []).map(([name, column]) => ({ name, using: { foreign_key_constraint_on: column } })),
    array_relationships: (spec.array ?? []).map(([name, table, column]) => ({
      name,
      using: { foreign_key_constraint_on: { column, table: { name: table, schema: 'public' } } },
    })),
    insert_permissions: insert,
    select_permissions: select,
    update_permissions: update,
    delete_permissions: remove,
    event_triggers: spec.eventTriggers ?? [],
  });
}

const HEADER = '# Generated by scripts/hasura-metadata.ts from its table spec: edit the spec, then `npm run hasura:metadata`.\n';

/** Every file of the tables directory: name → content. */
export function renderTableFiles(): Map<string, string> {
  const files = new Map<string, string>();
  const names = TABLES.map((spec) => spec.name).sort();
  files.set('tables.yaml', toYaml(names.map((name) => `!include public_${name}.yaml`)));
  for (const spec of TABLES) files.set(`public_${spec.name}.yaml`, HEADER + toYaml(tableMetadata(spec)));
  return files;
}

/** Files that differ from the spec, are missing, or should not exist. */
export function staleTableFiles(dir = TABLES_DIR): string[] {
  const expected = renderTableFiles();
  const present = readdirSync(dir).filter((name) => name.endsWith('.yaml'));
  const stale = [...expected].filter(
    ([name, content]) => !present.includes(name) || readFileSync(path.join(dir, name), 'utf8') !== content,
  );
  const extra = present.filter((name) => !expected.has(name));
  return [...stale.map(([name]) => name), ...extra].sort();
}

function toYaml(value: unknown): string {
  return stringify(value, { lineWidth: 0, aliasDuplicateObjects: false });
}

function omitEmpty(record: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(record).filter(([, value]) => !(Array.isArray(value) && value.length === 0)));
}

function assertNever(value: never): never {
  throw new Error(`unexpected ${String(value)}`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  if (process.argv.includes('--check')) {
    const stale = staleTableFiles();
    if (stale.length) {
      console.error(`[hasura:metadata] out of date: ${stale.join(', ')} — run npm run hasura:metadata`);
      process.exit(1);
    }
    console.log('[hasura:metadata] up to date');
  } else {
    mkdirSync(TABLES_DIR, { recursive: true });
    const files = renderTableFiles();
    for (const name of readdirSync(TABLES_DIR))
      if (name.endsWith('.yaml') && !files.has(name)) rmSync(path.join(TABLES_DIR, name));
    for (const [name, content] of files) writeFileSync(path.join(TABLES_DIR, name), content);
    console.log(`[hasura:metadata] wrote ${files.size} files to ${path.relative(process.cwd(), TABLES_DIR)}`);
  }
}
