/**
 * Abuse suite: a member of tenant B (or a stranger) attacks tenant A through every api surface.
 * Each attempt must be refused with a 4xx and leave A's data as it was. `npm run abuse` runs the
 * suite and SECURITY.md lists it with the threat model.
 */
import { insertRun, seedWebhookTrigger, seedWorkflow, type TenantFixture } from '@conveyor/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApi, TEST_HOOK_SECRET, type TestApi } from '../../apps/api/test/test-api';

const definition = { steps: [{ key: 'only', action: { app: 'core', version: '1', key: 'noop' } }] };
const hook = { 'x-conveyor-hook-secret': TEST_HOOK_SECRET };

let api: TestApi;
let a: TenantFixture & { runId: string; triggerId: string; secret: string };
let b: TenantFixture & { token: string; triggerSecret: string };

beforeAll(async () => {
  api = await createTestApi({ label: 'abuse_tenants' });
  const fixtureA = await seedWorkflow(api.db.prisma, definition);
  const runId = await insertRun(api.db.prisma, fixtureA, { secret: 'of-tenant-a' });
  await api.db.prisma.workflowRun.update({
    where: { id: runId },
    data: { status: 'FAILED', workflowVersionId: fixtureA.versionId },
  });
  a = { ...fixtureA, runId, ...(await seedWebhookTrigger(api.db.prisma, fixtureA)) };
  const fixtureB = await seedWorkflow(api.db.prisma, definition);
  b = {
    ...fixtureB,
    token: await api.tokenFor(fixtureB),
    triggerSecret: (await seedWebhookTrigger(api.db.prisma, fixtureB)).secret,
  };
});
afterAll(async () => {
  await api.close();
});

/** B's session as Hasura sends it, as an admin of B. */
const sessionOfB = () => ({ 'x-hasura-role': 'tenant_admin', 'x-hasura-user-id': b.userId, 'x-hasura-tenant-id': b.tenantId });
const action = (path: string, name: string, input: Record<string, unknown>, session: Record<string, string> = sessionOfB()) =>
  api.app.inject({
    method: 'POST',
    url: `/hooks/hasura/actions/${path}`,
    headers: hook,
    payload: { action: { name }, input, session_variables: session },
  });

/** What tenant A holds, to compare before and after every attempt. */
async function snapshotOfA() {
  const run = await api.db.prisma.workflowRun.findUniqueOrThrow({ where: { id: a.runId } });
  return {
    runStatus: run.status,
    runs: await api.db.prisma.workflowRun.count({ where: { tenantId: a.tenantId } }),
    versions: await api.db.prisma.workflowVersion.count({ where: { tenantId: a.tenantId } }),
    connections: await api.db.prisma.connection.count({ where: { tenantId: a.tenantId } }),
    invitations: await api.db.prisma.invitation.count({ where: { tenantId: a.tenantId } }),
    triggers: await api.db.prisma.trigger.findMany({ where: { tenantId: a.tenantId }, select: { id: true, secretHash: true } }),
  };
}

