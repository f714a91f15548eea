import { createTestDatabase, seedWorkflow, type TenantFixture, type TestDatabase } from '@conveyor/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRun } from './index';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase('create_run');
});
afterAll(async () => {
  await db.drop();
});

const definition = { steps: [{ key: 'only', action: { app: 'core', version: '1', key: 'noop' } }] };
const newRun = (tenant: TenantFixture, idempotencyKey?: string) => ({
  tenantId: tenant.tenantId,
  workflowId: tenant.workflowId,
  input: {},
  idempotencyKey,
});
const setStatus = (tenant: TenantFixture, from: 'PENDING' | 'QUEUED', status: 'QUEUED' | 'RUNNING' | 'SUCCEEDED') =>
  db.prisma.workflowRun.updateMany({ where: { tenantId: tenant.tenantId, status: from }, data: { status } });

describe('createRun', () => {
  it('creates the run QUEUED with its version pinned when its workflow can run, else PENDING', async () => {
    const tenant = await seedWorkflow(db.prisma, definition);
    const created = await createRun(db.pool, newRun(tenant));
    expect(created).toEqual({ runId: expect.any(String), created: true, queued: { priority: 0 } });
    const row = await db.prisma.workflowRun.findUniqueOrThrow({ where: { id: created.runId ?? '' } });
    const workflow = await db.prisma.workflow.findUniqueOrThrow({ where: { id: tenant.workflowId } });
    expect(row).toMatchObject({ status: 'QUEUED', workflowVersionId: workflow.currentVersionId });

    await db.prisma.workflow.update({ where: { id: tenant.workflowId }, data: { isActive: false } });
    const inactive = await createRun(db.pool, newRun(tenant));
    expect(inactive).toMatchObject({ created: true, queued: null });
    expect(await db.prisma.workflowRun.findUniqueOrThrow({ where: { id: inactive.runId ?? '' } })).toMatchObject({
      status: 'PENDING',
      workflowVersionId: null,
    });
  });
});

describe('createRun with a backlog bound', () => {
  it("counts the tenant's unfinished runs (PENDING, QUEUED, RUNNING), not its finished ones, nor another tenant's", async () => {
    const tenant = await seedWorkflow(db.prisma, definition);
    const other = await seedWorkflow(db.prisma, definition);
    await createRun(db.pool, newRun(other));
    await createRun(db.pool, newRun(other));

    expect(await createRun(db.pool, newRun(tenant), { maxBacklog: 3 })).toMatchObject({ created: true });
    await setStatus(tenant, 'QUEUED', 'RUNNING');
    await db.prisma.workflow.update({ where: { id: tenant.workflowId }, data: { isActive: false } });
    expect(await createRun(db.pool, newRun(tenant), { maxBacklog: 3 })).toMatchObject({ created: true, queued: null });
    await db.prisma.workflow.update({ where: { id: tenant.workflowId }, data: { isActive: true } });
    expect(await createRun(db.pool, newRun(tenant), { maxBacklog: 3 })).toMatchObject({ created: true, queued: { priority: 0 } });
    // RUNNING, PENDING and QUEUED: three unfinished runs, the bound.
    expect(await createRun(db.pool, newRun(tenant), { maxBacklog: 3 })).toEqual({ refused: true });

    await setStatus(tenant, 'PENDING', 'SUCCEEDED');
    expect(await createRun(db.pool, newRun(tenant), { maxBacklog: 3 })).toMatchObject({ created: true });
    expect(await createRun(db.pool, newRun(tenant), { maxBacklog: 3 })).toEqual({ refused: true });
    expect(await db.prisma.workflowRun.count({ where: { tenantId: tenant.tenantId } })).toBe(4);
  });

  it('answers an idempotency key that names a run even past the bound, and is unbounded without one (schedules, the cli)', async () => {
    const tenant = await seedWorkflow(db.prisma, definition);
    const first = await createRun(db.pool, newRun(tenant, 'k-1'), { maxBacklog: 1 });
    expect(first).toMatchObject({ created: true });
    expect(await createRun(db.pool, newRun(tenant, 'k-1'), { maxBacklog: 1 })).toEqual({
      runId: first.runId,
      created: false,
      queued: null,
    });
    expect(await createRun(db.pool, newRun(tenant, 'k-2'), { maxBacklog: 1 })).toEqual({ refused: true });

    expect(await createRun(db.pool, newRun(tenant, 'k-2'))).toMatchObject({ created: true });
    expect(await createRun(db.pool, newRun(tenant))).toMatchObject({ created: true });
  });
});
