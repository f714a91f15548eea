/**
 * The Hasura table spec: what each role may read and write, table by table. `table-metadata.ts` turns
 * it into metadata, so every permission gets the same tenant and membership rules.
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
 *   Invitation.tokenHash, ApiKey.secretHash (ApiKey is read-only: the createApiKey and revokeApiKey
 *   actions write it), Trigger.secretHash (written only by the webhook-trigger actions, which mint
 *   the secret; signingSecret/signingKeyId, its sealed copy, are never readable). Tenant.allowPrivateNetworks
 *   is the platform's: no role writes it. Trigger.debounceWindowMs/debounceKey are read-only (set by the
 *   createWebhookTrigger action, which checks the key); WorkflowRun.debounceOpen is the platform's
 *   bookkeeping, not tracked for any role, and DebouncedCall is not tracked.
 */
import type { BoolExp, PerRole, TableSpec } from './table-spec';

const both = <T>(value: T): PerRole<T> => ({ user: value, tenant_admin: value });
const sameTenantWorkflow: BoolExp = { workflow: { tenantId: { _eq: 'X-Hasura-Tenant-Id' } } };

/**
 * A member's idempotency key may not start with a prefix the platform derives its own keys under
 * (packages/runs idempotency-keys.ts: webhook deliveries, schedule firings, child runs), so none can be squatted.
 */
const memberIdempotencyKey: BoolExp = {
  _or: [
    { idempotencyKey: { _is_null: true } },
    {
      _and: [
        { idempotencyKey: { _nlike: 'webhook:%' } },
        { idempotencyKey: { _nlike: 'schedule:%' } },
        { idempotencyKey: { _nlike: 'child:%' } },
      ],
    },
  ],
};

/** Not `debounceOpen`: the platform's bookkeeping of a debounced run's window. */
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
  'parentRunId',
  'parentStepRunId',
  'depth',
  'createdById',
  'startedAt',
  'finishedAt',
  'createdAt',
  'updatedAt',
];
/** `jobId` and `resumeAt` are the worker's bookkeeping, not the app's. */
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
const triggerColumns = [
  'id',
  'tenantId',
  'workflowId',
  'type',
  'isActive',
  'cron',
  'timezone',
  'requireSignature',
  'debounceWindowMs',
  'debounceKey',
  'createdAt',
  'updatedAt',
];

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
      ['stepItems', 'StepItem', 'tenantId'],
      ['stepWaits', 'StepWait', 'tenantId'],
      ['apiKeys', 'ApiKey', 'tenantId'],
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
      ['apiKeysCreated', 'ApiKey', 'createdById'],
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
    name: 'ApiKey',
    scope: 'tenant',
    comment: 'Created and revoked by the createApiKey and revokeApiKey actions; secretHash is never selectable.',
    object: [
      ['tenant', 'tenantId'],
      ['createdBy', 'createdById'],
    ],
    select: {
      tenant_admin: {
        columns: [
          'id',
          'tenantId',
          'name',
          'prefix',
          'scopes',
          'createdById',
          'createdAt',
          'lastUsedAt',
          'revokedAt',
          'expiresAt',
        ],
        allowAggregations: true,
      },
    },
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
    comment:
      'secretHash (SHA-256 of a WEBHOOK trigger secret) is written only by the createWebhookTrigger and rotateWebhookTriggerSecret actions, which mint the secret.',
    object: [
      ['tenant', 'tenantId'],
      ['workflow', 'workflowId'],
    ],
    array: [['runs', 'WorkflowRun', 'triggerId']],
    select: both({ columns: triggerColumns }),
    insert: {
      tenant_admin: {
        columns: ['workflowId', 'type', 'isActive', 'cron', 'timezone'],
        check: [sameTenantWorkflow],
        validateInput: '/hooks/hasura/validate/trigger-insert',
      },
    },
    update: {
      tenant_admin: {
        columns: ['isActive', 'cron', 'timezone'],
        validateInput: '/hooks/hasura/validate/trigger-update',
      },
    },
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
      ['parentRun', 'parentRunId'],
    ],
    array: [
      ['stepRuns', 'StepRun', 'workflowRunId'],
      ['childRuns', 'WorkflowRun', 'parentRunId'],
    ],
    select: both({ columns: runColumns, allowAggregations: true }),
    insert: both({
      columns: ['workflowId', 'input', 'idempotencyKey', 'priority'],
      set: { status: 'PENDING' },
      check: [sameTenantWorkflow, memberIdempotencyKey],
      validateInput: '/hooks/hasura/validate/run-insert',
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
    array: [['items', 'StepItem', 'stepRunId']],
    select: both({ columns: stepColumns, allowAggregations: true }),
  },
  {
    // The items of a forEach step, once ended: each one's outcome.
    name: 'StepItem',
    scope: 'tenant',
    object: [
      ['tenant', 'tenantId'],
      ['stepRun', 'stepRunId'],
    ],
    select: both({
      columns: ['tenantId', 'stepRunId', 'index', 'status', 'attempt', 'output', 'error', 'startedAt', 'finishedAt'],
      allowAggregations: true,
    }),
  },
  {
    // What a step waits for (core@1/waitForEvent), and the event once it came. Events no step took yet
    // (WorkflowEvent) are not tracked: they are sent through sendWorkflowEvent and kept for the api.
    name: 'StepWait',
    scope: 'tenant',
    object: [
      ['tenant', 'tenantId'],
      ['stepRun', 'stepRunId'],
    ],
    select: both({
      columns: ['stepRunId', 'tenantId', 'workflowRunId', 'event', 'key', 'expiresAt', 'receivedAt', 'payload', 'createdAt'],
    }),
  },
];
