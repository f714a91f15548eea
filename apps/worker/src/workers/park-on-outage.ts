import { isDatabaseUnavailable } from '@conveyor/db';
import { DelayedError, type Job } from 'bullmq';
import type { WorkerDeps } from '../deps/worker-deps';

/** How long a job waits when PostgreSQL is unavailable before it runs again. */
const DATABASE_RETRY_MS = 1_000;

/**
 * PostgreSQL unavailable (restarting, failing over) is no fault of the job's work: the job is parked
 * for a moment instead of spending one of its attempts, and runs again (a step it left RUNNING is
 * reclaimed, the lost attempt recorded). Any other error goes to BullMQ as it is.
 */
export async function parkOnDatabaseOutage<T>(
  deps: WorkerDeps,
  job: Job,
  token: string | undefined,
  work: () => Promise<T>,
): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (!isDatabaseUnavailable(error)) throw error;
    deps.log.warn({ error, jobId: job.id, queue: job.queueName }, 'database unavailable: job parked');
    await job.moveToDelayed(Date.now() + DATABASE_RETRY_MS + Math.floor(Math.random() * DATABASE_RETRY_MS), token);
    throw new DelayedError();
  }
}
