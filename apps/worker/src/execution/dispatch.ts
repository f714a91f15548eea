import { type DispatchOutcome, dispatchRun } from '@conveyor/db';
import type { WorkerDeps } from '../deps';

/** PENDING → QUEUED plus the run job, as the api does for a Hasura event (the job id makes it idempotent). */
export async function dispatchAndEnqueue(
  deps: Pick<WorkerDeps, 'pool' | 'producers'>,
  ref: { tenantId: string; runId: string },
): Promise<DispatchOutcome> {
  const outcome = await dispatchRun(deps.pool, ref);
  if (outcome.kind === 'queued' || (outcome.kind === 'already-dispatched' && outcome.status === 'QUEUED')) {
    await deps.producers.enqueueRun(ref);
  }
  return outcome;
}
