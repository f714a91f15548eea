import { createRun, type DispatchOutcome, type NewRun } from '@conveyor/db';
import { type BacklogBound, backlogRefusal } from './admission';
import type { RunsDeps } from './deps';
import { dispatch, enqueue } from './dispatch';

export interface StartedRun {
  runId: string;
  /** False when the idempotency key named a run started before: that run is dispatched (again, idempotently). */
  created: boolean;
  outcome: DispatchOutcome;
}

/**
 * A run created and dispatched at once: QUEUED by its insert when its workflow can run (then only its
 * job is added), else PENDING and dispatched, which fails it with the reason. With a bound (webhook
 * triggers), a tenant whose backlog (its unfinished runs) is at it is refused with RATE_LIMITED
 * and no run is created; a repeat of an idempotency key still answers its run. Without one (schedules,
 * the cli) the run is always created and waits as QUEUED, as a run inserted through Hasura does.
 */
export async function start(
  deps: Pick<RunsDeps, 'pool' | 'producers' | 'metrics'>,
  run: NewRun,
  bound?: BacklogBound,
): Promise<StartedRun> {
  const created = await createRun(deps.pool, run, { maxBacklog: bound?.maxBacklog });
  if (created.refused) throw backlogRefusal(deps, bound);
  const ref = { tenantId: run.tenantId, runId: created.runId };
  // Created QUEUED, its version pinned: only its job is missing. Otherwise dispatch tells what it is.
  if (!created.queued) return { runId: created.runId, created: created.created, outcome: await dispatch(deps, ref) };
  await enqueue(deps, ref);
  return { runId: created.runId, created: created.created, outcome: { kind: 'queued', ...created.queued } };
}
