import { seedWorkflow, type TenantFixture } from '@conveyor/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApi, TEST_HOOK_SECRET, type TestApi } from '../../../test/test-api';
import { VALIDATION_ROUTES } from './hasura-validations.module';
import { MAX_VALIDATED_ROWS } from './hasura-validations.schemas';

let api: TestApi;
let tenantA: TenantFixture;
let tenantB: TenantFixture;

beforeAll(async () => {
  api = await createTestApi({ label: 'validations' });
  tenantA = await seedWorkflow(api.db.prisma, { steps: [{ key: 'a', action: { app: 'core', version: '1', key: 'noop' } }] });
  tenantB = await seedWorkflow(api.db.prisma, { steps: [{ key: 'a', action: { app: 'core', version: '1', key: 'noop' } }] });
});
afterAll(async () => {
  await api.close();
});

const sessionOf = (tenant: TenantFixture) => ({
  'x-hasura-role': 'tenant_admin',
  'x-hasura-user-id': tenant.userId,
  'x-hasura-tenant-id': tenant.tenantId,
});

/** What Hasura POSTs before an insert_Trigger or update_Trigger (input validations, v2.29+). */
const validate = (
  route: string,
  input: unknown[],
  tenant: TenantFixture = tenantA,
  headers = { 'x-conveyor-hook-secret': TEST_HOOK_SECRET },
) =>
  api.app.inject({
    method: 'POST',
    url: route,
    headers,
    payload: { version: 1, role: 'tenant_admin', session_variables: sessionOf(tenant), data: { input } },
  });

const insert = (rows: unknown[]) => validate(VALIDATION_ROUTES.triggerInsert, rows);

describe('insert_Trigger validation', () => {
  it('lets a good schedule and a manual trigger through', async () => {
    const reply = await insert([
      { workflowId: tenantA.workflowId, type: 'SCHEDULE', cron: '0 9 * * 1-5', timezone: 'Europe/Paris', isActive: true },
      { workflowId: tenantA.workflowId, type: 'MANUAL' },
    ]);
    expect(reply.statusCode).toBe(200);
  });

  it.each([
    [{ type: 'SCHEDULE', cron: 'every minute' }, /^objects\[0\]\.cron: cron "every minute" does not parse/],
    [
      { type: 'SCHEDULE', cron: '* * * * * *' },
      /^objects\[0\]\.cron: .*fires every 1000 ms, more often than the minimum 60000 ms/,
    ],
    [
      { type: 'SCHEDULE', cron: '0 * * * *', timezone: 'Moon/Base' },
      /^objects\[0\]\.timezone: timezone "Moon\/Base" is not an IANA/,
    ],
    [{ type: 'SCHEDULE' }, /^objects\[0\]\.cron: a SCHEDULE trigger needs a cron expression/],
    [{ type: 'SCHEDULE', cron: null }, /^objects\[0\]\.cron: a SCHEDULE trigger needs/],
    [{ type: 'MANUAL', cron: '0 * * * *' }, /^objects\[0\]\.cron: a MANUAL trigger has no schedule/],
    [{ type: 'WEBHOOK' }, /^objects\[0\]\.type: create WEBHOOK triggers with the createWebhookTrigger action/],
    [{ type: 'SCHEDULE', cron: `0 * * * * ${'*'.repeat(500)}` }, /^objects\[0\]\.cron: cron must be 1–120 characters/],
  ])('refuses %j with 400 and a message naming the row and field', async (row, message) => {
    const reply = await insert([{ workflowId: tenantA.workflowId, ...row }]);
    expect(reply.statusCode).toBe(400);
    expect(reply.json().message).toMatch(message);
  });

  it('names the first bad row of several', async () => {
    const good = { workflowId: tenantA.workflowId, type: 'SCHEDULE', cron: '0 0 * * *' };
    const reply = await insert([good, good, { ...good, cron: '*/10 * * * * *' }]);
    expect(reply.statusCode).toBe(400);
    expect(reply.json().message).toMatch(/^objects\[2\]\.cron:/);
  });

  it('refuses malformed bodies with 400 naming the field, and too many rows', async () => {
    const wrongType = await insert([{ type: 'SCHEDULE', cron: { length: { toString: 1 } } }]);
    expect(wrongType.statusCode).toBe(400);
    expect(wrongType.json().message).toMatch(/^body\.data\.input\[0\]\.cron[.:]/);
    const unknownType = await insert([{ type: 'EMAIL' }]);
    expect(unknownType.json().message).toMatch(/^body\.data\.input\[0\]\.type:/);
    const tooMany = await insert(Array.from({ length: MAX_VALIDATED_ROWS + 1 }, () => ({ type: 'MANUAL' })));
    expect(tooMany.statusCode).toBe(400);
    expect(tooMany.json().message).toMatch(/^body\.data\.input:/);
    const notJson = await api.app.inject({
      method: 'POST',
      url: VALIDATION_ROUTES.triggerInsert,
      headers: { 'x-conveyor-hook-secret': TEST_HOOK_SECRET, 'content-type': 'application/json' },
      payload: '{"version":1,',
    });
    expect(notJson.statusCode).toBe(400);
    expect(notJson.json()).toHaveProperty('message');
  });

  it('answers only Hasura (the shared secret)', async () => {
    const reply = await validate(VALIDATION_ROUTES.triggerInsert, [{ type: 'MANUAL' }], tenantA, {
      'x-conveyor-hook-secret': 'wrong',
    });
    expect(reply.statusCode).toBe(401);
  });
});

