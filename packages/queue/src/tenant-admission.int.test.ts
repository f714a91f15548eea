import { createTestRedis, type TestRedis } from '@conveyor/testing';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runJob } from './jobs';
import { createTenantAdmission as createAdmission, WAITING_STALE_MS } from './tenant-admission';

let t: TestRedis;
let runs: Queue;
beforeAll(async () => {
  t = await createTestRedis('admission');
  runs = new Queue('runs', { connection: t.redis, prefix: t.prefix });
});
afterAll(async () => {
  await runs.close();
  await t.cleanup();
});

const createTenantAdmission = (redis: TestRedis['redis'], prefix: string) => createAdmission(redis, prefix, runs);
/** A run job parked as a run refused a slot parks it: delayed, for a minute. */
const parkedJob = (runId: string) => runs.add(runJob.name, { runId }, { jobId: runJob.id(runId), delay: 60_000 });

describe('tenant admission', () => {
  it('admits up to the cap, once per run, and takes each admitted run off the backlog', async () => {
    const admission = createTenantAdmission(t.redis, t.prefix);
    const tenant = 'tenant-a';
    for (let i = 0; i < 3; i++) await admission.priorityForNewRun(tenant);
    expect(await admission.admit(tenant, 'r1', 2)).toBe('admitted');
    expect(await admission.admit(tenant, 'r1', 2)).toBe('already-running');
    expect(await admission.admit(tenant, 'r2', 2)).toBe('admitted');
    expect(await admission.admit(tenant, 'r3', 2)).toBe('full');
    expect(await t.redis.get(`${t.prefix}:tenant:${tenant}:backlog`)).toBe('1');
    expect(await admission.priorityForNewRun(tenant)).toBe(2);

    await admission.release(tenant, 'r1');
    expect(await admission.admit(tenant, 'r3', 2)).toBe('admitted');
    expect(await admission.holders()).toEqual([{ tenantId: tenant, runIds: expect.arrayContaining(['r2', 'r3']) }]);
  });

  it('never counts the backlog below zero, and another tenant’s slots are its own', async () => {
    const admission = createTenantAdmission(t.redis, t.prefix);
    expect(await admission.admit('tenant-b', 'x', 1)).toBe('admitted');
    expect(await t.redis.get(`${t.prefix}:tenant:tenant-b:backlog`)).toBe('0');
    expect(await admission.admit('tenant-c', 'x', 1)).toBe('admitted');
    // A second admission object on the same connection shares the registered script.
    expect(await createTenantAdmission(t.redis, t.prefix).admit('tenant-b', 'y', 1)).toBe('full');
  });
});

describe('waking the runs that wait for a slot', () => {
  it('wakes the longest-waiting run of the tenant (of one priority) when a slot frees: its delayed job is promoted', async () => {
    const admission = createTenantAdmission(t.redis, t.prefix);
    const tenant = 'tenant-wake';
    expect(await admission.admit(tenant, 'w1', 1)).toBe('admitted');
    for (const runId of ['w2', 'w3']) {
      await parkedJob(runId);
      expect(await admission.admit(tenant, runId, 1)).toBe('full');
    }
    expect(await admission.admit(tenant, 'w2', 1)).toBe('full'); // asking again keeps its place

    await admission.release(tenant, 'w1');
    expect(await runs.getJobState(runJob.id('w2'))).not.toBe('delayed');
    expect(await runs.getJobState(runJob.id('w3'))).toBe('delayed');
    expect(await admission.admit(tenant, 'w2', 1)).toBe('admitted');
    await admission.release(tenant, 'w2');
    expect(await runs.getJobState(runJob.id('w3'))).not.toBe('delayed');
  });

  it('passes over a waiting run whose job is gone (cancelled meanwhile) to wake the next', async () => {
    const admission = createTenantAdmission(t.redis, t.prefix);
    const tenant = 'tenant-skip';
    expect(await admission.admit(tenant, 's1', 1)).toBe('admitted');
    expect(await admission.admit(tenant, 's2', 1)).toBe('full'); // its job is gone by the time a slot frees
    await parkedJob('s3');
    expect(await admission.admit(tenant, 's3', 1)).toBe('full');
    await admission.release(tenant, 's1');
    expect(await runs.getJobState(runJob.id('s3'))).not.toBe('delayed');
  });

  it('owes a freed slot to the waiting run of highest priority: no run of lower priority takes it', async () => {
    const admission = createTenantAdmission(t.redis, t.prefix);
    const tenant = 'tenant-priority';
    expect(await admission.admit(tenant, 'p1', 1, 0)).toBe('admitted');
    for (const [runId, priority] of [
      ['low', 0],
      ['high', 5],
      ['high-later', 5],
    ] as const) {
      await parkedJob(runId);
      expect(await admission.admit(tenant, runId, 1, priority)).toBe('full');
    }
    await admission.release(tenant, 'p1');
    expect(await runs.getJobState(runJob.id('high'))).not.toBe('delayed'); // woken: the first of the highest priority
    expect(await runs.getJobState(runJob.id('high-later'))).toBe('delayed');
    expect(await admission.admit(tenant, 'low', 1, 0)).toBe('full'); // the slot is owed to priority 5
    expect(await admission.admit(tenant, 'new', 1, 3)).toBe('full'); // and not to a newcomer of 3 either
    expect(await admission.admit(tenant, 'high', 1, 5)).toBe('admitted');
    await admission.release(tenant, 'high');
    expect(await admission.admit(tenant, 'high-later', 1, 5)).toBe('admitted');
    await admission.release(tenant, 'high-later');
    expect(await admission.admit(tenant, 'new', 1, 3)).toBe('admitted'); // now the highest waiting
  });

  it('passes over a waiting run that stopped asking for longer than WAITING_STALE_MS', async () => {
    const admission = createTenantAdmission(t.redis, t.prefix);
    const tenant = 'tenant-stale';
    expect(await admission.admit(tenant, 'q1', 1)).toBe('admitted');
    expect(await admission.admit(tenant, 'stuck', 1, 9)).toBe('full');
    await t.redis.hset(`${t.prefix}:tenant:${tenant}:asked`, 'stuck', String(Date.now() - WAITING_STALE_MS - 1_000));
    await t.redis.zrem(`${t.prefix}:tenant:${tenant}:running`, 'q1'); // q1 ended unseen (no release: no wake-up)
    expect(await admission.admit(tenant, 'q2', 1)).toBe('admitted');
    expect(await t.redis.zrange(`${t.prefix}:tenant:${tenant}:waiting`, 0, -1)).toEqual([]);
  });
});
