import { type RunRef, stopRun } from '@conveyor/db';
import type { RunsDeps } from './deps';
import { notChangeable } from './not-changeable';

/**
 * The run and its unfinished steps CANCELLED in one transaction, then their waiting jobs removed,
 * the tenant slot freed and the cancellation announced, so running steps abort. NOT_FOUND for a run
 * the tenant does not have, CONFLICT for one already finished.
 */
export async function cancel(
  { pool, producers }: Pick<RunsDeps, 'pool' | 'producers'>,
  ref: RunRef,
  reason: string,
): Promise<{ status: 'CANCELLED' }> {
  const stopped = await stopRun(pool, ref, { status: 'CANCELLED', code: 'CANCELLED', message: reason });
  if (!stopped.applied) throw await notChangeable(pool, ref, 'cancelled');
  await producers.withdrawRun(ref, stopped.stepJobIds);
  return { status: 'CANCELLED' };
}
