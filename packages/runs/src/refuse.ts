import { type RunRef, stopRun } from '@conveyor/db';
import type { RunsDeps } from './deps';

/**
 * A run whose input cannot be used (engine's `jsonProblem`: too deep, too large, unstorable text)
 * fails before it runs: FAILED with the reason as a VALIDATION_FAILED error, its jobs withdrawn.
 * False when the run is missing or already finished.
 */
export async function refuse(
  { pool, producers }: Pick<RunsDeps, 'pool' | 'producers'>,
  ref: RunRef,
  reason: string,
): Promise<boolean> {
  const stopped = await stopRun(pool, ref, { status: 'FAILED', code: 'VALIDATION_FAILED', message: reason });
  if (!stopped.applied) return false;
  await producers.withdrawRun(ref, stopped.stepJobIds);
  return true;
}
