import { disableTrigger, listActiveSchedules, type ScheduleTrigger } from '@conveyor/db';
import { DEFAULT_SCHEDULE_TIMEZONE, scheduleProblem } from '@conveyor/engine';
import { scheduledRunJob } from '@conveyor/queue';
import type { JobSchedulerJson } from 'bullmq';
import type { WorkerDeps } from '../deps/worker-deps';

const SCHEDULER_PREFIX = scheduledRunJob.schedulerId('');

export interface ScheduleChanges {
  upserted: number;
  removed: number;
  /** Triggers turned off because their schedule cannot run (bad cron or timezone, or too frequent). */
  disabled: number;
}

type SyncDeps = Pick<WorkerDeps, 'prisma' | 'queues' | 'log' | 'settings' | 'now'>;

/**
 * Keeps one BullMQ job scheduler per active SCHEDULE trigger: new or changed triggers are
 * upserted, schedulers of deleted or deactivated triggers removed. Each trigger stands alone: one
 * whose schedule cannot run is disabled (and says why in the log), and the others still sync.
 * Safe to run from any worker.
 */
export async function syncSchedules(deps: SyncDeps): Promise<ScheduleChanges> {
  const queue = deps.queues.runs;
  const wanted = new Map(
    (await listActiveSchedules(deps.prisma)).map((trigger) => [scheduledRunJob.schedulerId(trigger.id), trigger]),
  );
  const existing = (await queue.getJobSchedulers(0, -1)).filter((scheduler) => scheduler.key.startsWith(SCHEDULER_PREFIX));
  const current = new Map(existing.map((scheduler) => [scheduler.key, scheduler]));
  const changes: ScheduleChanges = { upserted: 0, removed: 0, disabled: 0 };

  for (const [schedulerId, trigger] of wanted) {
    const outcome = await syncOne(deps, schedulerId, trigger, current.get(schedulerId));
    if (outcome === 'disabled') wanted.delete(schedulerId);
    if (outcome !== 'unchanged') changes[outcome] += 1;
  }
  for (const schedulerId of current.keys()) {
    if (wanted.has(schedulerId)) continue;
    await queue.removeJobScheduler(schedulerId);
    changes.removed += 1;
  }
  if (changes.upserted + changes.removed + changes.disabled > 0) deps.log.info(changes, 'schedules synced with triggers');
  return changes;
}

async function syncOne(
  deps: SyncDeps,
  schedulerId: string,
  trigger: ScheduleTrigger,
  scheduler: JobSchedulerJson | undefined,
): Promise<'upserted' | 'unchanged' | 'disabled'> {
  const tz = trigger.timezone ?? DEFAULT_SCHEDULE_TIMEZONE;
  if (scheduler?.pattern === trigger.cron && scheduler.tz === tz) return 'unchanged';
  const problem = scheduleProblem(trigger, deps.settings.scheduleMinIntervalMs, deps.now());
  try {
    if (problem) throw new Error(`${problem.field}: ${problem.message}`);
    await deps.queues.runs.upsertJobScheduler(
      schedulerId,
      { pattern: trigger.cron, tz },
      { name: scheduledRunJob.name, data: scheduledRunJob.schema.parse({ tenantId: trigger.tenantId, triggerId: trigger.id }) },
    );
    return 'upserted';
  } catch (error) {
    await disableTrigger(deps.prisma, { tenantId: trigger.tenantId, triggerId: trigger.id });
    deps.log.error(
      { error, tenantId: trigger.tenantId, triggerId: trigger.id },
      'schedule trigger disabled: its schedule cannot run',
    );
    return 'disabled';
  }
}
