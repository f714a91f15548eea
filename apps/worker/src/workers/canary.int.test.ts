import { createRedisConnection } from '@conveyor/queue';
import { createTestRedis, testServices } from '@conveyor/testing';
import { Queue } from 'bullmq';
import { describe, expect, it } from 'vitest';
import { createCanary, reapDeadCanaries } from './canary';

describe('the consumption canary', () => {
  it('passes while jobs come back, and fails once deliveries stop', async () => {
    const scratch = await createTestRedis('canary');
    const connection = createRedisConnection(testServices().redisUrl, 'worker');
    await connection.connect();
    const canary = createCanary({ connection, prefix: scratch.prefix, intervalMs: 100 });
    try {
      await new Promise((resolve) => setTimeout(resolve, 350));
      await expect(canary.check()).resolves.toBeUndefined();
      await canary.close(); // nothing consumes any more, as with a connection that delivers nothing
      await new Promise((resolve) => setTimeout(resolve, 450));
      await expect(canary.check()).rejects.toThrow(/no job delivered to this worker for \d+ ms/);
    } finally {
      connection.disconnect();
      await scratch.cleanup();
    }
  });

  it('reaps the queue of a canary whose process died, and never a live one', async () => {
    const scratch = await createTestRedis('canary-reap');
    const connection = createRedisConnection(testServices().redisUrl, 'worker');
    await connection.connect();
    const live = createCanary({ connection, prefix: scratch.prefix, intervalMs: 100 });
    // A canary queue left behind by a worker that was SIGKILLed: a job in it, nobody saying it is alive.
    const dead = new Queue(`runs-canary-${crypto.randomUUID()}`, { connection, prefix: scratch.prefix });
    await dead.add('canary', {});
    try {
      await new Promise((resolve) => setTimeout(resolve, 250));
      expect(await reapDeadCanaries(connection, scratch.prefix)).toBe(1);
      expect(await connection.keys(`${scratch.prefix}:${dead.name}:*`)).toEqual([]);
      await expect(live.check()).resolves.toBeUndefined();
      expect(await reapDeadCanaries(connection, scratch.prefix)).toBe(0);
    } finally {
      await dead.close();
      await live.close();
      connection.disconnect();
      await scratch.cleanup();
    }
  });
});
