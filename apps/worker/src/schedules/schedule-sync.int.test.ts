import { scheduledRunJob } from '@conveyor/queue';
import { seedWorkflow, waitFor } from '@conveyor/testing';
import type { Worker } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestWorkerDeps, type TestWorkerDeps } from '../../test/test-worker';
import { createRunWorker } from '../runs/run.worker';
import { syncSchedules } from './schedule-sync';

let t: TestWorkerDeps;
let worker: Worker;
beforeAll(async () => {
  t = await createTestWorkerDeps('schedules');
  worker = createRunWorker(t.deps, t.blocking);
});
afterAll(async () => {
  await worker.close();
  await t.close();
});

describe('schedule triggers', () => {
  it('keeps one job scheduler per active SCHEDULE trigger, and each firing starts one run', async () => {
    const fixture = await seedWorkflow(t.db.prisma, {
      steps: [{ key: 'only', action: { app: 'core', version: '1', key: 'noop' } }],
    });
    const trigger = await t.db.prisma.trigger.create({
      data: { tenantId: fixture.tenantId, workflowId: fixture.workflowId, type: 'SCHEDULE', cron: '* * * * * *' },
    });
    expect(await syncSchedules(t.deps)).toEqual({ upserted: 1, removed: 0 });
    expect(await syncSchedules(t.deps)).toEqual({ upserted: 0, removed: 0 });
    const schedulers = await t.deps.queues.runs.getJobSchedulers();
    expect(schedulers.map((s) => s.key)).toEqual([scheduledRunJob.schedulerId(trigger.id)]);

    const runs = await waitFor(
      () => t.db.prisma.workflowRun.findMany({ where: { triggerId: trigger.id } }),
      (rows) => rows.length >= 2,
      10_000,
    );
    expect(runs.length).toBeGreaterThanOrEqual(2);
    expect(new Set(runs.map((run) => run.idempotencyKey)).size).toBe(runs.length);
    expect(runs.every((run) => run.tenantId === fixture.tenantId && run.status !== 'PENDING')).toBe(true);
  });

  it('updates a changed cron and removes the scheduler of a deactivated trigger', async () => {
    const fixture = await seedWorkflow(t.db.prisma, {
      steps: [{ key: 'only', action: { app: 'core', version: '1', key: 'noop' } }],
    });
    const trigger = await t.db.prisma.trigger.create({
      data: {
        tenantId: fixture.tenantId,
        workflowId: fixture.workflowId,
        type: 'SCHEDULE',
        cron: '0 3 * * *',
        timezone: 'Europe/Paris',
      },
    });
    await syncSchedules(t.deps);
    await t.db.prisma.trigger.update({ where: { id: trigger.id }, data: { cron: '0 4 * * *' } });
    expect((await syncSchedules(t.deps)).upserted).toBe(1);
    const scheduler = (await t.deps.queues.runs.getJobSchedulers()).find(
      (s) => s.key === scheduledRunJob.schedulerId(trigger.id),
    );
    expect(scheduler).toMatchObject({ pattern: '0 4 * * *', tz: 'Europe/Paris' });

    await t.db.prisma.trigger.updateMany({ where: { tenantId: fixture.tenantId }, data: { isActive: false } });
    await t.db.prisma.trigger.updateMany({ where: { type: 'SCHEDULE' }, data: { isActive: false } });
    expect((await syncSchedules(t.deps)).removed).toBe(2);
    expect(await t.deps.queues.runs.getJobSchedulers()).toEqual([]);
  });
});
