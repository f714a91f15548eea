import { Redis } from 'ioredis';
import { testServices, uniqueSuffix } from './services';

export interface TestRedis {
  prefix: string;
  redis: Redis;
  /** Deletes every key under this test's prefix and closes the connection. */
  cleanup(): Promise<void>;
}

/** A Redis connection and a key prefix no other test uses. */
export async function createTestRedis(label = 'test'): Promise<TestRedis> {
  const prefix = `conveyor-test-${label}-${uniqueSuffix()}`;
  const redis = new Redis(testServices().redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await redis.connect();
  return {
    prefix,
    redis,
    async cleanup() {
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
        if (keys.length > 0) await redis.del(...keys);
        cursor = next;
      } while (cursor !== '0');
      redis.disconnect();
    },
  };
}
