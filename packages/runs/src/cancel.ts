import { findOpenChildRuns, type RunRef, stopRun } from '@conveyor/db';
import { isConveyorError } from '@conveyor/errors';
import type { RunsDeps } from './deps';
import { notChangeable } from './not-changeable';
import { wakeParent } from './wake-parent';

/**
 * The run and its unfinished steps CANCELLED in one transaction, then their waiting jobs removed,
 * the tenant slot freed and the cancellation announced, so running steps abort; its child runs are
 * cancelled in turn. NOT_FOUND for a run the tenant does not have, CONFLICT for one already finished.
 */
export async function cancel(
  { pool, producers }: Pick<RunsDeps, 'pool' | 'producers'>,
  ref: RunRef,
  reason: string,
): Promise<{ status: 'CANCELLED' }> {
  const stopped = await stopRun(pool, ref, { status: 'CANCELLED', code: 'CANCELLED', message: reason });
  if (!stopped.applied) throw await notChangeable(pool, ref, 'cancelled');
  await producers.withdrawRun(ref, stopped.stepJobIds);
  await wakeParent({ pool, producers }, ref);
  await cancelChildren({ pool, producers }, ref);
  return { status: 'CANCELLED' };
}

/**
 * A stopped run's child runs still going, cancelled (and theirs, in turn); how many. One that finished
 * meanwhile is left as it is. The reconciler cancels what a crash left behind (an open child of a
 * finished parent) the same way.
 */
export async function cancelChildren(deps: Pick<RunsDeps, 'pool' | 'producers'>, parent: RunRef): Promise<number> {
  let cancelled = 0;
  for (const child of await findOpenChildRuns(deps.pool, parent)) {
    cancelled += await cancel(deps, child, 'its parent run ended').then(
      () => 1,
      (error: unknown) => {
        if (isConveyorError(error) && (error.code === 'CONFLICT' || error.code === 'NOT_FOUND')) return 0;
        throw error;
      },
    );
  }
  return cancelled;
}
