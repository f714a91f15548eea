import { retryDelayMs } from '@conveyor/engine';
import { queueNames, type Redis, stepJob } from '@conveyor/queue';
import { Worker } from 'bullmq';
import type { WorkerDeps } from '../deps';
import { executeStepProcessor } from '../processors/execute-step.processor';

/** Executes step jobs; a failed attempt is retried after the step's own backoff policy. */
export function createStepWorker(deps: WorkerDeps, connection: Redis): Worker {
  return new Worker(queueNames.steps, (job, token) => executeStepProcessor(deps, job, token), {
    connection,
    prefix: deps.config.redis.queuePrefix,
    concurrency: deps.config.concurrency,
    lockDuration: deps.config.lockDurationMs,
    stalledInterval: Math.max(1_000, Math.floor(deps.config.lockDurationMs / 2)),
    settings: {
      backoffStrategy: (attemptsMade, type, _error, job) => {
        if (type !== stepJob.backoffType || !job) return 0;
        const { retry } = stepJob.schema.parse(job.data);
        return retryDelayMs({ ...retry, attempts: job.opts.attempts ?? 1 }, attemptsMade, Math.random);
      },
    },
  });
}
