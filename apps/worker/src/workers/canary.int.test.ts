import { createRedisConnection } from '@conveyor/queue';
import { createTestRedis, testServices } from '@conveyor/testing';
import { describe, expect, it } from 'vitest';
import { createCanary } from './canary';

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
});
