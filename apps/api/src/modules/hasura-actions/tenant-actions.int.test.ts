import { openStoredCredentials, TENANT_DATA_KEY_ID, upsertBuiltinApp } from '@conveyor/db';
import { createKeyring, parseKeys } from '@conveyor/secrets';
import { seedWorkflow, type TenantFixture } from '@conveyor/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApi, TEST_HOOK_SECRET, type TestApi } from '../../../test/test-api';

let api: TestApi;
let admin: TenantFixture;
let member: { userId: string };
beforeAll(async () => {
  api = await createTestApi({ label: 'tenant-actions' });
  await upsertBuiltinApp(api.db.prisma, {
    key: 'core',
    name: 'Core',
    version: '1',
    actions: ['noop', 'transform'].map((key) => ({ key, name: key, description: key, inputSchema: {} })),
  });
  admin = await seedWorkflow(api.db.prisma, { steps: [{ key: 'a', action: { app: 'core', version: '1', key: 'noop' } }] });
  const user = await api.db.prisma.user.create({ data: { email: `member-${crypto.randomUUID()}@x.test` } });
  await api.db.prisma.membership.create({ data: { tenantId: admin.tenantId, userId: user.id, role: 'MEMBER' } });
  member = { userId: user.id };
});
afterAll(async () => {
  await api.close();
});

const call = (path: string, input: object, session: Record<string, string>) =>
  api.app.inject({
    method: 'POST',
    url: `/hooks/hasura/actions/${path}`,
    headers: { 'x-conveyor-hook-secret': TEST_HOOK_SECRET },
    payload: { action: { name: path }, input, session_variables: session },
  });
const as = (userId: string, tenantId = admin.tenantId) => ({
  'x-hasura-role': 'tenant_admin',
  'x-hasura-user-id': userId,
  'x-hasura-tenant-id': tenantId,
});

describe('publishWorkflowVersion', () => {
  it('stores the next immutable version and makes it current', async () => {
    const definition = { steps: [{ key: 'x', action: { app: 'core', version: '1', key: 'transform' }, input: { value: 1 } }] };
    const response = await call('publish-workflow-version', { workflowId: admin.workflowId, definition }, as(admin.userId));
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ ok: true, version: 2 });
    const workflow = await api.db.prisma.workflow.findUniqueOrThrow({
      where: { id: admin.workflowId },
      include: { currentVersion: true },
    });
    expect(workflow.currentVersion).toMatchObject({ id: response.json().workflowVersionId, version: 2 });
    expect(workflow.currentVersion?.definition).toMatchObject({ steps: [{ key: 'x', timeoutMs: 30_000 }] });
  });

  it('answers 400 naming the step and the field for an invalid definition, and stores nothing', async () => {
    const definition = {
      steps: [
        { key: 'a', action: { app: 'core', version: '1', key: 'nope' } },
        { key: 'b', action: { app: 'core', version: '1', key: 'noop' }, dependsOn: ['zz'] },
      ],
    };
    const before = await api.db.prisma.workflowVersion.count({ where: { workflowId: admin.workflowId } });
    const response = await call('publish-workflow-version', { workflowId: admin.workflowId, definition }, as(admin.userId));
    expect(response.statusCode).toBe(400);
    expect(response.json().message).toContain('step "b" dependsOn[0]');
    expect(response.json().message).toContain('step "a"');
    expect(response.json().extensions.code).toBe('VALIDATION_FAILED');
    expect(await api.db.prisma.workflowVersion.count({ where: { workflowId: admin.workflowId } })).toBe(before);
  });

  it('refuses a definition over DEFINITION_MAX_BYTES before validating or storing it (413)', async () => {
    const definition = {
      steps: [{ key: 'a', action: { app: 'core', version: '1', key: 'transform' }, input: { value: 'x'.repeat(300_000) } }],
    };
    const before = await api.db.prisma.workflowVersion.count({ where: { workflowId: admin.workflowId } });
    const response = await call('publish-workflow-version', { workflowId: admin.workflowId, definition }, as(admin.userId));
    expect(response.statusCode).toBe(413);
    expect(response.json()).toMatchObject({
      message: 'definition is larger than 262144 bytes of JSON (DEFINITION_MAX_BYTES)',
      extensions: { code: 'PAYLOAD_TOO_LARGE', field: 'definition' },
    });
    expect(await api.db.prisma.workflowVersion.count({ where: { workflowId: admin.workflowId } })).toBe(before);
  });

  it('is refused to a plain member (403) and for another tenant’s workflow (404)', async () => {
    const definition = { steps: [{ key: 'a', action: { app: 'core', version: '1', key: 'noop' } }] };
    expect(
      (await call('publish-workflow-version', { workflowId: admin.workflowId, definition }, as(member.userId))).statusCode,
    ).toBe(403);
    const other = await seedWorkflow(api.db.prisma, definition);
    const crossed = await call('publish-workflow-version', { workflowId: other.workflowId, definition }, as(admin.userId));
    expect(crossed.statusCode).toBe(404);
    expect(await api.db.prisma.workflowVersion.count({ where: { workflowId: other.workflowId } })).toBe(1);
  });
});

