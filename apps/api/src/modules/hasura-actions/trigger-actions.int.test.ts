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

describe('createWebhookTrigger with debounce', () => {
  const triggersOf = () => api.db.prisma.trigger.count({ where: { workflowId: admin.workflowId } });

  it('stores the window and the key, and the trigger answers its calls as debounced', async () => {
    const debounce = { windowMs: 5_000, key: '{{ input.customerId }}' };
    const response = await call('create-webhook-trigger', { workflowId: admin.workflowId, debounce });
    expect(response.statusCode).toBe(200);
    const { triggerId, secret } = response.json();
    const row = await api.db.prisma.trigger.findUniqueOrThrow({ where: { id: triggerId } });
    expect(row).toMatchObject({ debounceWindowMs: 5_000, debounceKey: '{{ input.customerId }}' });
    const fired = await fire(triggerId, secret);
    expect(fired.statusCode).toBe(202);
    expect(fired.json()).toMatchObject({ created: true, debounced: false });

    const keyless = (await call('create-webhook-trigger', { workflowId: admin.workflowId, debounce: { windowMs: 100 } })).json();
    const keylessRow = await api.db.prisma.trigger.findUniqueOrThrow({ where: { id: keyless.triggerId } });
    expect(keylessRow).toMatchObject({ debounceWindowMs: 100, debounceKey: null });
    const plain = (await call('create-webhook-trigger', { workflowId: admin.workflowId, debounce: null })).json();
    const plainRow = await api.db.prisma.trigger.findUniqueOrThrow({ where: { id: plain.triggerId } });
    expect(plainRow).toMatchObject({ debounceWindowMs: null, debounceKey: null });
  });

  it('refuses a call whose body the key cannot be evaluated over (400 naming debounce.key), creating no run', async () => {
    const debounce = { windowMs: 1_000, key: '{{ input.n + 1 }}' };
    const { triggerId, secret } = (await call('create-webhook-trigger', { workflowId: admin.workflowId, debounce })).json();
    const response = await api.app.inject({
      method: 'POST',
      url: `/hooks/triggers/${triggerId}`,
      headers: { 'x-conveyor-trigger-secret': secret },
      payload: { n: 'not a number' },
    });
    expect(response.statusCode).toBe(400);
    expect(response.json().error).toMatchObject({
      code: 'VALIDATION_FAILED',
      message: expect.stringMatching(/^debounce\.key: evaluation failed/),
    });
    expect(await api.db.prisma.workflowRun.count({ where: { triggerId } })).toBe(0);
  });

  it.each([50, 3_600_001, 250.5])(
    'refuses a window of %s ms (400 naming debounce.windowMs) and creates nothing',
    async (windowMs) => {
      const before = await triggersOf();
      const response = await call('create-webhook-trigger', { workflowId: admin.workflowId, debounce: { windowMs } });
      expect(response.statusCode).toBe(400);
      expect(response.json()).toMatchObject({
        extensions: { code: 'VALIDATION_FAILED', field: 'body.input.debounce.windowMs' },
      });
      expect(await triggersOf()).toBe(before);
    },
  );

  it.each([
    ['reads steps', '{{ steps.fetch.output.id }}', /reads steps\.fetch/],
    ['does not parse', '{{ input.( }}', /syntax error/],
    ['is not plain', '{{ $uppercase(input.customerId) }}', /must be plain/],
    ['reads nothing of the body', '{{ customerId }}', /reads nothing of the request body/],
  ])('refuses a key that %s (400 naming debounce.key) and creates nothing', async (_, key, message) => {
    const before = await triggersOf();
    const response = await call('create-webhook-trigger', { workflowId: admin.workflowId, debounce: { windowMs: 1_000, key } });
    expect(response.statusCode).toBe(400);
    const body = response.json();
    expect(body).toMatchObject({ extensions: { code: 'VALIDATION_FAILED', field: 'input.debounce.key' } });
    expect(body.message).toMatch(/^input\.debounce\.key: /);
    expect(body.message).toMatch(message);
    expect(await triggersOf()).toBe(before);
  });
});
