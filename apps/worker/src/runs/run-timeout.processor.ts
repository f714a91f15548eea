import { runTimeoutJob } from '@conveyor/queue';
import type { Job } from 'bullmq';
import type { WorkerDeps } from '../deps/worker-deps';

/** A run that outlived its `timeoutMs` fails, and whatever it still had running or waiting is cancelled. */
export async function runTimeoutProcessor(deps: WorkerDeps, job: Job): Promise<void> {
  await deps.runs.timeOut(runTimeoutJob.schema.parse(job.data));
}
