import { randomUUID } from 'node:crypto';
import type { Redis } from '@conveyor/queue';

// Compare-and-act in one step: only the holder renews or frees the lease.
const RENEW = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end return 0`;
const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;

/**
 * The reconciler's leader lease in Redis: one holder at a time, taken with SET NX, renewed and freed
 * atomically by its holder only, and expiring by itself `ttlMs` after the holder last renewed it.
 */
export function createLeaderLease(redis: Redis, key: string, ttlMs: number) {
  const holder = randomUUID();
  const renew = async (): Promise<boolean> => Number(await redis.eval(RENEW, 1, key, holder, ttlMs)) === 1;
  return {
    /** Takes the lease if nobody holds it, or renews it if this process does. */
    async acquire(): Promise<boolean> {
      if ((await redis.set(key, holder, 'PX', ttlMs, 'NX')) === 'OK') return true;
      return renew();
    },
    renew,
    async release(): Promise<void> {
      await redis.eval(RELEASE, 1, key, holder);
    },
  };
}
