import { seedWorkflow, type TenantFixture, waitFor } from '@conveyor/testing';
import type { Worker } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestWorkerDeps, type TestWorkerDeps } from '../../test/test-worker';
import { createStepWorker } from '../steps/step.worker';
import { createRunWorker } from './run.worker';

const definition = { steps: [{ key: 'only', action: { app: 'core', version: '1', key: 'noop' } }] };
const FLOOD = 5_000;
const FEW = 50;
const CAP = 5;

let t: TestWorkerDeps;
let workers: Worker[] = [];
let a: TenantFixture;
let b: TenantFixture;

beforeAll(async () => {
  t = await createTestWorkerDeps('fairness', { WORKER_CONCURRENCY: '20' });
  a = await seedWorkflow(t.db.prisma, definition);
  b = await seedWorkflow(t.db.prisma, definition);
  await t.db.prisma.tenant.updateMany({ where: { id: { in: [a.tenantId, b.tenantId] } }, data: { maxConcurrentRuns: CAP } });
}, 120_000);
afterAll(async () => {
  // Graceful: a forced close leaves processors running that add jobs after the prefix is cleared.
  await Promise.all(workers.map((worker) => worker.close()));
  await t.close();
});

/** Inserts `count` PENDING runs of a tenant in one statement and dispatches each as the api would. */
async function flood(fixture: TenantFixture, count: number): Promise<string[]> {
  const rows = await t.db.prisma.$queryRaw<{ id: string }[]>`
    INSERT INTO "WorkflowRun" ("tenantId", "workflowId")
    SELECT ${fixture.tenantId}::uuid, ${fixture.workflowId}::uuid FROM generate_series(1, ${count})
    RETURNING "id"::text AS "id"`;
  const ids = rows.map((row) => row.id);
  for (let i = 0; i < ids.length; i += 250) {
    await Promise.all(ids.slice(i, i + 250).map((runId) => t.deps.runs.dispatch({ tenantId: fixture.tenantId, runId })));
  }
  return ids;
}

const statusCounts = async (tenantId: string) => {
  const rows = await t.db.prisma.workflowRun.groupBy({ by: ['status'], where: { tenantId }, _count: true });
  return Object.fromEntries(rows.map((row) => [row.status, row._count])) as Record<string, number>;
};

describe('per-tenant fairness and limits', () => {
  it('finishes a small tenant’s runs long before a flooding tenant’s backlog drains, and caps each tenant’s running runs', async () => {
    await flood(a, FLOOD);
    // Two consumers of each queue, as two worker processes would be.
    workers = [0, 1].flatMap(() => [createRunWorker(t.deps, t.blocking), createStepWorker(t.deps, t.blocking)]);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const bRuns = await flood(b, FEW);

    let maxRunningA = 0;
    const bDone = await waitFor(
      async () => {
        const running = await t.db.prisma.workflowRun.count({ where: { tenantId: a.tenantId, status: 'RUNNING' } });
        maxRunningA = Math.max(maxRunningA, running);
        return t.db.prisma.workflowRun.count({ where: { id: { in: bRuns }, status: 'SUCCEEDED' } });
      },
      (done) => done === FEW,
      90_000,
      50,
    );
    expect(bDone).toBe(FEW);
    const aStatus = await statusCounts(a.tenantId);
    const aLeft = FLOOD - (aStatus.SUCCEEDED ?? 0);
    // B's 50 runs are done while most of A's 5,000 still wait their turn.
    expect(aLeft).toBeGreaterThan(FLOOD / 2);
    expect(maxRunningA).toBeLessThanOrEqual(CAP);
    expect(aStatus.FAILED ?? 0).toBe(0);
  });
});
