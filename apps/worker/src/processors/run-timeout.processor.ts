import { stopRun } from '@conveyor/db';
import { runTimeoutJob } from '@conveyor/queue';
import type { Job } from 'bullmq';
import type { WorkerDeps } from '../deps';

/** A run that outlived its `timeoutMs` fails, and whatever it still had running or waiting is cancelled. */
export async function runTimeoutProcessor(deps: WorkerDeps, job: Job): Promise<void> {
  const ref = runTimeoutJob.schema.parse(job.data);
  const stopped = await stopRun(deps.pool, ref, { status: 'FAILED', code: 'RUN_TIMEOUT', message: 'run exceeded its timeout' });
  if (!stopped.applied) return;
  await deps.producers.withdrawRun(ref, stopped.stepJobIds);
  deps.log.warn({ tenantId: ref.tenantId, workflowRunId: ref.runId }, 'run timed out');
}
