import type { Redis } from './connection';

/** Waiting scores carry the priority above this many milliseconds of age (see `waitingScore`). */
export const PRIORITY_UNIT = 2 ** 42;

// Admits a run when its concurrency group (if it has one) and its tenant each have a free slot, else
// lists it as waiting, scored by priority, then age (from its first refusal on), and notes that it asked.
// A group's slots go in its waiting order: none to a newcomer while a run listed before it still asks.
// A tenant's free slot goes to whoever asks first among runs of one priority, but never to a run while
// one of higher priority is owed it. A run refused by its group waits on the group's list only, so that
// it holds back no other run of its tenant. A listed run that has not asked for `stale` ms (its job is
// gone or stuck) is owed nothing and taken off the list.
// KEYS = the tenant's running set, backlog counter, waiting set, last-asked hash; the group's running
// set, waiting set, last-asked hash; the tenant's run → group hash.
// ARGV = runId, max, now, score, stale, the group's max (0: no group), the group's id.
// Returns 1 admitted, 2 already running, 0 refused by the tenant, 3 refused by the group.
const ADMIT = `
local run, now, stale = ARGV[1], tonumber(ARGV[3]), tonumber(ARGV[5])
if redis.call('ZSCORE', KEYS[1], run) then return 2 end
local function list(waiting, asked)
  redis.call('ZADD', waiting, 'NX', ARGV[4], run)
  redis.call('HSET', asked, run, ARGV[3])
end
local function unlist(waiting, asked)
  redis.call('ZREM', waiting, run)
  redis.call('HDEL', asked, run)
end
-- Whether a fresh waiting run is ahead of this one (passing over, and dropping, stale ones).
local function ahead(waiting, asked, blocks)
  for i = 1, 10 do
    local best = redis.call('ZRANGE', waiting, 0, 0, 'WITHSCORES')
    if #best == 0 or best[1] == run or not blocks(tonumber(best[2])) then return false end
    if now - tonumber(redis.call('HGET', asked, best[1]) or '0') <= stale then return true end
    redis.call('ZREM', waiting, best[1])
    redis.call('HDEL', asked, best[1])
  end
  return false
end
local grouped = tonumber(ARGV[6]) > 0
if grouped then
  redis.call('HSET', KEYS[8], run, ARGV[7])
  local mine = tonumber(redis.call('ZSCORE', KEYS[6], run) or ARGV[4])
  if redis.call('ZCARD', KEYS[5]) >= tonumber(ARGV[6]) or ahead(KEYS[6], KEYS[7], function(score) return score <= mine end) then
    list(KEYS[6], KEYS[7])
    unlist(KEYS[3], KEYS[4])
    return 3
  end
end
local rank = math.floor(tonumber(ARGV[4]) / ${PRIORITY_UNIT})
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2])
  or ahead(KEYS[3], KEYS[4], function(score) return math.floor(score / ${PRIORITY_UNIT}) < rank end) then
  list(KEYS[3], KEYS[4])
  if grouped then list(KEYS[6], KEYS[7]) end
  return 0
end
redis.call('ZADD', KEYS[1], ARGV[3], run)
unlist(KEYS[3], KEYS[4])
if grouped then
  redis.call('ZADD', KEYS[5], ARGV[3], run)
  unlist(KEYS[6], KEYS[7])
end
if redis.call('DECR', KEYS[2]) < 0 then redis.call('SET', KEYS[2], 0) end
return 1`;

// Frees a run's slots (and its places on the waiting lists); answers the best waiting run of the tenant
// and of the group ('' for none), to be woken.
// KEYS = the tenant's running set, waiting set, last-asked hash; the group's; the run → group hash.
// ARGV = runId.
const RELEASE = `
for _, i in ipairs({ 1, 2, 4, 5 }) do redis.call('ZREM', KEYS[i], ARGV[1]) end
for _, i in ipairs({ 3, 6, 7 }) do redis.call('HDEL', KEYS[i], ARGV[1]) end
return { redis.call('ZRANGE', KEYS[2], 0, 0)[1] or '', redis.call('ZRANGE', KEYS[5], 0, 0)[1] or '' }`;

/** The connection with the scripts registered: ioredis sends them by their SHA (EVALSHA), loading each once. */
export type AdmissionRedis = Redis & {
  conveyorAdmitRun(...args: (string | number)[]): Promise<number>;
  conveyorReleaseRun(...args: string[]): Promise<[string, string]>;
};

export function withAdmissionScripts(redis: Redis): AdmissionRedis {
  const registered = redis as AdmissionRedis;
  if (typeof registered.conveyorAdmitRun !== 'function') redis.defineCommand('conveyorAdmitRun', { numberOfKeys: 8, lua: ADMIT });
  if (typeof registered.conveyorReleaseRun !== 'function')
    redis.defineCommand('conveyorReleaseRun', { numberOfKeys: 7, lua: RELEASE });
  return registered;
}
