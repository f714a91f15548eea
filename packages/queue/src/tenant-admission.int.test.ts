import { createTestRedis, type TestRedis } from '@conveyor/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTenantAdmission } from './tenant-admission';

let t: TestRedis;
beforeAll(async () => {
  t = await createTestRedis('admission');
});
afterAll(async () => {
  await t.cleanup();
});

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
