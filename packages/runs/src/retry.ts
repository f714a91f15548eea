import { type RunRef, rerunRun } from '@conveyor/db';
import type { RunsDeps } from './deps';
import { notChangeable } from './not-changeable';

/**
 * FAILED → QUEUED, its unfinished steps back to PENDING (succeeded steps keep their outputs), and the
 * run job again. NOT_FOUND for a run the tenant does not have, CONFLICT for one that did not fail.
 */
export async function retry(
  { pool, producers }: Pick<RunsDeps, 'pool' | 'producers'>,
  ref: RunRef,
): Promise<{ status: 'QUEUED' }> {
  const rerun = await rerunRun(pool, ref);
  if (!rerun.applied) throw await notChangeable(pool, ref, 'retried (only FAILED runs can be)');
  await producers.enqueueRun(ref);
  return { status: 'QUEUED' };
}
