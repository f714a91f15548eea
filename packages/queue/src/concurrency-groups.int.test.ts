import { createTestRedis, type TestRedis } from '@conveyor/testing';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runJob } from './jobs';
import { createTenantAdmission, WAITING_STALE_MS } from './tenant-admission';

let t: TestRedis;
let runs: Queue;
beforeAll(async () => {
  t = await createTestRedis('groups');
  runs = new Queue('runs', { connection: t.redis, prefix: t.prefix });
});
afterAll(async () => {
  await runs.close();
  await t.cleanup();
});

const parkedJob = (runId: string) => runs.add(runJob.name, { runId }, { jobId: runJob.id(runId), delay: 60_000 });
const group = (name: string, limit = 1) => ({ name, limit });

describe('concurrency groups', () => {
  it('hold a group to its limit while the tenant has slots to spare, and wake the group’s first waiting run', async () => {
    const admission = createTenantAdmission(t.redis, t.prefix, runs);
    const tenant = 'tenant-g1';
    expect(await admission.admit(tenant, 'a1', 10, 0, group('wf/alice'))).toBe('admitted');
    await parkedJob('a2');
    expect(await admission.admit(tenant, 'a2', 10, 0, group('wf/alice'))).toBe('group-full');
    await parkedJob('a3');
    expect(await admission.admit(tenant, 'a3', 10, 0, group('wf/alice'))).toBe('group-full');
    // Another key of the workflow, and a run of no group, are not held back by alice's.
    expect(await admission.admit(tenant, 'b1', 10, 0, group('wf/bob'))).toBe('admitted');
    expect(await admission.admit(tenant, 'free', 10)).toBe('admitted');
    await admission.release(tenant, 'a1');
    expect(await runs.getJobState(runJob.id('a2'))).not.toBe('delayed');
    expect(await runs.getJobState(runJob.id('a3'))).toBe('delayed');
    // Order within the group: a3 asking first does not pass a2, which still asks.
    expect(await admission.admit(tenant, 'a3', 10, 0, group('wf/alice'))).toBe('group-full');
    expect(await admission.admit(tenant, 'a2', 10, 0, group('wf/alice'))).toBe('admitted');
    await admission.release(tenant, 'a2');
    expect(await admission.admit(tenant, 'a3', 10, 0, group('wf/alice'))).toBe('admitted');
    expect(await t.redis.hgetall(`${t.prefix}:tenant:${tenant}:groups`)).toEqual(
      expect.not.objectContaining({ a1: expect.anything(), a2: expect.anything() }),
    );
  });

  it('does not let a run its group refuses hold back the tenant’s other runs, even of higher priority', async () => {
    const admission = createTenantAdmission(t.redis, t.prefix, runs);
    const tenant = 'tenant-g2';
    expect(await admission.admit(tenant, 'g1', 2, 0, group('wf'))).toBe('admitted');
    expect(await admission.admit(tenant, 'g2', 2, 9, group('wf'))).toBe('group-full');
    expect(await admission.admit(tenant, 'other', 2, 0)).toBe('admitted'); // the tenant's second slot
    expect(await admission.admit(tenant, 'third', 2, 0)).toBe('full');
  });

  it('keeps a run the tenant refuses first in its group’s line, so no later run of the group passes it', async () => {
    const admission = createTenantAdmission(t.redis, t.prefix, runs);
    const tenant = 'tenant-g3';
    expect(await admission.admit(tenant, 'busy', 1)).toBe('admitted');
    expect(await admission.admit(tenant, 'k1', 1, 0, group('wf/k', 2))).toBe('full');
    await admission.release(tenant, 'busy');
    expect(await admission.admit(tenant, 'k2', 1, 0, group('wf/k', 2))).toBe('group-full'); // k1 is first in line
    expect(await admission.admit(tenant, 'k1', 1, 0, group('wf/k', 2))).toBe('admitted');
  });

  it('passes over a run of the group that stopped asking, and frees a group slot with the run’s', async () => {
    const admission = createTenantAdmission(t.redis, t.prefix, runs);
    const tenant = 'tenant-g4';
    expect(await admission.admit(tenant, 'x1', 5, 0, group('wf'))).toBe('admitted');
    await parkedJob('stuck');
    expect(await admission.admit(tenant, 'stuck', 5, 0, group('wf'))).toBe('group-full');
    await admission.release(tenant, 'x1'); // wakes stuck, which never asks again
    expect(await admission.admit(tenant, 'x2', 5, 0, group('wf'))).toBe('group-full');
    const [asked] = await t.redis.keys(`${t.prefix}:concurrency:${tenant}:*:asked`);
    await t.redis.hset(asked as string, 'stuck', String(Date.now() - WAITING_STALE_MS - 1_000));
    expect(await admission.admit(tenant, 'x2', 5, 0, group('wf'))).toBe('admitted');
    expect(await t.redis.zrange((asked as string).replace(/asked$/, 'waiting'), 0, -1)).toEqual([]);
    await admission.release(tenant, 'x2');
    expect(await t.redis.keys(`${t.prefix}:concurrency:${tenant}:*`)).toEqual([]);
  });
});
