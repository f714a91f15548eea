import { createHash } from 'node:crypto';
import type { Queue } from 'bullmq';
import { PRIORITY_UNIT, withAdmissionScripts } from './admission-scripts';
import type { Redis } from './connection';
import { runJob } from './jobs';
import { scanKeys } from './scan-keys';

/** BullMQ's largest priority; a backlog deeper than this shares the last value. */
const MAX_PRIORITY = 2_097_151;

/** A waiting run that has not asked for a slot for this long is passed over: its job asks every 0.5–1 s. */
export const WAITING_STALE_MS = 5_000;
/** Priorities beyond ±1,000 count as ±1,000. */
export const MAX_RUN_PRIORITY = 1_000;
const SCORE_EPOCH_MS = Date.UTC(2026, 0, 1);

/** A waiting run's place: higher priority first, then the earlier refusal (exact in a double until ~2160). */
function waitingScore(priority: number, now: number): number {
  const clamped = Math.max(-MAX_RUN_PRIORITY, Math.min(MAX_RUN_PRIORITY, Math.trunc(priority)));
  return now - SCORE_EPOCH_MS - clamped * PRIORITY_UNIT;
}

/** How many waiting runs a release tries before it gives up waking one (each may have been cancelled or woken). */
const WAKE_TRIES = 3;

export type Admission = 'admitted' | 'already-running' | 'full' | 'group-full';

/**
 * A workflow's concurrency group (`concurrency` in its definition): `name` says whose (the workflow, and
 * the key's value when it has a key), `limit` how many of its runs may execute at once.
 */
export interface ConcurrencyGroup {
  name: string;
  limit: number;
}

const admissionResults: Record<number, Admission> = { 0: 'full', 1: 'admitted', 2: 'already-running', 3: 'group-full' };

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
 *   WAITING_STALE_MS;
 * - a run of a workflow with `concurrency` also takes a slot of its group (the workflow, or the workflow
 *   and the key's value), whose runs start in their waiting order; a run its group refuses waits on the
 *   group's list alone, and the group's freed slot wakes the first of them.
 */
export function createTenantAdmission(connection: Redis, prefix: string, runs: Queue) {
  const redis = withAdmissionScripts(connection);
  const running = (tenantId: string) => `${prefix}:tenant:${tenantId}:running`;
  const backlog = (tenantId: string) => `${prefix}:tenant:${tenantId}:backlog`;
  const waiting = (tenantId: string) => `${prefix}:tenant:${tenantId}:waiting`;
  const asked = (tenantId: string) => `${prefix}:tenant:${tenantId}:asked`;
  const groupOf = (tenantId: string) => `${prefix}:tenant:${tenantId}:groups`;
  const owed = (runId: string) => `${prefix}:owed:${runId}`;
  // A group's keys: running set, waiting set, last-asked hash (the id a hash: a key's value may be long).
  const groupKeys = (tenantId: string, groupId: string | null) => {
    const base = `${prefix}:concurrency:${tenantId}:${groupId ?? 'none'}`;
    return [`${base}:running`, `${base}:waiting`, `${base}:asked`] as const;
  };

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

  /** Wakes the first run of a waiting list that still has a job to wake, trying a few. */
  const wakeFirst = async (list: string, askedBy: string, first: string): Promise<void> => {
    let next = first || null;
    for (let tries = 1; next && tries <= WAKE_TRIES; tries++) {
      const woken = await wake(next);
      if (woken === 'woken') return;
      if (woken === 'busy') {
        // Its job is between a refusal and its delay: it reads this when parked and comes straight back.
        await redis.set(owed(next), '1', 'PX', WAITING_STALE_MS);
        await wake(next); // parked meanwhile, before it could read it
        return;
      }
      await redis.multi().zrem(list, next).hdel(askedBy, next).exec();
      next = await redis.zrange(list, 0, 0).then(([member]) => member ?? null);
    }
  };

  return {
    /** The priority for a run job being added: the tenant's backlog, counting this run. */
    async priorityForNewRun(tenantId: string): Promise<number> {
      return Math.min(await redis.incr(backlog(tenantId)), MAX_PRIORITY);
    },

    /**
     * Takes a slot for the run (and one of its concurrency group's) unless the tenant's slots (or the
     * group's) are all in use, or a free one is owed to a waiting run of higher priority
     * (`WorkflowRun.priority`, higher first; in a group, to any run waiting before it); idempotent per run.
     */
    async admit(
      tenantId: string,
      runId: string,
      maxConcurrentRuns: number,
      priority = 0,
      group?: ConcurrencyGroup,
    ): Promise<Admission> {
      const groupId = group ? createHash('sha256').update(group.name).digest('hex').slice(0, 32) : null;
      const now = Date.now();
      const result = await redis.conveyorAdmitRun(
        running(tenantId),
        backlog(tenantId),
        waiting(tenantId),
        asked(tenantId),
        ...groupKeys(tenantId, groupId),
        groupOf(tenantId),
        runId,
        maxConcurrentRuns,
        now,
        waitingScore(priority, now),
        WAITING_STALE_MS,
        group?.limit ?? 0,
        groupId ?? '',
      );
      return admissionResults[result] ?? 'full';
    },

    /**
     * Whether a slot freed for this run while its job was being refused (so it could not be woken): a
     * refused run job asks once it is parked, and comes straight back when it is.
     */
    async isOwed(runId: string): Promise<boolean> {
      return (await redis.exists(owed(runId))) === 1;
    },

    /**
     * Frees the run's slots (it finished, failed, timed out or was cancelled) and wakes the best waiting
     * run of its tenant and of its concurrency group.
     */
    async release(tenantId: string, runId: string): Promise<void> {
      const groupId = await redis.hget(groupOf(tenantId), runId);
      const group = groupKeys(tenantId, groupId);
      const next = await redis.conveyorReleaseRun(
        running(tenantId),
        waiting(tenantId),
        asked(tenantId),
        ...group,
        groupOf(tenantId),
        runId,
      );
      await wakeFirst(waiting(tenantId), asked(tenantId), next[0]);
      if (next[1] !== next[0]) await wakeFirst(group[1], group[2], next[1]);
    },

    /** Runs holding a slot, by tenant: the reconciler frees the slots of runs that ended unseen. */
    async holders(): Promise<{ tenantId: string; runIds: string[] }[]> {
      const keys = await scanKeys(redis, running('*'));
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
