import { listActiveSchedules } from '@conveyor/db';
import { scheduledRunJob } from '@conveyor/queue';
import type { WorkerDeps } from '../deps/worker-deps';

const SCHEDULER_PREFIX = scheduledRunJob.schedulerId('');

export interface ScheduleChanges {
  upserted: number;
  removed: number;
}

/**
 * Keeps one BullMQ job scheduler per active SCHEDULE trigger: new or changed triggers are
 * upserted, schedulers of deleted or deactivated triggers removed. Safe to run from any worker.
 */
export async function syncSchedules(deps: Pick<WorkerDeps, 'prisma' | 'queues' | 'log'>): Promise<ScheduleChanges> {
  const queue = deps.queues.runs;
  const wanted = new Map(
    (await listActiveSchedules(deps.prisma)).map((trigger) => [scheduledRunJob.schedulerId(trigger.id), trigger]),
  );
  const existing = (await queue.getJobSchedulers(0, -1)).filter((scheduler) => scheduler.key.startsWith(SCHEDULER_PREFIX));
  const current = new Map(existing.map((scheduler) => [scheduler.key, scheduler]));
  const changes: ScheduleChanges = { upserted: 0, removed: 0 };

  for (const [schedulerId, trigger] of wanted) {
    const tz = trigger.timezone ?? 'UTC';
    const scheduler = current.get(schedulerId);
    if (scheduler?.pattern === trigger.cron && scheduler.tz === tz) continue;
    await queue.upsertJobScheduler(
      schedulerId,
      { pattern: trigger.cron, tz },
      { name: scheduledRunJob.name, data: scheduledRunJob.schema.parse({ tenantId: trigger.tenantId, triggerId: trigger.id }) },
    );
    changes.upserted += 1;
  }
  for (const schedulerId of current.keys()) {
    if (wanted.has(schedulerId)) continue;
    await queue.removeJobScheduler(schedulerId);
    changes.removed += 1;
  }
  if (changes.upserted + changes.removed > 0) deps.log.info(changes, 'schedules synced with triggers');
  return changes;
}
