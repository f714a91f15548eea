import type { Queue } from 'bullmq';
import type { Redis } from './connection';
import { runJob } from './jobs';

/** BullMQ's largest priority; a backlog deeper than this shares the last value. */
const MAX_PRIORITY = 2_097_151;

// Admits a run when its tenant has a free slot that no waiting run of higher priority is owed, else
// lists it as waiting (from its first refusal on, scored by priority, then age: PRIORITY_UNIT per
// priority step) and notes that it asked. A waiting run that has not asked for `stale` ms (its job is
// gone or stuck) is owed nothing and taken off the list. Among runs of one priority, a free slot goes to
// whoever asks first (the longest-waiting is woken first).
// KEYS = the tenant's running set, backlog counter, waiting set, last-asked hash;
// ARGV = runId, max, now, score, stale. Returns 1 admitted, 2 already running, 0 refused.
const ADMIT = `
if redis.call('ZSCORE', KEYS[1], ARGV[1]) then return 2 end
local free = redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[2])
if free then
  local mine = math.floor(tonumber(ARGV[4]) / ${2 ** 42})
  for i = 1, 10 do
    local best = redis.call('ZRANGE', KEYS[3], 0, 0, 'WITHSCORES')
    if #best == 0 or best[1] == ARGV[1] or math.floor(tonumber(best[2]) / ${2 ** 42}) >= mine then break end
    if tonumber(ARGV[3]) - tonumber(redis.call('HGET', KEYS[4], best[1]) or '0') <= tonumber(ARGV[5]) then
      free = false
      break
    end
    redis.call('ZREM', KEYS[3], best[1])
    redis.call('HDEL', KEYS[4], best[1])
  end
end
if not free then
  redis.call('ZADD', KEYS[3], 'NX', ARGV[4], ARGV[1])
  redis.call('HSET', KEYS[4], ARGV[1], ARGV[3])
  return 0
end
redis.call('ZADD', KEYS[1], ARGV[3], ARGV[1])
redis.call('ZREM', KEYS[3], ARGV[1])
redis.call('HDEL', KEYS[4], ARGV[1])
if redis.call('DECR', KEYS[2]) < 0 then redis.call('SET', KEYS[2], 0) end
return 1`;

// Frees a run's slot (and its place on the waiting list); answers the best waiting run, to be woken.
// KEYS = the tenant's running set, waiting set, last-asked hash; ARGV = runId.
const RELEASE = `
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('HDEL', KEYS[3], ARGV[1])
return redis.call('ZRANGE', KEYS[2], 0, 0)[1] or false`;

/** The connection with the scripts registered: ioredis sends them by their SHA (EVALSHA), loading each once. */
type AdmissionRedis = Redis & {
  conveyorAdmitRun(
    running: string,
    backlog: string,
    waiting: string,
    asked: string,
    runId: string,
    max: number,
    now: number,
    score: number,
    stale: number,
  ): Promise<number>;
  conveyorReleaseRun(running: string, waiting: string, asked: string, runId: string): Promise<string | null>;
};

function withScripts(redis: Redis): AdmissionRedis {
  const registered = redis as AdmissionRedis;
  if (typeof registered.conveyorAdmitRun !== 'function') redis.defineCommand('conveyorAdmitRun', { numberOfKeys: 4, lua: ADMIT });
  if (typeof registered.conveyorReleaseRun !== 'function')
    redis.defineCommand('conveyorReleaseRun', { numberOfKeys: 3, lua: RELEASE });
  return registered;
}

/** A waiting run that has not asked for a slot for this long is passed over: its job asks every 0.5–1 s. */
export const WAITING_STALE_MS = 5_000;
/** Priorities beyond ±1,000 count as ±1,000. */
export const MAX_RUN_PRIORITY = 1_000;
const SCORE_EPOCH_MS = Date.UTC(2026, 0, 1);

/** A waiting run's place: higher priority first, then the earlier refusal (exact in a double until ~2160). */
function waitingScore(priority: number, now: number): number {
  const clamped = Math.max(-MAX_RUN_PRIORITY, Math.min(MAX_RUN_PRIORITY, Math.trunc(priority)));
  return now - SCORE_EPOCH_MS - clamped * 2 ** 42;
}

/** How many waiting runs a release tries before it gives up waking one (each may have been cancelled or woken). */
const WAKE_TRIES = 3;

