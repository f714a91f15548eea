import { type Action, defineAction } from '@conveyor/actions';
import type { SqlPool } from '@conveyor/db';
import { insertRun, seedWorkflow, waitFor } from '@conveyor/testing';
import type { Worker } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createTestWorkerDeps, type TestWorkerDeps } from '../../test/test-worker';
import { createRunWorker } from '../runs/run.worker';
import { createStepWorker } from './step.worker';

// An action whose own server is down: its error looks like a database outage's, and must not be taken for one.
const refused: Action = defineAction({
  ref: { app: 'test', version: '1', key: 'refused' },
  name: 'Refused',
  description: 'fails as a connection to a server that is down',
  inputSchema: z.object({}).passthrough(),
  execute: () => Promise.reject(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' })),
});

let t: TestWorkerDeps;
let workers: Worker[];
let failures = 0;

/** The real pool, except that recording a step's success fails once as a PostgreSQL restart makes it fail. */
function poolThatBlipsOnce(pool: SqlPool): SqlPool {
  const query = (statement: { name?: string }) => {
    if (statement.name === 'record-and-finish' && failures === 0) {
      failures += 1;
      return Promise.reject(Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' }));
    }
    return pool.query(statement as never);
  };
  return new Proxy(pool, { get: (target, key) => (key === 'query' ? query : Reflect.get(target, key)) });
}

beforeAll(async () => {
  t = await createTestWorkerDeps('database_blip', {}, [refused]);
  const deps = { ...t.deps, pool: poolThatBlipsOnce(t.deps.pool) };
  workers = [createRunWorker(deps, t.blocking), createStepWorker(deps, t.blocking)];
});
afterAll(async () => {
  await Promise.all(workers.map((worker) => worker.close()));
  await t.close();
});

const noop = (key: string, dependsOn: string[] = []) => ({ key, action: { app: 'core', version: '1', key: 'noop' }, dependsOn });

describe('a database blip under a step job', () => {
  it.each([
    ['the run job, running the first step itself', [noop('only')]],
    // A delay of 0 is not inline: a step job of its own, which carries on with the noop.
    [
      'a step job, running a step it carried on with',
      [{ ...noop('wait'), action: { app: 'core', version: '1', key: 'delay' }, input: { ms: 0 } }, noop('only', ['wait'])],
    ],
  ])('parks %s and runs the step again, without spending the step’s only attempt or failing the run', async (_, steps) => {
    failures = 0;
    const fixture = await seedWorkflow(t.db.prisma, { steps });
    const runId = await insertRun(t.db.prisma, fixture);
    await t.deps.runs.dispatch({ tenantId: fixture.tenantId, runId });
    const run = await waitFor(
      () => t.db.prisma.workflowRun.findUniqueOrThrow({ where: { id: runId }, include: { stepRuns: true } }),
      (current) => current.status !== 'QUEUED' && current.status !== 'RUNNING',
      15_000,
    );
    expect(failures).toBe(1);
    expect(run.status).toBe('SUCCEEDED');
    expect(run.stepRuns.find((step) => step.stepKey === 'only')).toMatchObject({ status: 'SUCCEEDED', attempt: 2 });
  });

  it('fails a step whose action cannot reach its own server under the step’s policy, never parking it as a database outage', async () => {
    const fixture = await seedWorkflow(t.db.prisma, {
      steps: [{ key: 'call', action: { app: 'test', version: '1', key: 'refused' } }],
    });
    const runId = await insertRun(t.db.prisma, fixture);
    await t.deps.runs.dispatch({ tenantId: fixture.tenantId, runId });
    const run = await waitFor(
      () => t.db.prisma.workflowRun.findUniqueOrThrow({ where: { id: runId }, include: { stepRuns: true } }),
      (current) => current.status !== 'QUEUED' && current.status !== 'RUNNING',
      10_000,
    );
    expect(run.status).toBe('FAILED');
    expect(run.stepRuns[0]).toMatchObject({
      status: 'FAILED',
      attempt: 1,
      error: expect.objectContaining({ code: 'ACTION_FAILED' }),
    });
  });
});
