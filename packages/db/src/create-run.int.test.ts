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
const setStatus = (tenant: TenantFixture, status: 'QUEUED' | 'RUNNING' | 'SUCCEEDED') =>
  db.prisma.workflowRun.updateMany({ where: { tenantId: tenant.tenantId, status: 'PENDING' }, data: { status } });

describe('createRun with a backlog bound', () => {
  it("counts the tenant's PENDING and QUEUED runs, not its RUNNING or finished ones, nor another tenant's", async () => {
    const tenant = await seedWorkflow(db.prisma, definition);
    const other = await seedWorkflow(db.prisma, definition);
    await createRun(db.pool, newRun(other));
    await createRun(db.pool, newRun(other));

    expect(await createRun(db.pool, newRun(tenant), { maxBacklog: 2 })).toMatchObject({ created: true });
    await setStatus(tenant, 'QUEUED');
    expect(await createRun(db.pool, newRun(tenant), { maxBacklog: 2 })).toMatchObject({ created: true });
    expect(await createRun(db.pool, newRun(tenant), { maxBacklog: 2 })).toEqual({ refused: true });

    await setStatus(tenant, 'RUNNING');
    expect(await createRun(db.pool, newRun(tenant), { maxBacklog: 2 })).toMatchObject({ created: true });
    expect(await db.prisma.workflowRun.count({ where: { tenantId: tenant.tenantId } })).toBe(3);
  });

  it('answers an idempotency key that names a run even past the bound, and is unbounded without one (schedules, the cli)', async () => {
    const tenant = await seedWorkflow(db.prisma, definition);
    const first = await createRun(db.pool, newRun(tenant, 'k-1'), { maxBacklog: 1 });
    expect(first).toMatchObject({ created: true });
    expect(await createRun(db.pool, newRun(tenant, 'k-1'), { maxBacklog: 1 })).toEqual({ runId: first.runId, created: false });
    expect(await createRun(db.pool, newRun(tenant, 'k-2'), { maxBacklog: 1 })).toEqual({ refused: true });

    expect(await createRun(db.pool, newRun(tenant, 'k-2'))).toMatchObject({ created: true });
    expect(await createRun(db.pool, newRun(tenant))).toMatchObject({ created: true });
  });
});
