import { redisTarget } from '@conveyor/config';
import type { Logger } from '@conveyor/observability';
import { Cluster, type RedisOptions, Redis as Server } from 'ioredis';

/** A connection to Conveyor's Redis: one server, or a Redis Cluster (REDIS_URL `redis-cluster://…`). */
export type Redis = Server | Cluster;

/**
 * Redis connections as BullMQ recommends for production. Workers block on Redis and must retry
 * forever (`maxRetriesPerRequest: null`); producers fail fast so an HTTP request that cannot
 * enqueue answers 503 instead of hanging while Redis is down. Lazy: the caller awaits
 * `connect()` at boot, so a bad REDIS_URL stops the process before it serves anything.
 * On a cluster every node's connection takes these options, and, as on one server, a producer's
 * commands fail at once while the cluster is not ready where a worker's wait.
 */
export function createRedisConnection(url: string, role: 'worker' | 'producer', log?: Pick<Logger, 'warn'>): Redis {
  const options: RedisOptions =
    role === 'worker'
      ? { maxRetriesPerRequest: null, enableReadyCheck: true }
      : { maxRetriesPerRequest: 1, enableOfflineQueue: false, connectTimeout: 5_000 };
  const target = redisTarget(url);
  const redis = target.cluster
    ? new Cluster(target.nodes, {
        lazyConnect: true,
        enableReadyCheck: true,
        enableOfflineQueue: role === 'worker',
        redisOptions: {
          ...options,
          username: target.username,
          password: target.password,
          ...(target.tls ? { tls: {} } : {}),
        },
      })
    : new Server(url, { ...options, lazyConnect: true });
  // Without a listener ioredis reports every reconnect attempt as an unhandled error.
  redis.on('error', (error) => log?.warn({ error, role }, 'redis connection error'));
  return redis;
}
