import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestMongo, createTestRedis, type TestMongo, type TestRedis } from './index';

describe('MongoDB wire server', () => {
  let mongo: TestMongo;
  beforeAll(async () => {
    mongo = await createTestMongo('services');
  });
  afterAll(async () => {
    await mongo.drop();
  });

  it('accepts an unordered insertMany and answers filtered, sorted queries', async () => {
    const lines = Array.from({ length: 500 }, (_, i) => ({
      tenantId: i % 2 === 0 ? 'tenant-a' : 'tenant-b',
      workflowRunId: `run-${i % 5}`,
      level: i % 10 === 0 ? 'ERROR' : 'INFO',
      message: `line ${i}`,
      timestamp: new Date(1_700_000_000_000 + i),
    }));
    const result = await mongo.db.collection('execution_logs').insertMany(lines, { ordered: false });
    expect(result.insertedCount).toBe(500);
    const logs = mongo.db.collection('execution_logs');
    expect(await logs.countDocuments({ tenantId: 'tenant-a' })).toBe(250);
    const errors = await logs.find({ tenantId: 'tenant-a', level: 'ERROR' }).sort({ timestamp: -1 }).limit(3).toArray();
    expect(errors.map((line) => line.message)).toEqual(['line 490', 'line 480', 'line 470']);
  });
});

describe('Redis', () => {
  let redis: TestRedis;
  beforeAll(async () => {
    redis = await createTestRedis('services');
  });

  it('answers, and the test prefix is cleaned up afterwards', async () => {
    expect(await redis.redis.ping()).toBe('PONG');
    await redis.redis.set(`${redis.prefix}:a`, '1');
    await redis.redis.set(`${redis.prefix}:b`, '2');
    const prefix = redis.prefix;
    const probe = await createTestRedis('probe');
    await redis.cleanup();
    expect(await probe.redis.keys(`${prefix}*`)).toEqual([]);
    await probe.cleanup();
  });
});
