import { runJob } from '@conveyor/queue';
import { insertRun, seedWorkflow, waitFor } from '@conveyor/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestWorkerDeps, type TestWorkerDeps } from '../../test/test-worker';
import { createReconciler, reconcileOnce } from './reconciler';

let t: TestWorkerDeps;
beforeAll(async () => {
  t = await createTestWorkerDeps('reconciler', { RECONCILER_INTERVAL_MS: '300' });
});
afterAll(async () => {
  await t.close();
});

const definition = {
  steps: [
    { key: 'only', action: { app: 'core', version: '1', key: 'noop' }, retry: { attempts: 4, backoff: 'fixed', delayMs: 10 } },
  ],
};
const age = (table: 'WorkflowRun' | 'StepRun', id: string) =>
  t.db.prisma.$executeRawUnsafe(`UPDATE "${table}" SET "updatedAt" = now() - interval '1 minute' WHERE id = $1::uuid`, id);

describe('reconciler', () => {
  it('dispatches PENDING runs that no event ever announced, once they are stale', async () => {
    const fixture = await seedWorkflow(t.db.prisma, definition);
    const fresh = await insertRun(t.db.prisma, fixture);
    const stale = await insertRun(t.db.prisma, fixture);
    await age('WorkflowRun', stale);
    const repairs = await reconcileOnce(t.deps, 5_000);
    expect(repairs.dispatched).toBe(1);
    expect((await t.db.prisma.workflowRun.findUniqueOrThrow({ where: { id: stale } })).status).toBe('QUEUED');
    expect((await t.db.prisma.workflowRun.findUniqueOrThrow({ where: { id: fresh } })).status).toBe('PENDING');
    expect(await t.deps.queues.runs.getJob(runJob.id(stale))).toBeDefined();
  });

  it('re-adds the job of a QUEUED run or step that Redis lost, and leaves present jobs alone', async () => {
    const fixture = await seedWorkflow(t.db.prisma, definition);
    const runId = await insertRun(t.db.prisma, fixture);
    await t.db.prisma.workflowRun.update({
      where: { id: runId },
      data: { status: 'QUEUED', workflowVersionId: fixture.versionId },
    });
    const step = await t.db.prisma.stepRun.create({
      data: { tenantId: fixture.tenantId, workflowRunId: runId, stepKey: 'only', status: 'QUEUED', jobId: `step-lost-${runId}` },
    });
    await age('WorkflowRun', runId);
    await age('StepRun', step.id);

    const first = await reconcileOnce(t.deps, 5_000);
    expect(first).toMatchObject({ runJobsRestored: 1, stepJobsRestored: 1 });
    const restored = await t.deps.queues.steps.getJob(`step-lost-${runId}`);
    expect(restored?.data).toMatchObject({
      tenantId: fixture.tenantId,
      runId,
      stepRunId: step.id,
      retry: { backoff: 'fixed', delayMs: 10 },
    });
    expect(restored?.opts.attempts).toBe(4);

    await age('WorkflowRun', runId);
    await age('StepRun', step.id);
    expect(await reconcileOnce(t.deps, 5_000)).toMatchObject({ runJobsRestored: 0, stepJobsRestored: 0 });
  });

  it('lets one reconciler hold the leader lease at a time, and frees it on stop', async () => {
    const leaseKey = `${t.config.redis.queuePrefix}:reconciler:leader`;
    const pause = () => new Promise((resolve) => setTimeout(resolve, t.config.reconciler.intervalMs * 2));
    const a = createReconciler(t.deps, t.blocking);
    a.start();
    await pause();
    const holder = await t.blocking.get(leaseKey);
    expect(holder).toBeTruthy();
    const b = createReconciler(t.deps, t.blocking);
    b.start();
    await pause();
    expect(await t.blocking.get(leaseKey)).toBe(holder);
    await b.stop();
    expect(await t.blocking.get(leaseKey)).toBe(holder);
    await a.stop();
    expect(await t.blocking.get(leaseKey)).toBeNull();
  });

  it('sweeps expired log lines on its first pass, then only once per LOG_SWEEP_INTERVAL_MS; on demand always', async () => {
    expect(t.deps.sweepLogs).toBe(true); // FerretDB has no TTL indexes
    const sweeps: Date[] = [];
    const logStore = {
      ...t.deps.logStore,
      sweepExpired: (now: Date) => {
        sweeps.push(now);
        return t.deps.logStore.sweepExpired(now);
      },
    };
    const deps = { ...t.deps, logStore };
    const reconciler = createReconciler(deps, t.blocking);
    reconciler.start();
    await waitFor(
      async () => sweeps.length,
      (count) => count > 0,
      5_000,
    );
    // Several more passes, none of which sweeps.
    await new Promise((resolve) => setTimeout(resolve, t.config.reconciler.intervalMs * 4));
    await reconciler.stop();
    expect(sweeps).toHaveLength(1);
    expect(t.config.reconciler.logSweepIntervalMs).toBe(3_600_000);
    await reconcileOnce(deps, 5_000);
    expect(sweeps).toHaveLength(2);
  });
});