describe('update_Trigger validation', () => {
  const update = (entries: unknown[], tenant: TenantFixture = tenantA) =>
    validate(VALIDATION_ROUTES.triggerUpdate, entries, tenant);
  let scheduleId: string;
  let webhookId: string;

  beforeAll(async () => {
    const data = { tenantId: tenantA.tenantId, workflowId: tenantA.workflowId };
    scheduleId = (await api.db.prisma.trigger.create({ data: { ...data, type: 'SCHEDULE', cron: '0 0 * * *' } })).id;
    webhookId = (await api.db.prisma.trigger.create({ data: { ...data, type: 'WEBHOOK' } })).id;
  });

  it('lets an update without schedule fields, or with a good schedule, through', async () => {
    expect((await update([{ _set: { isActive: false }, pk_columns: { id: scheduleId } }])).statusCode).toBe(200);
    expect(
      (await update([{ _set: { cron: '30 6 * * *', timezone: 'Asia/Tokyo' }, pk_columns: { id: scheduleId } }])).statusCode,
    ).toBe(200);
    expect((await update([{ where: { isActive: { _eq: true } }, _set: { cron: '0 * * * *' } }])).statusCode).toBe(200);
  });

  it('refuses a bad cron or timezone, by key or by where', async () => {
    const byKey = await update([{ _set: { cron: '* * * * * *' }, pk_columns: { id: scheduleId } }]);
    expect(byKey.statusCode).toBe(400);
    expect(byKey.json().message).toMatch(/^updates\[0\]\.cron: .*more often than/);
    const byWhere = await update([{ where: { id: { _eq: scheduleId } }, _set: { timezone: 'Atlantis/Capital' } }]);
    expect(byWhere.json().message).toMatch(/^updates\[0\]\.timezone:/);
  });

  it("judges the update against the row it changes: a schedule's cron cannot be unset, a webhook cannot get one", async () => {
    const unset = await update([{ _set: { cron: null }, pk_columns: { id: scheduleId } }]);
    expect(unset.statusCode).toBe(400);
    expect(unset.json().message).toMatch(/a SCHEDULE trigger needs a cron/);
    const onWebhook = await update([{ _set: { cron: '0 0 * * *' }, pk_columns: { id: webhookId } }]);
    expect(onWebhook.json().message).toMatch(/a WEBHOOK trigger has no schedule/);
  });

  it("never reads another tenant's trigger: tenant B's update is judged on its own fields", async () => {
    // Tenant B names tenant A's schedule: the row is not B's, so nothing of it is used (and Hasura's
    // permission filter then updates nothing). Unsetting the cron alone is not a problem on its own.
    const reply = await update([{ _set: { cron: null }, pk_columns: { id: scheduleId } }], tenantB);
    expect(reply.statusCode).toBe(200);
  });
});

describe('insert_WorkflowRun validation', () => {
  const runs = (rows: unknown[]) => validate(VALIDATION_ROUTES.runInsert, rows);

  it('lets a run with its own key and an input within the budget through', async () => {
    const reply = await runs([{ workflowId: tenantA.workflowId, input: { order: 42 }, idempotencyKey: 'order-42', priority: 1 }]);
    expect(reply.statusCode).toBe(200);
  });

  it("refuses a key under a platform prefix, which would squat a future webhook delivery's or schedule firing's run", async () => {
    for (const key of ['webhook:3f1d2c4b-0000-4000-8000-00000000a001:order-1', 'schedule:repeat:abc:1700000000000']) {
      const reply = await runs([{ workflowId: tenantA.workflowId, idempotencyKey: key }]);
      expect(reply.statusCode).toBe(400);
      expect(reply.json().message).toMatch(
        /^objects\[0\]\.idempotencyKey: keys starting with "(webhook|schedule):" are reserved/,
      );
    }
  });

  it('refuses an input over RUN_INPUT_MAX_BYTES, naming the field and the limit', async () => {
    const big = { blob: 'x'.repeat(1_100_000) };
    const reply = await runs([
      { workflowId: tenantA.workflowId, input: { small: 1 } },
      { workflowId: tenantA.workflowId, input: big },
    ]);
    expect(reply.statusCode).toBe(400);
    expect(reply.json().message).toBe('objects[1].input: input is larger than 1048576 bytes of JSON (RUN_INPUT_MAX_BYTES)');
  });
});

describe('insert_WorkflowRun validation: inputs the engine cannot walk', () => {
  it('refuses an input nested too deep or holding U+0000, with 400 naming the row and field (the JSON guard, in Hasura’s shape)', async () => {
    // Written as text: a value this deep is beyond what JSON.stringify can walk.
    const deep = `${'{"d":'.repeat(5_000)}1${'}'.repeat(5_000)}`;
    const nested = await api.app.inject({
      method: 'POST',
      url: VALIDATION_ROUTES.runInsert,
      headers: { 'x-conveyor-hook-secret': TEST_HOOK_SECRET, 'content-type': 'application/json' },
      payload: `{"version":1,"role":"user","session_variables":{},"data":{"input":[{"input":${deep}}]}}`,
    });
    expect(nested.statusCode).toBe(400);
    expect(nested.json().message).toMatch(/^body\.data\.input\[0\]\.input(\.d)+: is nested more than 64 levels deep/);
    const nul = await validate(VALIDATION_ROUTES.runInsert, [{ workflowId: tenantA.workflowId, input: { note: 'a\u0000b' } }]);
    expect(nul.statusCode).toBe(400);
    expect(nul.json().message).toMatch(/^body\.data\.input\[0\]\.input\.note:/);
  });
});
