import { createTestDatabase, type TestDatabase } from '@conveyor/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scopeToTenant } from './index';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase('entities');
});
afterAll(async () => {
  await db.drop();
});

async function seedTenant(slug: string) {
  const tenant = await db.prisma.tenant.create({ data: { slug, name: slug.toUpperCase() } });
  const user = await db.prisma.user.create({ data: { email: `owner@${slug}.test` } });
  const scoped = scopeToTenant(db.prisma, tenant.id);
  await scoped.membership.create({ data: { tenantId: tenant.id, userId: user.id, role: 'ADMIN' } });
  const workflow = await scoped.workflow.create({ data: { tenantId: tenant.id, name: 'orders', createdById: user.id } });
  const version = await scoped.workflowVersion.create({
    data: { tenantId: tenant.id, workflowId: workflow.id, version: 1, definition: { steps: [{ key: 'a' }] } },
  });
  await scoped.workflow.update({ where: { id: workflow.id }, data: { currentVersionId: version.id } });
  const run = await scoped.workflowRun.create({
    data: {
      tenantId: tenant.id,
      workflowId: workflow.id,
      workflowVersionId: version.id,
      input: { orderId: 42 },
      idempotencyKey: 'order-42',
    },
  });
  return { tenant, user, scoped, workflow, version, run };
}

