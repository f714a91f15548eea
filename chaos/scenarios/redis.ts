import { sleep } from '../cleanup';
import type { Scenario } from '../suite';

function redisScenario(wipe: boolean): Scenario {
  return {
    name: wipe ? 'redis-wiped' : 'redis-restart',
    description: wipe
      ? 'Redis is stopped 10 s into the load, its data directory deleted, and started again empty 5 s later.'
      : 'Redis is stopped (SIGTERM, AOF kept) 10 s into the load and started again 5 s later.',
    perSecond: (runs) => Math.max(1, runs / 30),
    async fault(ctx) {
      await sleep(10_000);
      const started = Date.now();
      await ctx.services.redis.restart({ wipe, downMs: 5_000 });
      ctx.details.redisDownMs = Date.now() - started;
    },
  };
}

export const redisRestart = redisScenario(false);
export const redisWiped = redisScenario(true);
