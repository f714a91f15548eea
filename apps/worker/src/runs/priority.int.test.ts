import { insertRun, seedWorkflow, waitFor } from '@conveyor/testing';
import type { Worker } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestWorkerDeps, type TestWorkerDeps } from '../../test/test-worker';
import { createStepWorker } from '../steps/step.worker';
import { createRunWorker } from './run.worker';

let t: TestWorkerDeps;
let workers: Worker[];
beforeAll(async () => {
  t = await createTestWorkerDeps('priority');
  workers = [createRunWorker(t.deps, t.blocking), createStepWorker(t.deps, t.blocking)];
});
afterAll(async () => {
  await Promise.all(workers.map((worker) => worker.close()));
  await t.close();
});

describe('run priorities', () => {
  it('starts a tenant’s waiting runs highest priority first when its slot frees, whatever their order of arrival', async () => {
    const fixture = await seedWorkflow(t.db.prisma, {
      steps: [{ key: 'hold', action: { app: 'core', version: '1', key: 'delay' }, input: { ms: 800 } }],
    });
    await t.db.prisma.tenant.update({ where: { id: fixture.tenantId }, data: { maxConcurrentRuns: 1 } });
    const holder = await insertRun(t.db.prisma, fixture);
    await t.deps.runs.dispatch({ tenantId: fixture.tenantId, runId: holder });
    await waitFor(
      () => t.db.prisma.workflowRun.findUniqueOrThrow({ where: { id: holder } }),
      (run) => run.status === 'RUNNING',
      10_000,
    );
    const byPriority = new Map<string, number>();
    for (const priority of [0, 5, 10]) {
      const runId = await insertRun(t.db.prisma, fixture);
      await t.db.prisma.workflowRun.update({ where: { id: runId }, data: { priority } });
      byPriority.set(runId, priority);
      await t.deps.runs.dispatch({ tenantId: fixture.tenantId, runId });
      await new Promise((resolve) => setTimeout(resolve, 50)); // each is refused before the next arrives
    }
    const runs = await waitFor(
      () => t.db.prisma.workflowRun.findMany({ where: { id: { in: [...byPriority.keys()] } }, orderBy: { startedAt: 'asc' } }),
      (current) => current.every((run) => run.status === 'SUCCEEDED'),
      20_000,
    );
    expect(runs.map((run) => byPriority.get(run.id))).toEqual([10, 5, 0]);
  });
});
