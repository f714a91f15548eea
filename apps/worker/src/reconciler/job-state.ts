import type { Queue } from 'bullmq';

/** A job is lost when Redis has none under its id, or only a finished one (which an add would not replace: removed). */
export async function isLost(queue: Queue, jobId: string): Promise<boolean> {
  const state = await queue.getJobState(jobId);
  if (state === 'unknown') return true;
  if (state !== 'completed' && state !== 'failed') return false;
  await queue.remove(jobId);
  return true;
}

/** Job states in which no worker runs the job and none will: a RUNNING step under such a job is abandoned. */
export function hasEnded(state: string): boolean {
  return state === 'completed' || state === 'failed' || state === 'unknown';
}

/** Promotes a job still delayed (a due step whose wake-up Redis missed); false when it is not delayed. */
export async function promoteIfDelayed(queue: Queue, jobId: string): Promise<boolean> {
  const job = await queue.getJob(jobId);
  if (!job || (await job.getState()) !== 'delayed') return false;
  return job.promote().then(
    () => true,
    () => false,
  );
}
