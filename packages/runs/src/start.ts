import { createRun, type DispatchOutcome, type NewRun } from '@conveyor/db';
import type { RunsDeps } from './deps';
import { dispatch } from './dispatch';

export interface StartedRun {
  runId: string;
  /** False when the idempotency key named a run started before: that run is dispatched (again, idempotently). */
  created: boolean;
  outcome: DispatchOutcome;
}

/** A PENDING run, as an app's insert through Hasura makes, dispatched at once. */
export async function start(deps: Pick<RunsDeps, 'pool' | 'producers'>, run: NewRun): Promise<StartedRun> {
  const { runId, created } = await createRun(deps.pool, run);
  const outcome = await dispatch(deps, { tenantId: run.tenantId, runId });
  return { runId, created, outcome };
}
