import type { Logger } from '@conveyor/observability';
import { Redis, type RedisOptions } from 'ioredis';

export type { Redis };

/**
 * Redis connections as BullMQ recommends for production. Workers block on Redis and must retry
 * forever (`maxRetriesPerRequest: null`); producers fail fast so an HTTP request that cannot
 * enqueue answers 503 instead of hanging while Redis is down. Lazy: the caller awaits
 * `connect()` at boot, so a bad REDIS_URL stops the process before it serves anything.
 */
export function createRedisConnection(url: string, role: 'worker' | 'producer', log?: Pick<Logger, 'warn'>): Redis {
  const options: RedisOptions =
    role === 'worker'
      ? { maxRetriesPerRequest: null, enableReadyCheck: true }
      : { maxRetriesPerRequest: 1, enableOfflineQueue: false, connectTimeout: 5_000 };
  const redis = new Redis(url, { ...options, lazyConnect: true });
  // Without a listener ioredis reports every reconnect attempt as an unhandled error.
  redis.on('error', (error) => log?.warn({ error, role }, 'redis connection error'));
  return redis;
}