describe('createConnection', () => {
  it('stores the credentials only sealed with the tenant’s data key, which the keyring unwraps', async () => {
    const response = await call(
      'create-connection',
      { name: 'stripe', appKey: 'core', credentials: { apiKey: 'sk_live_secret' } },
      as(admin.userId),
    );
    expect(response.statusCode).toBe(200);
    const row = await api.db.prisma.connection.findUniqueOrThrow({ where: { id: response.json().connectionId } });
    expect(Buffer.from(row.credentialsCiphertext).toString('utf8')).not.toContain('sk_live_secret');
    const keyring = createKeyring(parseKeys(`dev-only-key:${Buffer.alloc(32).toString('base64')}`), 'dev-only-key');
    expect(row.credentialsKeyId).toBe(TENANT_DATA_KEY_ID);
    const key = await api.db.prisma.tenantDataKey.findUniqueOrThrow({ where: { tenantId: admin.tenantId } });
    const stored = { ciphertext: row.credentialsCiphertext, keyId: row.credentialsKeyId };
    const dataKey = { ciphertext: key.wrappedKey, keyId: key.wrapKeyId };
    expect(openStoredCredentials(keyring, admin.tenantId, { ...stored, dataKey })).toEqual({ apiKey: 'sk_live_secret' });
    const duplicate = await call('create-connection', { name: 'stripe', credentials: {} }, as(admin.userId));
    expect(duplicate.statusCode).toBe(409);
    expect(duplicate.json().extensions.field).toBe('input.name');
  });

  it('answers 404 for an unknown app and 403 for a member', async () => {
    expect((await call('create-connection', { name: 'x', appKey: 'nope', credentials: {} }, as(admin.userId))).statusCode).toBe(
      404,
    );
    expect((await call('create-connection', { name: 'y', credentials: {} }, as(member.userId))).statusCode).toBe(403);
  });
});

describe('inviteMember and acceptInvitation', () => {
  it('lets the invited user join once, with the invited role', async () => {
    const email = `new-${crypto.randomUUID()}@x.test`;
    const invited = await call('invite-member', { email, role: 'MEMBER' }, as(admin.userId));
    expect(invited.statusCode).toBe(200);
    const { token } = invited.json();
    const stored = await api.db.prisma.invitation.findUniqueOrThrow({ where: { id: invited.json().invitationId } });
    expect(stored.tokenHash).not.toBe(token);
    const newcomer = await api.db.prisma.user.create({ data: { email } });
    const accepted = await call('accept-invitation', { token }, { 'x-hasura-role': 'user', 'x-hasura-user-id': newcomer.id });
    expect(accepted.json()).toEqual({ ok: true, tenantId: admin.tenantId });
    expect(await api.db.prisma.membership.findFirst({ where: { tenantId: admin.tenantId, userId: newcomer.id } })).toMatchObject({
      role: 'MEMBER',
    });
    const again = await call('accept-invitation', { token }, { 'x-hasura-role': 'user', 'x-hasura-user-id': newcomer.id });
    expect(again.statusCode).toBe(404);
  });

  it('refuses an invitation presented by someone else, and invites from non-admins', async () => {
    const invited = await call('invite-member', { email: `a-${crypto.randomUUID()}@x.test`, role: 'ADMIN' }, as(admin.userId));
    const intruder = await api.db.prisma.user.create({ data: { email: `intruder-${crypto.randomUUID()}@x.test` } });
    const stolen = await call(
      'accept-invitation',
      { token: invited.json().token },
      { 'x-hasura-role': 'user', 'x-hasura-user-id': intruder.id },
    );
    expect(stolen.statusCode).toBe(403);
    expect(await api.db.prisma.membership.count({ where: { userId: intruder.id } })).toBe(0);
    expect((await call('invite-member', { email: 'z@x.test', role: 'ADMIN' }, as(member.userId))).statusCode).toBe(403);
    const badEmail = await call('invite-member', { email: 'not-an-email', role: 'MEMBER' }, as(admin.userId));
    expect(badEmail.statusCode).toBe(400);
    expect(badEmail.json().message).toContain('body.input.email');
  });
});
