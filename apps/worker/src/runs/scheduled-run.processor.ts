import { findTrigger } from '@conveyor/db';
import { scheduledRunJob } from '@conveyor/queue';
import { serverIdempotencyKey } from '@conveyor/runs';
import type { Job } from 'bullmq';
import type { WorkerDeps } from '../deps/worker-deps';

/**
 * One firing of a schedule: creates the run and dispatches it. The job id is unique per firing
 * time, so it is the run's idempotency key and a retried job never starts a second run.
 */
export async function scheduledRunProcessor(deps: WorkerDeps, job: Job): Promise<void> {
  const { tenantId, triggerId } = scheduledRunJob.schema.parse(job.data);
  const trigger = await findTrigger(deps.pool, triggerId);
  if (!trigger || trigger.tenantId !== tenantId || trigger.type !== 'SCHEDULE' || !trigger.isActive) return;
  const { runId, created } = await deps.runs.start({
    tenantId,
    workflowId: trigger.workflowId,
    triggerId,
    input: { scheduledAt: new Date(job.timestamp).toISOString() },
    idempotencyKey: serverIdempotencyKey.schedule(String(job.id)),
  });
  if (created) deps.log.info({ tenantId, workflowRunId: runId, triggerId }, 'scheduled run started');
}
