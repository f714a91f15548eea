import { randomUUID } from 'node:crypto';
import { sha256Hex } from '@conveyor/secrets';
import { seedWebhookTrigger, seedWorkflow, type TenantFixture } from '@conveyor/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApi, type TestApi } from '../../../test/test-api';

const definition = { steps: [{ key: 'only', action: { app: 'core', version: '1', key: 'noop' } }] };

let api: TestApi;
let admin: TenantFixture;
let other: TenantFixture;
let member: string;
beforeAll(async () => {
  api = await createTestApi({ label: 'trigger-actions', queuePrefix: `conveyor-test-trigger-actions-${randomUUID()}` });
  admin = await seedWorkflow(api.db.prisma, definition);
  other = await seedWorkflow(api.db.prisma, definition);
  const user = await api.db.prisma.user.create({ data: { email: `member-${randomUUID()}@x.test` } });
  await api.db.prisma.membership.create({ data: { tenantId: admin.tenantId, userId: user.id, role: 'MEMBER' } });
  member = user.id;
});
afterAll(async () => {
  await api.close();
});

const call = (path: string, input: object, userId = admin.userId, tenantId = admin.tenantId) =>
  api.callAction(path, input, { tenantId, userId });
const fire = (triggerId: string, secret: string) =>
  api.app.inject({
    method: 'POST',
    url: `/hooks/triggers/${triggerId}`,
    headers: { 'x-conveyor-trigger-secret': secret },
    payload: {},
  });

describe('createWebhookTrigger', () => {
  it('mints the secret on the server, answers it once and stores only its SHA-256; the secret fires the trigger', async () => {
    const response = await call('create-webhook-trigger', { workflowId: admin.workflowId });
    expect(response.statusCode).toBe(200);
    const { triggerId, secret } = response.json();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
    const row = await api.db.prisma.trigger.findUniqueOrThrow({ where: { id: triggerId } });
    expect(row).toMatchObject({ tenantId: admin.tenantId, workflowId: admin.workflowId, type: 'WEBHOOK', isActive: true });
    expect(row.secretHash).toBe(sha256Hex(secret));
    expect((await fire(triggerId, secret)).statusCode).toBe(202);

    const again = (await call('create-webhook-trigger', { workflowId: admin.workflowId })).json();
    expect(again.secret).not.toBe(secret);
  });

  it('refuses a member who is not an admin (403) and a workflow of another tenant (404 naming the field)', async () => {
    expect((await call('create-webhook-trigger', { workflowId: admin.workflowId }, member)).statusCode).toBe(403);
    const foreign = await call('create-webhook-trigger', { workflowId: other.workflowId });
    expect(foreign.statusCode).toBe(404);
    expect(foreign.json()).toMatchObject({ extensions: { code: 'NOT_FOUND', field: 'input.workflowId' } });
    expect(await api.db.prisma.trigger.count({ where: { workflowId: other.workflowId } })).toBe(0);
  });
});

describe('rotateWebhookTriggerSecret', () => {
  it('replaces the secret: the old one stops working at once, the new one fires', async () => {
    const { triggerId, secret: old } = await seedWebhookTrigger(api.db.prisma, admin);
    const response = await call('rotate-webhook-trigger-secret', { triggerId });
    expect(response.statusCode).toBe(200);
    const { secret } = response.json();
    expect(secret).not.toBe(old);
    expect((await fire(triggerId, old)).statusCode).toBe(404);
    expect((await fire(triggerId, secret)).statusCode).toBe(202);
  });

  it('refuses another tenant’s trigger (404 naming the field) and leaves its secret alone', async () => {
    const { triggerId, secret } = await seedWebhookTrigger(api.db.prisma, other);
    const response = await call('rotate-webhook-trigger-secret', { triggerId });
    expect(response.statusCode).toBe(404);
    expect(response.json()).toMatchObject({ extensions: { field: 'input.triggerId' } });
    expect((await fire(triggerId, secret)).statusCode).toBe(202);
  });
});
