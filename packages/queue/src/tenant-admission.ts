import type { Redis } from './connection';

/** BullMQ's largest priority; a backlog deeper than this shares the last value. */
const MAX_PRIORITY = 2_097_151;

// Admits a run when its tenant has a free slot. KEYS[1] = the tenant's running set; ARGV = runId, max, now.
/** Takes a slot (and one off the backlog counter, never below zero) in one round trip; idempotent per run. */
const ADMIT = `
if redis.call('ZSCORE', KEYS[1], ARGV[1]) then return 2 end
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[2]) then
  redis.call('ZADD', KEYS[1], ARGV[3], ARGV[1])
  if redis.call('DECR', KEYS[2]) < 0 then redis.call('SET', KEYS[2], 0) end
  return 1
end
return 0`;

/** The connection with ADMIT registered: ioredis sends it by its SHA (EVALSHA), loading it once. */
type AdmissionRedis = Redis & {
  conveyorAdmitRun(running: string, backlog: string, runId: string, max: number, now: number): Promise<number>;
};

function withAdmitCommand(redis: Redis): AdmissionRedis {
  const registered = redis as AdmissionRedis;
  if (typeof registered.conveyorAdmitRun !== 'function') redis.defineCommand('conveyorAdmitRun', { numberOfKeys: 2, lua: ADMIT });
  return registered;
}

export type Admission = 'admitted' | 'already-running' | 'full';

/**
 * Per-tenant fairness across every worker, in Redis:
 * - a slot set per tenant caps the runs executing at once (Tenant.maxConcurrentRuns);
 * - a backlog counter per tenant gives each new run job a BullMQ priority equal to its place in
 *   its own tenant's queue, so one tenant's thousands of queued runs do not starve another's few.
 */
export function createTenantAdmission(connection: Redis, prefix: string) {
  const redis = withAdmitCommand(connection);
  const running = (tenantId: string) => `${prefix}:tenant:${tenantId}:running`;
  const backlog = (tenantId: string) => `${prefix}:tenant:${tenantId}:backlog`;

  return {
    /** The priority for a run job being added: the tenant's backlog, counting this run. */
    async priorityForNewRun(tenantId: string): Promise<number> {
      return Math.min(await redis.incr(backlog(tenantId)), MAX_PRIORITY);
    },

    /** Takes a slot for the run unless the tenant's slots are all in use; idempotent per run. */
    async admit(tenantId: string, runId: string, maxConcurrentRuns: number): Promise<Admission> {
      const result = await redis.conveyorAdmitRun(running(tenantId), backlog(tenantId), runId, maxConcurrentRuns, Date.now());
      return result === 1 ? 'admitted' : result === 2 ? 'already-running' : 'full';
    },

    /** Frees the run's slot (it finished, failed, timed out or was cancelled). */
    async release(tenantId: string, runId: string): Promise<void> {
      await redis.zrem(running(tenantId), runId);
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
