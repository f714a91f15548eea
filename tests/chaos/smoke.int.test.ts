import { afterAll, describe, expect, it } from 'vitest';
import { cleanupAll, sleep } from '../../chaos/cleanup';
import { runScenario, type Scenario, startServices } from '../../chaos/suite';

// The chaos suite in small (`npm run chaos` is the full one): its own PostgreSQL, Redis and FerretDB, an api and
// two workers, 30 webhook runs, one worker SIGKILLed (and replaced) and one Redis restart (AOF kept) mid-load.

const smoke: Scenario = {
  name: 'smoke',
  description: 'one worker SIGKILLed, then Redis restarted, during 30 runs',
  perSecond: (runs) => runs / 12,
  async fault(ctx) {
    await sleep(3_000);
    const victim = ctx.platform.pickWorker();
    if (victim) await ctx.platform.replace(victim, 'SIGKILL');
    await sleep(1_000);
    await ctx.services.redis.restart({ downMs: 2_000 });
  },
};

afterAll(async () => {
  await cleanupAll();
}, 60_000);

describe('chaos smoke', () => {
  it('loses no run, leaves none unfinished and succeeds no step twice through a worker kill and a Redis restart', async () => {
    const lines: string[] = [];
    const services = await startServices((line) => lines.push(line));
    const card = await runScenario(services, smoke, { runs: 30, drainTimeoutMs: 45_000, log: (line) => lines.push(line) }, null);
    // While Redis is down the api answers 503 (and only 503); every run it accepted must finish.
    expect(Object.keys(card.api5xx).every((key) => key.startsWith('503 '))).toBe(true);
    expect(card.accepted + (card.apiStatuses['503'] ?? 0)).toBe(30);
    expect(card.accepted).toBeGreaterThan(0);
    expect(card.workerExits.map((exit) => exit.code)).toEqual([137]);
    expect({
      lost: card.lost,
      notTerminal: card.notTerminal,
      stepsSucceededNot1: card.stepsSucceededNot1,
      succeededLoggedTwice: card.succeededLoggedTwice,
    }).toEqual({
      lost: 0,
      notTerminal: 0,
      stepsSucceededNot1: 0,
      succeededLoggedTwice: 0,
    });
  }, 110_000);
});
