import { createTestRedis, type TestRedis } from '@conveyor/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRateLimits } from './rate-limits';

let t: TestRedis;
beforeAll(async () => {
  t = await createTestRedis('rate-limits');
});
afterAll(async () => {
  await t.cleanup();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('rate limits', () => {
  it('lets `limit` attempts through at once, then one per perMs ÷ limit, answering the wait', async () => {
    const limits = createRateLimits(t.redis, t.prefix);
    const bucket = { tenantId: 'tenant-a', key: 'customer-1' };
    const limit = { limit: 3, perMs: 900 };
    expect([await limits.take(bucket, limit), await limits.take(bucket, limit), await limits.take(bucket, limit)]).toEqual([
      0, 0, 0,
    ]);
    const wait = await limits.take(bucket, limit);
    expect(wait).toBeGreaterThan(200);
    expect(wait).toBeLessThanOrEqual(300);
    await sleep(wait + 20);
    expect(await limits.take(bucket, limit)).toBe(0);
    expect(await limits.take(bucket, limit)).toBeGreaterThan(0);
  });

  it('keeps a budget per key, per owner and per tenant', async () => {
    const limits = createRateLimits(t.redis, t.prefix);
    const limit = { limit: 1, perMs: 60_000 };
    expect(await limits.take({ tenantId: 'tenant-b', key: 'x' }, limit)).toBe(0);
    expect(await limits.take({ tenantId: 'tenant-b', key: 'x' }, limit)).toBeGreaterThan(59_000);
    expect(await limits.take({ tenantId: 'tenant-b', key: 'y' }, limit)).toBe(0);
    expect(await limits.take({ tenantId: 'tenant-b', owner: 'x' }, limit)).toBe(0);
    expect(await limits.take({ tenantId: 'tenant-c', key: 'x' }, limit)).toBe(0);
  });

  it('lets a bucket expire once it would be full again', async () => {
    const limits = createRateLimits(t.redis, t.prefix);
    await limits.take({ tenantId: 'tenant-d', key: 'k' }, { limit: 5, perMs: 200 });
    const keys = await t.redis.keys(`${t.prefix}:rate:tenant-d:*`);
    expect(keys).toHaveLength(1);
    expect(await t.redis.pttl(keys[0] ?? '')).toBeLessThanOrEqual(200);
  });
});
