import { createTestDatabase, type TestDatabase } from '@conveyor/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scopeToTenant, transitionRun, transitionStep } from './index';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase('transitions');
});
afterAll(async () => {
  await db.drop();
});

async function newRun(slug: string) {
  const tenant = await db.prisma.tenant.create({ data: { slug, name: slug } });
  const scoped = scopeToTenant(db.prisma, tenant.id);
  const workflow = await scoped.workflow.create({ data: { tenantId: tenant.id, name: 'w' } });
  const run = await scoped.workflowRun.create({ data: { tenantId: tenant.id, workflowId: workflow.id } });
  const step = await scoped.stepRun.create({ data: { tenantId: tenant.id, workflowRunId: run.id, stepKey: 'a' } });
  return { tenantId: tenant.id, runId: run.id, stepRunId: step.id };
}

describe('guarded transitions', () => {
  it('applies once, and a repeat of the same transition is a no-op', async () => {
    const { tenantId, runId } = await newRun('once');
    expect(await transitionRun(db.pool, { tenantId, runId, from: 'PENDING', to: 'QUEUED' })).toEqual({ applied: true });
    expect(await transitionRun(db.pool, { tenantId, runId, from: 'PENDING', to: 'QUEUED' })).toEqual({ applied: false });
    const run = await db.prisma.workflowRun.findUniqueOrThrow({ where: { id: runId } });
    expect(run.status).toBe('QUEUED');
  });

  it('stamps startedAt on RUNNING and finishedAt on a terminal status', async () => {
    const { tenantId, runId } = await newRun('stamps');
    await transitionRun(db.pool, { tenantId, runId, from: 'PENDING', to: 'QUEUED' });
    await transitionRun(db.pool, { tenantId, runId, from: 'QUEUED', to: 'RUNNING' });
    const running = await db.prisma.workflowRun.findUniqueOrThrow({ where: { id: runId } });
    expect(running.startedAt).toBeInstanceOf(Date);
    expect(running.finishedAt).toBeNull();
    await transitionRun(db.pool, { tenantId, runId, from: 'RUNNING', to: 'SUCCEEDED' });
    const done = await db.prisma.workflowRun.findUniqueOrThrow({ where: { id: runId } });
    expect(done.finishedAt).toBeInstanceOf(Date);
    expect(done.startedAt).toEqual(running.startedAt);
  });

  it('does not apply to another tenant’s run', async () => {
    const mine = await newRun('mine');
    const theirs = await newRun('theirs');
    const result = await transitionRun(db.pool, {
      tenantId: mine.tenantId,
      runId: theirs.runId,
      from: 'PENDING',
      to: 'QUEUED',
    });
    expect(result.applied).toBe(false);
    expect((await db.prisma.workflowRun.findUniqueOrThrow({ where: { id: theirs.runId } })).status).toBe('PENDING');
  });

  it('refuses a transition the state machine does not allow, before touching the database', async () => {
    const { tenantId, runId } = await newRun('illegal');
    await expect(transitionRun(db.pool, { tenantId, runId, from: 'PENDING', to: 'SUCCEEDED' })).rejects.toThrow(
      'illegal run transition PENDING → SUCCEEDED',
    );
    expect((await db.prisma.workflowRun.findUniqueOrThrow({ where: { id: runId } })).status).toBe('PENDING');
  });

  it('guards step transitions the same way, concurrently', async () => {
    const { tenantId, stepRunId } = await newRun('steps');
    await transitionStep(db.pool, { tenantId, stepRunId, from: 'PENDING', to: 'QUEUED' });
    const racers = await Promise.all(
      Array.from({ length: 5 }, () => transitionStep(db.pool, { tenantId, stepRunId, from: 'QUEUED', to: 'RUNNING' })),
    );
    expect(racers.filter((r) => r.applied)).toHaveLength(1);
  });
});
