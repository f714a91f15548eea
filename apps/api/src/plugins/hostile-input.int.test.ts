import { hasuraRunInsertedEvent, insertRun, seedWebhookTrigger, seedWorkflow, type TenantFixture } from '@conveyor/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApi, TEST_HOOK_SECRET, type TestApi } from '../../test/test-api';

// Cases issue 13's fuzz run found answering 5xx (or a 200 stream that errors) on the webhook trigger,
// the event webhook, the log tail and the validation hooks.

const definition = { steps: [{ key: 'only', action: { app: 'core', version: '1', key: 'noop' } }] };
const hook = { 'x-conveyor-hook-secret': TEST_HOOK_SECRET, 'content-type': 'application/json' };

let api: TestApi;
let tenant: TenantFixture;
beforeAll(async () => {
  api = await createTestApi({ label: 'hostile', queuePrefix: `conveyor-test-hostile-${crypto.randomUUID()}` });
  tenant = await seedWorkflow(api.db.prisma, definition);
});
afterAll(async () => {
  await api.close();
});

const nestedJson = (depth: number) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
const runsOfTrigger = (triggerId: string) => api.db.prisma.workflowRun.count({ where: { triggerId } });

describe('POST /hooks/triggers/:triggerId with a run input PostgreSQL or a walk cannot take', () => {
  it('answers 400 naming the field for U+0000, a lone surrogate, a key with U+0000 and 10,000 levels; creates no run', async () => {
    const { triggerId, secret } = await seedWebhookTrigger(api.db.prisma, tenant);
    const cases: [string, string][] = [
      [JSON.stringify({ order: { note: 'a\u0000b' } }), 'body.order.note'],
      [JSON.stringify({ items: ['ok', 'half \uDC00'] }), 'body.items[1]'],
      [JSON.stringify({ 'k\u0000': 1 }), 'body'],
      [`{"deep":${nestedJson(10_000)}}`, 'body.deep'],
    ];
    for (const [payload, field] of cases) {
      const response = await api.app.inject({
        method: 'POST',
        url: `/hooks/triggers/${triggerId}`,
        headers: { 'x-conveyor-trigger-secret': secret, 'content-type': 'application/json' },
        payload,
      });
      expect(response.statusCode, field).toBe(400);
      expect(response.json().error, field).toMatchObject({
        code: 'VALIDATION_FAILED',
        details: { field: expect.stringContaining(field) },
      });
      expect(response.json().error.message, field).toMatch(new RegExp(`^${field.replace(/[.[\]]/g, '\\$&')}`));
    }
    expect(await runsOfTrigger(triggerId)).toBe(0);
  });
});

describe('POST /hooks/hasura/events with a hostile column riding along', () => {
  it('answers 200 and dispatches the run, never a 5xx, whatever an extra column holds at any depth (the input is judged when inserted)', async () => {
    for (const depth of [100, 10_000]) {
      const runId = await insertRun(api.db.prisma, tenant, {});
      const event = JSON.stringify(hasuraRunInsertedEvent({ id: runId, tenantId: tenant.tenantId, input: 'INPUT' }));
      const payload = event.replace('"INPUT"', nestedJson(depth));
      const response = await api.app.inject({ method: 'POST', url: '/hooks/hasura/events', headers: hook, payload });
      expect(response.statusCode, `${depth}`).toBe(200);
      expect(response.json(), `${depth}`).toMatchObject({ outcome: 'queued', runId });
    }
  });
});

describe('POST /hooks/hasura/events with an object where a string is expected', () => {
  it('answers 400 naming the field (the schema compares the length of an object that cannot become a number)', async () => {
    const event = { ...hasuraRunInsertedEvent({ id: crypto.randomUUID(), tenantId: tenant.tenantId }) } as Record<
      string,
      unknown
    >;
    event.id = { length: { valueOf: 1, toString: 1 } };
    const response = await api.app.inject({
      method: 'POST',
      url: '/hooks/hasura/events',
      headers: hook,
      payload: JSON.stringify(event),
    });
    expect(response.statusCode).toBe(400);
    expect(response.json().error).toMatchObject({ code: 'VALIDATION_FAILED', details: { issues: [{ field: 'body.id' }] } });
  });
});

