import type { Queue } from 'bullmq';
import type { Redis } from './connection';
import { runJob } from './jobs';

/** BullMQ's largest priority; a backlog deeper than this shares the last value. */
const MAX_PRIORITY = 2_097_151;

// Admits a run when its tenant has a free slot, else lists it as waiting (from its first refusal on).
// KEYS = the tenant's running set, backlog counter, waiting set; ARGV = runId, max, now.
/** Takes a slot (and one off the backlog counter, never below zero) in one round trip; idempotent per run. */
const ADMIT = `
if redis.call('ZSCORE', KEYS[1], ARGV[1]) then return 2 end
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[2]) then
  redis.call('ZADD', KEYS[1], ARGV[3], ARGV[1])
  redis.call('ZREM', KEYS[3], ARGV[1])
  if redis.call('DECR', KEYS[2]) < 0 then redis.call('SET', KEYS[2], 0) end
  return 1
end
redis.call('ZADD', KEYS[3], 'NX', ARGV[3], ARGV[1])
return 0`;

// Frees a run's slot and takes the tenant's longest-waiting run off its waiting set, to be woken.
// KEYS = the tenant's running set, waiting set; ARGV = runId. Returns the run to wake, or false.
const RELEASE = `
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('ZREM', KEYS[2], ARGV[1])
local next = redis.call('ZPOPMIN', KEYS[2])
return next[1] or false`;

/** The connection with the scripts registered: ioredis sends them by their SHA (EVALSHA), loading each once. */
type AdmissionRedis = Redis & {
  conveyorAdmitRun(running: string, backlog: string, waiting: string, runId: string, max: number, now: number): Promise<number>;
  conveyorReleaseRun(running: string, waiting: string, runId: string): Promise<string | null>;
};

function withScripts(redis: Redis): AdmissionRedis {
  const registered = redis as AdmissionRedis;
  if (typeof registered.conveyorAdmitRun !== 'function') redis.defineCommand('conveyorAdmitRun', { numberOfKeys: 3, lua: ADMIT });
  if (typeof registered.conveyorReleaseRun !== 'function')
    redis.defineCommand('conveyorReleaseRun', { numberOfKeys: 2, lua: RELEASE });
  return registered;
}

/** How many waiting runs a release tries before it gives up waking one (each may have been cancelled or woken). */
const WAKE_TRIES = 3;

export type Admission = 'admitted' | 'already-running' | 'full';

/**
 * Per-tenant fairness across every worker, in Redis:
 * - a slot set per tenant caps the runs executing at once (Tenant.maxConcurrentRuns);
 * - a backlog counter per tenant gives each new run job a BullMQ priority equal to its place in
 *   its own tenant's queue, so one tenant's thousands of queued runs do not starve another's few;
 * - a waiting set per tenant lists the runs refused a slot (their run jobs wait as delayed jobs): each
 *   freed slot wakes the longest-waiting one (its delayed job promoted), so a run starts when a slot
 *   frees, not when its job next polls. A run missed by its wake-up (its job was not delayed yet) starts
 *   when its delay ends.
 */
export function createTenantAdmission(connection: Redis, prefix: string, runs: Queue) {
  const redis = withScripts(connection);
  const running = (tenantId: string) => `${prefix}:tenant:${tenantId}:running`;
  const backlog = (tenantId: string) => `${prefix}:tenant:${tenantId}:backlog`;
  const waiting = (tenantId: string) => `${prefix}:tenant:${tenantId}:waiting`;

  /** Promotes the delayed run job of a waiting run; false when it has none delayed (gone, or not parked yet). */
  const wake = async (runId: string): Promise<boolean> => {
    const job = await runs.getJob(runJob.id(runId));
    if (!job || !(await job.isDelayed())) return false;
    return job.promote().then(
      () => true,
      () => false, // taken out of the delayed set meanwhile (its delay ended, or it was removed)
    );
  };

  return {
    /** The priority for a run job being added: the tenant's backlog, counting this run. */
    async priorityForNewRun(tenantId: string): Promise<number> {
      return Math.min(await redis.incr(backlog(tenantId)), MAX_PRIORITY);
    },

    /** Takes a slot for the run unless the tenant's slots are all in use; idempotent per run. */
    async admit(tenantId: string, runId: string, maxConcurrentRuns: number): Promise<Admission> {
      const keys = [running(tenantId), backlog(tenantId), waiting(tenantId)] as const;
      const result = await redis.conveyorAdmitRun(...keys, runId, maxConcurrentRuns, Date.now());
      return result === 1 ? 'admitted' : result === 2 ? 'already-running' : 'full';
    },

    /** Frees the run's slot (it finished, failed, timed out or was cancelled) and wakes the tenant's longest-waiting run. */
    async release(tenantId: string, runId: string): Promise<void> {
      let next = await redis.conveyorReleaseRun(running(tenantId), waiting(tenantId), runId);
      for (let tries = 1; next && !(await wake(next)) && tries < WAKE_TRIES; tries++) {
        next = await redis.zpopmin(waiting(tenantId)).then(([member]) => member ?? null);
      }
    },

    /** Runs holding a slot, by tenant: the reconciler frees the slots of runs that ended unseen. */
    async holders(): Promise<{ tenantId: string; runIds: string[] }[]> {
      const keys: string[] = [];
      let cursor = '0';
      do {
        const [next, found] = await redis.scan(cursor, 'MATCH', running('*'), 'COUNT', 500);
        keys.push(...found);
        cursor = next;
      } while (cursor !== '0');
      return Promise.all(
        keys.map(async (key) => ({
          tenantId: key.slice(`${prefix}:tenant:`.length, -':running'.length),
          runIds: await redis.zrange(key, 0, -1),
        })),
      );
    },

    /** Sets a tenant's backlog counter to the truth (its QUEUED runs), undoing any drift. */
    async resetBacklog(tenantId: string, queuedRuns: number): Promise<void> {
      await redis.set(backlog(tenantId), queuedRuns);
    },
  };
}

export type TenantAdmission = ReturnType<typeof createTenantAdmission>;
