import { queueNames, type Redis, reconcileJob, runJob, runTimeoutJob, scheduledRunJob } from '@conveyor/queue';
import { type Job, Worker } from 'bullmq';
import type { WorkerDeps } from '../deps';
import { planRunProcessor } from '../processors/plan-run.processor';
import { runTimeoutProcessor } from '../processors/run-timeout.processor';
import { scheduledRunProcessor } from '../processors/scheduled-run.processor';
import { reconcileOnce } from '../reconciler/reconciler';

/** Run-level jobs: start a run (plan its first steps), enforce its timeout, fire schedules, reconcile on demand. */
export function createRunWorker(deps: WorkerDeps, connection: Redis): Worker {
  const process = (job: Job, token?: string) => {
    switch (job.name) {
      case runJob.name:
        return planRunProcessor(deps, job, token);
      case runTimeoutJob.name:
        return runTimeoutProcessor(deps, job);
      case scheduledRunJob.name:
        return scheduledRunProcessor(deps, job);
      case reconcileJob.name:
        return reconcileOnce(deps, deps.config.reconciler.staleAfterMs);
      default:
        throw new Error(`unknown job ${job.name} on queue ${queueNames.runs}`);
    }
  };
  return new Worker(queueNames.runs, process, {
    connection,
    prefix: deps.config.redis.queuePrefix,
    concurrency: deps.config.concurrency,
    lockDuration: deps.config.lockDurationMs,
    stalledInterval: Math.max(1_000, Math.floor(deps.config.lockDurationMs / 2)),
  });
}
