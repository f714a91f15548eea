import { findParentWaitingJob, type RunRef } from '@conveyor/db';
import type { RunsDeps } from './deps';

/**
 * A child run ended (its end already handed to its parent's step by the statement that ended it): wakes
 * that step's delayed job. A wake-up missed here is not lost: the step is due, and the reconciler wakes it.
 */
export async function wakeParent({ pool, producers }: Pick<RunsDeps, 'pool' | 'producers'>, child: RunRef): Promise<void> {
  const jobId = await findParentWaitingJob(pool, child);
  if (jobId) await producers.wakeStep(jobId).catch(() => false);
}