const attempts: [string, () => Promise<{ statusCode: number; body: string }>][] = [
  [
    "read A's run logs with B's token (REST)",
    () => api.app.inject({ url: `/v1/runs/${a.runId}/logs`, headers: { authorization: `Bearer ${b.token}` } }),
  ],
  [
    "tail A's run logs with B's token (SSE)",
    () => api.app.inject({ url: `/v1/runs/${a.runId}/logs/stream`, headers: { authorization: `Bearer ${b.token}` } }),
  ],
  [
    "read A's run logs through the remote schema with B's session",
    async () => {
      const reply = await api.app.inject({
        method: 'POST',
        url: '/graphql/logs',
        headers: { ...hook, 'x-hasura-role': 'user', 'x-hasura-tenant-id': b.tenantId, 'x-hasura-user-id': b.userId },
        payload: { query: `{ runLogs(workflowRunId: "${a.runId}") { lines { message } } }` },
      });
      // GraphQL answers 200 with errors: the attempt is refused when no line comes back.
      const refused = reply.json().errors?.[0]?.extensions?.code === 'NOT_FOUND';
      return { statusCode: refused ? 404 : 200, body: reply.body };
    },
  ],
  [
    "read A's run logs through the remote schema claiming A's tenant as B's user",
    async () => {
      const reply = await api.app.inject({
        method: 'POST',
        url: '/graphql/logs',
        headers: { ...hook, 'x-hasura-role': 'user', 'x-hasura-tenant-id': a.tenantId, 'x-hasura-user-id': b.userId },
        payload: { query: `{ runLogs(workflowRunId: "${a.runId}") { lines { message } } }` },
      });
      const refused = reply.json().errors?.[0]?.extensions?.code === 'FORBIDDEN';
      return { statusCode: refused ? 403 : 200, body: reply.body };
    },
  ],
  ["cancel A's run as B", () => action('cancel-workflow-run', 'cancelWorkflowRun', { runId: a.runId })],
  ["retry A's failed run as B", () => action('retry-workflow-run', 'retryWorkflowRun', { runId: a.runId })],
  [
    "publish a version of A's workflow as B's admin",
    () => action('publish-workflow-version', 'publishWorkflowVersion', { workflowId: a.workflowId, definition }),
  ],
  [
    "act as an admin of A with B's user id (session claims A's tenant)",
    () =>
      action(
        'publish-workflow-version',
        'publishWorkflowVersion',
        { workflowId: a.workflowId, definition },
        {
          ...sessionOfB(),
          'x-hasura-tenant-id': a.tenantId,
        },
      ),
  ],
  [
    "create a connection in A's tenant with B's user id",
    () =>
      action(
        'create-connection',
        'createConnection',
        { name: 'stolen', credentials: { k: 'v' } },
        { ...sessionOfB(), 'x-hasura-tenant-id': a.tenantId },
      ),
  ],
  [
    "invite someone into A's tenant with B's user id",
    () =>
      action(
        'invite-member',
        'inviteMember',
        { email: 'mallory@example.test', role: 'ADMIN' },
        { ...sessionOfB(), 'x-hasura-tenant-id': a.tenantId },
      ),
  ],
  [
    "rotate the secret of A's webhook trigger as B's admin",
    () => action('rotate-webhook-trigger-secret', 'rotateWebhookTriggerSecret', { triggerId: a.triggerId }),
  ],
  [
    "create a webhook trigger on A's workflow as B's admin",
    () => action('create-webhook-trigger', 'createWebhookTrigger', { workflowId: a.workflowId }),
  ],
  [
    "fire A's webhook trigger with B's trigger secret",
    () =>
      api.app.inject({
        method: 'POST',
        url: `/hooks/triggers/${a.triggerId}`,
        headers: { 'x-conveyor-trigger-secret': b.triggerSecret },
        payload: {},
      }),
  ],
  [
    "fire A's webhook trigger with no secret",
    () => api.app.inject({ method: 'POST', url: `/hooks/triggers/${a.triggerId}`, payload: {} }),
  ],
  [
    'call an action without the hook secret, posing as Hasura',
    () =>
      api.app.inject({
        method: 'POST',
        url: '/hooks/hasura/actions/cancel-workflow-run',
        payload: {
          action: { name: 'cancelWorkflowRun' },
          input: { runId: a.runId },
          session_variables: { 'x-hasura-role': 'admin', 'x-hasura-tenant-id': a.tenantId },
        },
      }),
  ],
];

describe('a member of another tenant, or a stranger, attacks tenant A', () => {
  it.each(attempts)('%s: refused with a 4xx, A unchanged', async (_name, attempt) => {
    const before = await snapshotOfA();
    const reply = await attempt();
    expect(reply.statusCode, reply.body).toBeGreaterThanOrEqual(400);
    expect(reply.statusCode, reply.body).toBeLessThan(500);
    expect(reply.body).not.toContain('of-tenant-a');
    expect(await snapshotOfA()).toEqual(before);
  });
});
