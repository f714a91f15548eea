import { retryDelayMs } from '@conveyor/engine';
import { queueNames, type Redis, stepJob } from '@conveyor/queue';
import { Worker } from 'bullmq';
import type { WorkerDeps } from '../deps/worker-deps';
import { stepProcessor } from '../steps/step.processor';
import { workerOptions } from './worker-options';

/** Executes step jobs; a failed attempt is retried after the step's own backoff policy. */
export function createStepWorker(deps: WorkerDeps, connection: Redis): Worker {
  return new Worker(queueNames.steps, (job, token) => stepProcessor(deps, job, token), {
    ...workerOptions(deps, connection),
    settings: {
      backoffStrategy: (attemptsMade, type, _error, job) => {
        if (type !== stepJob.backoffType || !job) return 0;
        const { retry } = stepJob.schema.parse(job.data);
        return retryDelayMs({ ...retry, attempts: job.opts.attempts ?? 1 }, attemptsMade, Math.random);
      },
    },
  });
}