export type Admission = 'admitted' | 'already-running' | 'full';

/**
 * Per-tenant fairness across every worker, in Redis:
 * - a slot set per tenant caps the runs executing at once (Tenant.maxConcurrentRuns);
 * - a backlog counter per tenant gives each new run job a BullMQ priority equal to its place in
 *   its own tenant's queue, so one tenant's thousands of queued runs do not starve another's few;
 * - a waiting set per tenant lists the runs refused a slot (their run jobs wait as delayed jobs), the
 *   highest `WorkflowRun.priority` first, then the earliest refused: a freed slot wakes the first of
 *   them (its delayed job promoted), so a run starts when a slot frees, not when its job next polls; no
 *   run of lower priority takes a slot while one of higher priority waits (one of the same priority
 *   may: whoever asks first). A waiting run that stops asking (its job gone) is passed over after
 *   WAITING_STALE_MS.
 */
export function createTenantAdmission(connection: Redis, prefix: string, runs: Queue) {
  const redis = withScripts(connection);
  const running = (tenantId: string) => `${prefix}:tenant:${tenantId}:running`;
  const backlog = (tenantId: string) => `${prefix}:tenant:${tenantId}:backlog`;
  const waiting = (tenantId: string) => `${prefix}:tenant:${tenantId}:waiting`;
  const asked = (tenantId: string) => `${prefix}:tenant:${tenantId}:asked`;
  const owed = (tenantId: string) => `${prefix}:tenant:${tenantId}:owed`;

  /**
   * Promotes the delayed run job of a waiting run; 'gone' when it has no job left to ask (none, or
   * finished), 'busy' when its job is on its way (waiting or active: it asks by itself).
   */
  const wake = async (runId: string): Promise<'woken' | 'busy' | 'gone'> => {
    const job = await runs.getJob(runJob.id(runId));
    const state = job ? await job.getState() : 'unknown';
    if (!job || state === 'unknown' || state === 'completed' || state === 'failed') return 'gone';
    if (state !== 'delayed') return 'busy';
    return job.promote().then(
      () => 'woken' as const,
      () => 'busy' as const, // its delay ended meanwhile: it asks by itself
    );
  };

  return {
    /** The priority for a run job being added: the tenant's backlog, counting this run. */
    async priorityForNewRun(tenantId: string): Promise<number> {
      return Math.min(await redis.incr(backlog(tenantId)), MAX_PRIORITY);
    },

    /**
     * Takes a slot for the run unless the tenant's slots are all in use, or a free one is owed to a
     * waiting run of higher priority (`WorkflowRun.priority`, higher first); idempotent per run.
     */
    async admit(tenantId: string, runId: string, maxConcurrentRuns: number, priority = 0): Promise<Admission> {
      const keys = [running(tenantId), backlog(tenantId), waiting(tenantId), asked(tenantId)] as const;
      const now = Date.now();
      const result = await redis.conveyorAdmitRun(
        ...keys,
        runId,
        maxConcurrentRuns,
        now,
        waitingScore(priority, now),
        WAITING_STALE_MS,
      );
      return result === 1 ? 'admitted' : result === 2 ? 'already-running' : 'full';
    },

    /**
     * Whether a slot freed for this run while its job was being refused (so it could not be woken): a
     * refused run job asks once it is parked, and comes straight back when it is.
     */
    async isOwed(tenantId: string, runId: string): Promise<boolean> {
      return (await redis.get(owed(tenantId))) === runId;
    },

    /** Frees the run's slot (it finished, failed, timed out or was cancelled) and wakes the tenant's best waiting run. */
    async release(tenantId: string, runId: string): Promise<void> {
      let next = await redis.conveyorReleaseRun(running(tenantId), waiting(tenantId), asked(tenantId), runId);
      for (let tries = 1; next && tries <= WAKE_TRIES; tries++) {
        const woken = await wake(next);
        if (woken === 'woken') return;
        if (woken === 'busy') {
          // Its job is between a refusal and its delay: it reads this when parked and comes straight back.
          await redis.set(owed(tenantId), next, 'PX', WAITING_STALE_MS);
          await wake(next); // parked meanwhile, before it could read it
          return;
        }
        await redis.multi().zrem(waiting(tenantId), next).hdel(asked(tenantId), next).exec();
        next = await redis.zrange(waiting(tenantId), 0, 0).then(([member]) => member ?? null);
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
