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
