import { insertRun, seedWorkflow, type TenantFixture } from '@conveyor/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApi, TEST_HOOK_SECRET, type TestApi } from '../../../test/test-api';

// Each case here answered 500 INTERNAL before (issue 13's fuzz run): a client's mistake must be a 4xx
// in Hasura's action error shape, naming the field, and must store nothing.

const definition = { steps: [{ key: 'only', action: { app: 'core', version: '1', key: 'noop' } }] };
const ACTIONS = [
  'cancel-workflow-run',
  'retry-workflow-run',
  'publish-workflow-version',
  'create-connection',
  'invite-member',
  'accept-invitation',
] as const;

let api: TestApi;
let tenant: TenantFixture;
beforeAll(async () => {
  api = await createTestApi({ label: 'actions-hostile', queuePrefix: `conveyor-test-actions-hostile-${crypto.randomUUID()}` });
  tenant = await seedWorkflow(api.db.prisma, definition);
});
afterAll(async () => {
  await api.close();
});

const adminSession = () => ({ 'x-hasura-role': 'admin', 'x-hasura-tenant-id': tenant.tenantId });
const raw = (path: string, payload: string | Buffer, headers: Record<string, string>) =>
  api.app.inject({
    method: 'POST',
    url: `/hooks/hasura/actions/${path}`,
    headers: { 'x-conveyor-hook-secret': TEST_HOOK_SECRET, ...headers },
    payload,
  });
const call = (path: (typeof ACTIONS)[number], input: unknown, session: Record<string, string> = adminSession()) =>
  raw(path, JSON.stringify({ action: { name: path }, input, session_variables: session }), {
    'content-type': 'application/json',
  });

/** JSON text of a value nested `depth` levels deep (as text: JSON.stringify itself overflows on it). */
const nestedJson = (depth: number) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
/** An action call whose `input` is given as JSON text. */
const callWithInputJson = (path: (typeof ACTIONS)[number], inputJson: string) =>
  raw(path, `{"action":{"name":"${path}"},"input":${inputJson},"session_variables":${JSON.stringify(adminSession())}}`, {
    'content-type': 'application/json',
  });

describe('Hasura actions refuse malformed bodies with 4xx, not 500', () => {
  const bodies: [string, string | Buffer, Record<string, string>, number][] = [
    ['invalid JSON', '{"action":', { 'content-type': 'application/json' }, 400],
    ['an empty body with a JSON content type', '', { 'content-type': 'application/json' }, 400],
    ['no content type', 'x=1', {}, 415],
    ['a text/plain body (read as a string, which is not an action body)', 'hello', { 'content-type': 'text/plain' }, 400],
    ['an XML body', '<a/>', { 'content-type': 'application/xml' }, 415],
    ['a 2 MB body', `{"pad":"${'x'.repeat(2 * 1024 * 1024)}"}`, { 'content-type': 'application/json' }, 413],
    ['a __proto__ key', '{"__proto__":{"polluted":true}}', { 'content-type': 'application/json' }, 400],
    [
      'a constructor.prototype key',
      '{"constructor":{"prototype":{"polluted":true}}}',
      { 'content-type': 'application/json' },
      400,
    ],
  ];
  for (const path of ACTIONS) {
    it(`${path}: ${bodies.length} malformed bodies answer their 4xx in Hasura's shape`, async () => {
      for (const [name, payload, headers, status] of bodies) {
        const response = await raw(path, payload, headers);
        expect(response.statusCode, name).toBe(status);
        expect(response.json(), name).toMatchObject({ message: expect.any(String), extensions: { code: expect.any(String) } });
        expect(response.json().extensions.code, name).not.toBe('INTERNAL');
      }
    });
  }
});

