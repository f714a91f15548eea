import type { Redis } from '@conveyor/queue';
import type { WorkerDeps } from '../deps/worker-deps';
import { createLeaderLease } from './lease';
import { type Repairs, reconcileOnce } from './reconcile-once';

export { type Repairs, reconcileOnce } from './reconcile-once';

/** Repairs of work a crash or an outage lost: each pass that makes one says so. */
const LOST_WORK = [
  'dispatched',
  'runJobsRestored',
  'stepJobsRestored',
  'stepsAbandoned',
  'runsReplanned',
  'timeoutsRestored',
  'failed',
] as const;

/**
 * Re-dispatches what a crash or an outage left behind (n8n's recoverFromQueue). Every worker runs
 * one, but only the holder of a Redis lease acts, so repairs are not done twice at once; the lease
 * is renewed while a pass runs, so a long pass never overlaps another worker's.
 */
export function createReconciler(deps: WorkerDeps, redis: Redis) {
  const { intervalMs, staleAfterMs, logSweepIntervalMs } = deps.settings.reconciler;
  const lease = createLeaderLease(redis, `${deps.settings.queuePrefix}:reconciler:leader`, intervalMs * 3);
  let timer: NodeJS.Timeout | undefined;
  // Retention is counted in days, and on FerretDB a sweep reads the whole collection: not every pass.
  let lastSweepAt = Number.NEGATIVE_INFINITY;
  let running: Promise<unknown> = Promise.resolve();

  const pass = async (): Promise<Repairs | null> => {
    if (!(await lease.acquire())) return null;
    const renewal = setInterval(() => void lease.renew().catch(() => undefined), intervalMs);
    try {
      const sweep = deps.sweepLogs && deps.now() - lastSweepAt >= logSweepIntervalMs;
      if (sweep) lastSweepAt = deps.now();
      const repairs = await reconcileOnce(deps, staleAfterMs, { sweepLogs: sweep });
      if (LOST_WORK.some((kind) => repairs[kind] > 0)) deps.log.warn(repairs, 'reconciler repaired');
      return repairs;
    } finally {
      clearInterval(renewal);
    }
  };

  let stopped = false;
  const schedule = () => {
    if (stopped) return; // a pass that ends after stop() must not arm the next one
    timer = setTimeout(() => {
      running = pass()
        .catch((error: unknown) => deps.log.error({ error }, 'reconciler pass failed'))
        .finally(schedule);
    }, intervalMs);
  };

  return {
    start: schedule,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
      await lease.release();
    },
  };
}
