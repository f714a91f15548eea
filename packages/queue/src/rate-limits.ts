import { createHash } from 'node:crypto';
import type { Redis } from './connection';

// A token bucket per key, on Redis's clock (every worker shares it): full at `limit` tokens, refilled at
// `limit` per `perMs`. Takes one token, or answers how long until one is due. KEYS = the bucket; ARGV =
// limit, perMs. The bucket expires once it would be full again.
const TAKE = `
local limit = tonumber(ARGV[1])
local per = tonumber(ARGV[2])
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(state[1]) or limit
local at = tonumber(state[2]) or now
tokens = math.min(limit, tokens + math.max(0, now - at) * limit / per)
local wait = 0
if tokens >= 1 then tokens = tokens - 1 else wait = math.ceil((1 - tokens) * per / limit) end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', now)
redis.call('PEXPIRE', KEYS[1], per + wait)
return wait`;

type RateRedis = Redis & { conveyorTakeToken(bucket: string, limit: number, perMs: number): Promise<number> };

function withScript(redis: Redis): RateRedis {
  const registered = redis as RateRedis;
  if (typeof registered.conveyorTakeToken !== 'function')
    redis.defineCommand('conveyorTakeToken', { numberOfKeys: 1, lua: TAKE });
  return registered;
}

/** Which budget a run or an attempt draws on: a tenant's named key, or one of its own (`owner` names it). */
export type RateBucket = { tenantId: string } & ({ key: string } | { owner: string });

/**
 * Rate limits per key across every worker (`rateLimit` of a step): `take` spends one attempt's token, or
 * answers the milliseconds until one is due. Keys are hashed, so a key of any length costs one short Redis key.
 */
export function createRateLimits(connection: Redis, prefix: string) {
  const redis = withScript(connection);
  const bucketKey = (bucket: RateBucket) => {
    const name = 'key' in bucket ? `key:${bucket.key}` : `own:${bucket.owner}`;
    return `${prefix}:rate:${bucket.tenantId}:${createHash('sha256').update(name).digest('base64url')}`;
  };
  return {
    /** 0 when a token was taken; otherwise the wait, in ms, before the next one. */
    take(bucket: RateBucket, limit: { limit: number; perMs: number }): Promise<number> {
      return redis.conveyorTakeToken(bucketKey(bucket), limit.limit, limit.perMs);
    },
  };
}

export type RateLimits = ReturnType<typeof createRateLimits>;