describe('GET /v1/runs/:runId/logs/stream with a malformed cursor', () => {
  it('answers 400 naming query.cursor or headers.last-event-id before the stream starts', async () => {
    const runId = await insertRun(api.db.prisma, tenant);
    const token = await api.tokenFor(tenant);
    const url = `/v1/runs/${runId}/logs/stream`;
    const auth = { authorization: `Bearer ${token}` };
    const byQuery = await api.app.inject({ method: 'GET', url: `${url}?cursor=not-a-cursor`, headers: auth });
    const byHeader = await api.app.inject({ method: 'GET', url, headers: { ...auth, 'last-event-id': '%%%' } });
    for (const [response, field] of [
      [byQuery, 'query.cursor'],
      [byHeader, 'headers.last-event-id'],
    ] as const) {
      expect(response.statusCode, field).toBe(400);
      expect(response.headers['content-type'], field).toContain('application/json');
      expect(response.json().error, field).toMatchObject({ code: 'VALIDATION_FAILED', details: { field } });
    }
  });
});

describe('Hasura validation hooks', () => {
  const validate = (payload: string, headers: Record<string, string> = hook) =>
    api.app.inject({ method: 'POST', url: '/hooks/hasura/validate/trigger-insert', headers, payload });

  it('refuse malformed bodies with a 400 and a message (Hasura forwards only the message of a 400)', async () => {
    const cases: [string, Record<string, string>, number][] = [
      ['{"version":', hook, 400],
      ['', hook, 400],
      ['<a/>', { ...hook, 'content-type': 'application/xml' }, 400],
      [`{"pad":"${'x'.repeat(2 * 1024 * 1024)}"}`, hook, 400],
      ['{"__proto__":{"x":1}}', hook, 400],
      [`{"version":1,"role":"user","session_variables":{},"data":{"input":[${nestedJson(5_000)}]}}`, hook, 400],
    ];
    for (const [payload, headers, status] of cases) {
      const response = await validate(payload, headers);
      expect(response.statusCode, payload.slice(0, 30)).toBe(status);
      expect(response.json(), payload.slice(0, 30)).toEqual({ message: expect.any(String) });
    }
  });

  it('answer 400 naming the field for an object with a non-primitive `length` where a string is expected', async () => {
    const body = { version: 1, role: { length: { valueOf: 1, toString: 1 } }, session_variables: {}, data: { input: [] } };
    const response = await validate(JSON.stringify(body));
    expect(response.statusCode).toBe(400);
    expect(response.json().message).toMatch(/^body\.role[.:]/);
  });
});

describe('5xx answers carry no driver text', () => {
  it('/graphql/logs reads a fixed sentence while the log store is down', async () => {
    const down = await createTestApi({ label: 'hostile_down', db: api.db, mongoUrl: 'mongodb://127.0.0.1:1/conveyor' });
    try {
      const runId = await insertRun(api.db.prisma, tenant);
      const response = await down.app.inject({
        method: 'POST',
        url: '/graphql/logs',
        headers: { ...hook, 'x-hasura-role': 'user', 'x-hasura-tenant-id': tenant.tenantId, 'x-hasura-user-id': tenant.userId },
        payload: JSON.stringify({ query: `{ runLogs(workflowRunId: "${runId}") { nextCursor } }` }),
      });
      const [error] = response.json().errors;
      expect(error.extensions.code).toBe('DEPENDENCY_UNAVAILABLE');
      expect(error.message).toBe(
        'a service Conveyor depends on (PostgreSQL, Redis or the log store) is unavailable; retry later',
      );
    } finally {
      await down.close();
    }
  });
});
