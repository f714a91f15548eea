import { type RunRef, stopRun } from '@conveyor/db';
import { cancelChildren } from './cancel';
import type { RunsDeps } from './deps';
import { wakeParent } from './wake-parent';

/** A run that outlived its `timeoutMs` fails, and whatever it still had running or waiting (its child runs too) is cancelled; false if it had ended. */
export async function timeOut(
  { pool, producers, log }: Pick<RunsDeps, 'pool' | 'producers' | 'log'>,
  ref: RunRef,
): Promise<boolean> {
  const stopped = await stopRun(pool, ref, { status: 'FAILED', code: 'RUN_TIMEOUT', message: 'run exceeded its timeout' });
  if (!stopped.applied) return false;
  await producers.withdrawRun(ref, stopped.stepJobIds);
  await wakeParent({ pool, producers }, ref);
  await cancelChildren({ pool, producers }, ref);
  log.warn({ tenantId: ref.tenantId, workflowRunId: ref.runId }, 'run timed out');
  return true;
}
