import { randomUUID } from 'node:crypto';
import { seedWorkflow, type TenantFixture } from '@conveyor/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApi, type TestApi } from '../../../test/test-api';
import { SIGNATURE_HEADER, SIGNATURE_TOLERANCE_SECONDS, signWebhook, TIMESTAMP_HEADER } from './signature';

const definition = { steps: [{ key: 'only', action: { app: 'core', version: '1', key: 'noop' } }] };

let api: TestApi;
let admin: TenantFixture;
beforeAll(async () => {
  api = await createTestApi({ label: 'trigger-signatures', queuePrefix: `conveyor-test-signatures-${randomUUID()}` });
  admin = await seedWorkflow(api.db.prisma, definition);
});
afterAll(async () => {
  await api.close();
});

const action = (path: string, input: object) => api.callAction(path, input, admin);
const now = () => String(Math.floor(Date.now() / 1000));
/** The body as a sender serialises it: the signature covers these bytes, spaces included. */
const body = '{ "orderId": 7,  "note": "raw bytes" }';
const fire = (triggerId: string, headers: Record<string, string>, payload = body) =>
  api.app.inject({
    method: 'POST',
    url: `/hooks/triggers/${triggerId}`,
    headers: { 'content-type': 'application/json', ...headers },
    payload,
  });
const signed = (secret: string, timestamp = now(), payload = body) => ({
  [TIMESTAMP_HEADER]: timestamp,
  [SIGNATURE_HEADER]: signWebhook(secret, timestamp, payload),
});

async function signedTrigger() {
  const response = await action('create-webhook-trigger', { workflowId: admin.workflowId, requireSignature: true });
  expect(response.statusCode).toBe(200);
  return response.json() as { triggerId: string; secret: string };
}

describe('a webhook trigger that requires signatures', () => {
  it('keeps its secret only sealed, and starts a run for a call signed over the raw body', async () => {
    const { triggerId, secret } = await signedTrigger();
    const row = await api.db.prisma.trigger.findUniqueOrThrow({ where: { id: triggerId } });
    expect(row.requireSignature).toBe(true);
    expect(Buffer.from(row.signingSecret ?? []).toString('utf8')).not.toContain(secret);

    const response = await fire(triggerId, signed(secret));
    expect(response.statusCode).toBe(202);
    const run = await api.db.prisma.workflowRun.findUniqueOrThrow({ where: { id: response.json().runId } });
    expect(run.input).toEqual({ orderId: 7, note: 'raw bytes' });
  });

  it('refuses the bare secret, a wrong or stale signature and a changed body, all as 404', async () => {
    const { triggerId, secret } = await signedTrigger();
    const before = await api.db.prisma.workflowRun.count({ where: { triggerId } });
    expect((await fire(triggerId, { 'x-conveyor-trigger-secret': secret })).statusCode).toBe(404);
    expect((await fire(triggerId, signed('not-the-secret'))).statusCode).toBe(404);
    const stale = String(Math.floor(Date.now() / 1000) - SIGNATURE_TOLERANCE_SECONDS - 5);
    expect((await fire(triggerId, signed(secret, stale))).statusCode).toBe(404);
    expect((await fire(triggerId, signed(secret), '{ "orderId": 8,  "note": "raw bytes" }')).statusCode).toBe(404);
    expect((await fire(triggerId, { [TIMESTAMP_HEADER]: now() })).statusCode).toBe(404);
    expect(await api.db.prisma.workflowRun.count({ where: { triggerId } })).toBe(before);
  });

  it('keeps requiring signatures after a rotation: the new secret signs, the old one no longer does', async () => {
    const { triggerId, secret: old } = await signedTrigger();
    const rotated = await action('rotate-webhook-trigger-secret', { triggerId });
    const { secret } = rotated.json();
    expect((await fire(triggerId, signed(old))).statusCode).toBe(404);
    expect((await fire(triggerId, signed(secret))).statusCode).toBe(202);
    expect((await fire(triggerId, { 'x-conveyor-trigger-secret': secret })).statusCode).toBe(404);
  });

  it('is opt-in: a trigger created without it takes the secret header and stores no sealed copy', async () => {
    const { triggerId, secret } = (await action('create-webhook-trigger', { workflowId: admin.workflowId })).json();
    const row = await api.db.prisma.trigger.findUniqueOrThrow({ where: { id: triggerId } });
    expect(row).toMatchObject({ requireSignature: false, signingSecret: null, signingKeyId: null });
    expect((await fire(triggerId, { 'x-conveyor-trigger-secret': secret })).statusCode).toBe(202);
  });
});
