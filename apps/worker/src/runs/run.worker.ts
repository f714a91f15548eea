import { queueNames, type Redis, reconcileJob, runJob, runTimeoutJob, scheduledRunJob } from '@conveyor/queue';
import { type Job, UnrecoverableError, Worker } from 'bullmq';
import type { WorkerDeps } from '../deps/worker-deps';
import { reconcileOnce } from '../reconciler/reconciler';
import { workerOptions } from '../workers/worker-options';
import { runTimeoutProcessor } from './run-timeout.processor';
import { scheduledRunProcessor } from './scheduled-run.processor';
import { startRunProcessor } from './start-run.processor';

/** Run-level jobs: start a run (plan its first steps), enforce its timeout, fire schedules, reconcile on demand. */
export function createRunWorker(deps: WorkerDeps, connection: Redis): Worker {
  const process = (job: Job, token?: string) => {
    switch (job.name) {
      case runJob.name:
        return startRunProcessor(deps, job, token);
      case runTimeoutJob.name:
        return runTimeoutProcessor(deps, job);
      case scheduledRunJob.name:
        return scheduledRunProcessor(deps, job);
      case reconcileJob.name:
        return reconcileOnce(deps, deps.settings.reconciler.staleAfterMs);
      default:
        // No retry can teach this worker a job it does not know.
        throw new UnrecoverableError(`unknown job ${job.name} on queue ${queueNames.runs}`);
    }
  };
  return new Worker(queueNames.runs, process, workerOptions(deps, connection));
}
