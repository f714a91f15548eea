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
  t = await createTestWorkerDeps('schedules', { SCHEDULE_MIN_INTERVAL_MS: '1000' }); // its schedules fire every second
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
    expect(await syncSchedules(t.deps)).toEqual({ upserted: 1, removed: 0, disabled: 0 });
    expect(await syncSchedules(t.deps)).toEqual({ upserted: 0, removed: 0, disabled: 0 });
    const schedulers = await t.deps.queues.runs.getJobSchedulers();
    expect(schedulers.map((s) => s.key)).toEqual([scheduledRunJob.schedulerId(trigger.id)]);

    // A firing every second: a read can land between a run's insert and its dispatch, so wait for a moment
    // when at least two runs exist and every one of them has been dispatched.
    const runs = await waitFor(
      () => t.db.prisma.workflowRun.findMany({ where: { triggerId: trigger.id } }),
      (rows) => rows.length >= 2 && rows.every((run) => run.status !== 'PENDING'),
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

  it('disables only the trigger whose cron or timezone is bad, or fires more often than allowed, and syncs the others', async () => {
    const fixture = await seedWorkflow(t.db.prisma, {
      steps: [{ key: 'only', action: { app: 'core', version: '1', key: 'noop' } }],
    });
    const schedule = (cron: string, timezone: string | null = null) =>
      t.db.prisma.trigger.create({
        data: { tenantId: fixture.tenantId, workflowId: fixture.workflowId, type: 'SCHEDULE', cron, timezone },
      });
    const garbled = await schedule('every day at noon');
    const badZone = await schedule('0 12 * * *', 'Mars/Olympus_Mons');
    const everySecond = await schedule('* * * * * *'); // this worker's minimum is 1 s: allowed
    const good = await schedule('0 12 * * *', 'Europe/Paris');
    const changes = await syncSchedules(t.deps);
    expect(changes).toMatchObject({ upserted: 2, disabled: 2 });
    const active = await t.db.prisma.trigger.findMany({
      where: { id: { in: [garbled.id, badZone.id, everySecond.id, good.id] } },
    });
    expect(Object.fromEntries(active.map((row) => [row.id, row.isActive]))).toEqual({
      [garbled.id]: false,
      [badZone.id]: false,
      [everySecond.id]: true,
      [good.id]: true,
    });
    const keys = (await t.deps.queues.runs.getJobSchedulers()).map((s) => s.key);
    expect(keys).toEqual(
      expect.arrayContaining([scheduledRunJob.schedulerId(good.id), scheduledRunJob.schedulerId(everySecond.id)]),
    );
    expect(keys).not.toContain(scheduledRunJob.schedulerId(garbled.id));
    await t.db.prisma.trigger.updateMany({ where: { type: 'SCHEDULE' }, data: { isActive: false } });
    await syncSchedules(t.deps);
  });

  it('refuses a schedule that fires more often than SCHEDULE_MIN_INTERVAL_MS', async () => {
    const strict = await createTestWorkerDeps('schedules_strict', { SCHEDULE_MIN_INTERVAL_MS: '60000' });
    try {
      const fixture = await seedWorkflow(strict.db.prisma, {
        steps: [{ key: 'only', action: { app: 'core', version: '1', key: 'noop' } }],
      });
      const trigger = await strict.db.prisma.trigger.create({
        data: { tenantId: fixture.tenantId, workflowId: fixture.workflowId, type: 'SCHEDULE', cron: '*/10 * * * * *' },
      });
      expect(await syncSchedules(strict.deps)).toMatchObject({ upserted: 0, disabled: 1 });
      expect((await strict.db.prisma.trigger.findUniqueOrThrow({ where: { id: trigger.id } })).isActive).toBe(false);
    } finally {
      await strict.close();
    }
  });
});
