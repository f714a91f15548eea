import { getRunForExecution, type RunRef } from '@conveyor/db';
import type { Logger } from '@conveyor/observability';
import type { WorkerDeps } from '../deps/worker-deps';
import { concurrencyGroupOf } from './run-concurrency';

/**
 * A run that gave its tenant slot back while its steps waited for events takes one again (and one of
 * its concurrency group's) before a step resumes: false when none is free now (the step's job waits a
 * moment and asks again). A run no longer RUNNING needs none: its claim finds what became of it.
 */
export async function retakeRunSlot(deps: WorkerDeps, ref: RunRef, log: Logger): Promise<boolean> {
  const run = await getRunForExecution(deps.pool, ref);
  if (run?.status !== 'RUNNING') return true;
  const definition = deps.definitions.get(run.workflowVersionId, run.definition);
  const group = await concurrencyGroupOf(deps, ref, run, definition, log);
  if (group === 'failed') return true;
  const admission = await deps.admission.admit(ref.tenantId, ref.runId, run.maxConcurrentRuns, run.priority, group);
  return admission === 'admitted' || admission === 'already-running';
}