describe('entities through the db package', () => {
  it('creates and reads back every entity, with database defaults for ids and timestamps', async () => {
    const { tenant, user, scoped, workflow, version, run } = await seedTenant('acme');
    const app = await scoped.app.create({ data: { tenantId: tenant.id, key: 'github', name: 'GitHub' } });
    const appVersion = await scoped.appVersion.create({ data: { tenantId: tenant.id, appId: app.id, version: '1.0.0' } });
    const action = await scoped.action.create({
      data: { tenantId: tenant.id, appVersionId: appVersion.id, key: 'issue.create', name: 'Create issue' },
    });
    const connection = await scoped.connection.create({
      data: {
        tenantId: tenant.id,
        appId: app.id,
        name: 'gh',
        credentialsCiphertext: Buffer.from([1, 2, 3]),
        credentialsKeyId: 'k1',
      },
    });
    const trigger = await scoped.trigger.create({
      data: { tenantId: tenant.id, workflowId: workflow.id, type: 'SCHEDULE', cron: '*/5 * * * *' },
    });
    const invitation = await scoped.invitation.create({
      data: {
        tenantId: tenant.id,
        email: 'new@acme.test',
        tokenHash: 'h'.repeat(64),
        invitedById: user.id,
        expiresAt: new Date(Date.now() + 86_400_000),
      },
    });
    const step = await scoped.stepRun.create({ data: { tenantId: tenant.id, workflowRunId: run.id, stepKey: 'a' } });

    const read = await scoped.workflowRun.findUniqueOrThrow({
      where: { id: run.id },
      include: { stepRuns: true, workflowVersion: true, workflow: { include: { triggers: true } } },
    });
    expect(read).toMatchObject({ status: 'PENDING', input: { orderId: 42 }, priority: 0, tenantId: tenant.id });
    expect(read.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(read.createdAt).toBeInstanceOf(Date);
    expect(read.stepRuns).toEqual([expect.objectContaining({ id: step.id, status: 'PENDING', attempt: 0, attemptErrors: [] })]);
    expect(read.workflowVersion?.definition).toEqual({ steps: [{ key: 'a' }] });
    expect(read.workflow.triggers.map((t) => t.id)).toEqual([trigger.id]);
    expect((await scoped.workflow.findUniqueOrThrow({ where: { id: workflow.id } })).currentVersionId).toBe(version.id);
    expect(await scoped.action.findUniqueOrThrow({ where: { id: action.id } })).toMatchObject({ key: 'issue.create' });
    expect((await scoped.connection.findUniqueOrThrow({ where: { id: connection.id } })).credentialsCiphertext).toEqual(
      new Uint8Array([1, 2, 3]),
    );
    expect(await scoped.invitation.findUniqueOrThrow({ where: { id: invitation.id } })).toMatchObject({ acceptedAt: null });
    expect(await scoped.user.findMany()).toEqual([expect.objectContaining({ id: user.id })]);
    expect(await scoped.tenant.findMany()).toEqual([expect.objectContaining({ id: tenant.id, maxConcurrentRuns: 10 })]);
  });

  it('rejects a second run with the same idempotency key in one tenant', async () => {
    const { tenant, scoped, workflow } = await seedTenant('dupes');
    await expect(
      scoped.workflowRun.create({ data: { tenantId: tenant.id, workflowId: workflow.id, idempotencyKey: 'order-42' } }),
    ).rejects.toMatchObject({
      code: 'P2002',
    });
  });

  it('rows inserted with SQL alone (as Hasura does) get ids and timestamps from the database', async () => {
    const [row] = await db.prisma.$queryRaw<{ id: string; createdAt: Date; updatedAt: Date }[]>`
      INSERT INTO "Tenant" (slug, name) VALUES ('sql-only', 'SQL') RETURNING id, "createdAt", "updatedAt"`;
    expect(row?.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(row?.createdAt).toBeInstanceOf(Date);
    expect(row?.updatedAt).toBeInstanceOf(Date);
  });
});

describe('tenant isolation', () => {
  it('never returns, changes or deletes another tenant’s rows', async () => {
    const a = await seedTenant('alpha');
    const b = await seedTenant('beta');

    expect((await a.scoped.workflowRun.findMany()).map((r) => r.id)).toEqual([a.run.id]);
    expect(await a.scoped.workflowRun.findUnique({ where: { id: b.run.id } })).toBeNull();
    expect(await a.scoped.workflow.findFirst({ where: { name: 'orders', id: b.workflow.id } })).toBeNull();
    expect(await a.scoped.workflowRun.count()).toBe(1);

    const updated = await a.scoped.workflowRun.updateMany({ where: { id: b.run.id }, data: { priority: 9 } });
    expect(updated.count).toBe(0);
    await expect(a.scoped.workflowRun.update({ where: { id: b.run.id }, data: { priority: 9 } })).rejects.toMatchObject({
      code: 'P2025',
    });
    expect((await a.scoped.workflowRun.deleteMany({ where: { id: b.run.id } })).count).toBe(0);
    expect((await b.scoped.workflowRun.findUniqueOrThrow({ where: { id: b.run.id } })).priority).toBe(0);

    expect((await a.scoped.user.findMany()).map((u) => u.id)).toEqual([a.user.id]);
    expect((await a.scoped.tenant.findMany()).map((t) => t.id)).toEqual([a.tenant.id]);
  });

  it('refuses to write a row into another tenant', async () => {
    const a = await seedTenant('gamma');
    const b = await seedTenant('delta');
    await expect(a.scoped.workflow.create({ data: { name: 'sneaky', tenantId: b.tenant.id } })).rejects.toMatchObject({
      code: 'FORBIDDEN',
    });
    await expect(a.scoped.workflowRun.updateMany({ where: {}, data: { tenantId: b.tenant.id } })).rejects.toMatchObject({
      code: 'FORBIDDEN',
    });
    expect(await b.scoped.workflow.count()).toBe(1);
  });

  it('shares built-in catalogue rows read-only', async () => {
    const a = await seedTenant('epsilon');
    const b = await seedTenant('zeta');
    const core = await db.prisma.app.create({ data: { key: 'core', name: 'Core' } });
    const own = await a.scoped.app.create({ data: { tenantId: a.tenant.id, key: 'private', name: 'Private' } });
    expect((await a.scoped.app.findMany({ orderBy: { key: 'asc' } })).map((x) => x.key)).toEqual(
      expect.arrayContaining(['core', 'private']),
    );
    expect((await b.scoped.app.findMany()).map((x) => x.id)).not.toContain(own.id);
    expect((await b.scoped.app.updateMany({ where: { id: core.id }, data: { name: 'Hijacked' } })).count).toBe(0);
    expect((await db.prisma.app.findUniqueOrThrow({ where: { id: core.id } })).name).toBe('Core');
  });
});
