import { waitFor } from '@conveyor/testing';
import type { Worker } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestWorkerDeps, type TestWorkerDeps } from '../../test/test-worker';
import { createRunWorker } from './run.worker';

let t: TestWorkerDeps;
let worker: Worker;
beforeAll(async () => {
  t = await createTestWorkerDeps('run_worker');
  worker = createRunWorker(t.deps, t.blocking);
});
afterAll(async () => {
  await worker.close();
  await t.close();
});

describe('the runs queue’s Worker', () => {
  it('fails a job of a name it does not know for good, with no retry', async () => {
    const job = await t.deps.queues.runs.add('no-such-job', {}, { attempts: 5, backoff: { type: 'fixed', delay: 10 } });
    const failed = await waitFor(
      () => t.deps.queues.runs.getJob(String(job.id)),
      (current) => current?.finishedOn !== undefined,
      10_000,
    );
    expect(failed?.failedReason).toBe('unknown job no-such-job on queue runs');
    expect(failed?.attemptsMade).toBe(1);
    expect(await failed?.getState()).toBe('failed');
  });
});
