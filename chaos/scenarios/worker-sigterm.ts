import { sleep } from '../cleanup';
import type { Scenario } from '../suite';

export const workerSigterm: Scenario = {
  name: 'worker-sigterm',
  description: 'A worker is SIGTERMed every 10 s, 5 times, and replaced at once; exit codes and times to exit are recorded.',
  perSecond: (runs) => Math.max(1, runs / 55),
  async fault(ctx) {
    const stops: Promise<unknown>[] = [];
    for (let i = 0; i < 5; i++) {
      await sleep(10_000);
      const victim = ctx.platform.pickWorker();
      if (victim) stops.push(ctx.platform.replace(victim, 'SIGTERM'));
    }
    await Promise.all(stops);
    ctx.note(`exits: ${ctx.platform.exits.map((e) => `${e.code} in ${(e.exitMs / 1000).toFixed(1)} s`).join(', ')}.`);
  },
};