describe('Hasura actions refuse strings and values PostgreSQL or a walk cannot take', () => {
  it('cancel-workflow-run: a reason with U+0000 or a lone surrogate is a 400 naming input.reason; the run is not cancelled', async () => {
    for (const reason of ['stop\u0000now', 'half \uD800 pair']) {
      const runId = await insertRun(api.db.prisma, tenant);
      const response = await call('cancel-workflow-run', { runId, reason });
      expect(response.statusCode).toBe(400);
      expect(response.json().extensions).toMatchObject({ code: 'VALIDATION_FAILED', field: 'body.input.reason' });
      expect(response.json().message).toMatch(/^body\.input\.reason: /);
      expect((await api.db.prisma.workflowRun.findUniqueOrThrow({ where: { id: runId } })).status).toBe('PENDING');
    }
  });

  it('create-connection: credentials nested 10,000 deep are a 400 naming the field; nothing is stored', async () => {
    const response = await callWithInputJson(
      'create-connection',
      `{"name":"deep","credentials":{"token":${nestedJson(10_000)}}}`,
    );
    expect(response.statusCode).toBe(400);
    expect(response.json().extensions).toMatchObject({
      code: 'VALIDATION_FAILED',
      field: expect.stringMatching(/^body\.input\.credentials\.token/),
    });
    expect(response.json().message).toContain('nested more than 64 levels');
    expect(await api.db.prisma.connection.count({ where: { tenantId: tenant.tenantId } })).toBe(0);
  });

  it('publish-workflow-version: a step input nested 5,000 deep is a 400 naming it', async () => {
    const step = `{"key":"a","action":{"app":"core","version":"1","key":"noop"},"input":${nestedJson(5_000)}}`;
    const response = await callWithInputJson(
      'publish-workflow-version',
      `{"workflowId":"${tenant.workflowId}","definition":{"steps":[${step}]}}`,
    );
    expect(response.statusCode).toBe(400);
    expect(response.json().extensions.field).toMatch(/^body\.input\.definition\.steps\[0\]\.input/);
  });

  it('an object with a non-primitive `length` (anywhere, the definition included) is a 400 naming the field, in every action', async () => {
    const odd = { length: { valueOf: 1, toString: 1 } };
    const cases: [(typeof ACTIONS)[number], unknown, string][] = [
      ['cancel-workflow-run', { runId: crypto.randomUUID(), reason: odd }, 'body.input.reason'],
      ['publish-workflow-version', { workflowId: odd, definition: {} }, 'body.input.workflowId'],
      [
        'publish-workflow-version',
        { workflowId: tenant.workflowId, definition: { steps: [{ key: odd }] } },
        'body.input.definition.steps[0].key',
      ],
      ['create-connection', { name: odd, credentials: {} }, 'body.input.name'],
      ['invite-member', { email: odd, role: 'MEMBER' }, 'body.input.email'],
      ['accept-invitation', { token: odd }, 'body.input.token'],
    ];
    for (const [path, input, field] of cases) {
      const response = await call(path, input);
      expect(response.statusCode, path).toBe(400);
      expect(response.json().extensions, path).toMatchObject({
        code: 'VALIDATION_FAILED',
        field: expect.stringMatching(new RegExp(`^${field.replace(/[.[\]]/g, '\\$&')}`)),
      });
    }
  });
});

describe('an admin-role action for a user that does not exist', () => {
  it('is a 404 naming x-hasura-user-id, and stores nothing (a connection or invitation would name a missing creator)', async () => {
    const session = { ...adminSession(), 'x-hasura-user-id': crypto.randomUUID() };
    const connection = await call('create-connection', { name: 'ghost', credentials: {} }, session);
    const invitation = await call('invite-member', { email: 'ghost@example.com', role: 'MEMBER' }, session);
    for (const response of [connection, invitation]) {
      expect(response.statusCode).toBe(404);
      expect(response.json().extensions).toMatchObject({ code: 'NOT_FOUND', field: 'session_variables.x-hasura-user-id' });
    }
    expect(await api.db.prisma.connection.count({ where: { tenantId: tenant.tenantId, name: 'ghost' } })).toBe(0);
  });
});

describe('an admin-role action for a tenant that does not exist', () => {
  it('is a 404 naming the session variable, for each tenant-scoped action', async () => {
    const session = { 'x-hasura-role': 'admin', 'x-hasura-tenant-id': crypto.randomUUID() };
    const inputs: [(typeof ACTIONS)[number], unknown][] = [
      ['create-connection', { name: 'c', credentials: {} }],
      ['invite-member', { email: 'a@example.com', role: 'MEMBER' }],
      ['publish-workflow-version', { workflowId: crypto.randomUUID(), definition: definition }],
      ['cancel-workflow-run', { runId: crypto.randomUUID() }],
    ];
    for (const [path, input] of inputs) {
      const response = await call(path, input, session);
      expect(response.statusCode, path).toBe(404);
      expect(response.json().extensions, path).toMatchObject({ code: 'NOT_FOUND' });
    }
  });
});
