import { sleep } from '../cleanup';
import type { Scenario } from '../suite';

export const workerSigkill: Scenario = {
  name: 'worker-sigkill',
  description: 'While the load runs, a worker is SIGKILLed every 2 s and a replacement is started at once.',
  perSecond: (runs) => Math.max(1, runs / 30),
  async fault(ctx) {
    const replacements: Promise<unknown>[] = [];
    await sleep(3_000);
    for (let i = 0; i < 60 && !ctx.loadDone(); i++) {
      const victim = ctx.platform.pickWorker();
      if (victim) replacements.push(ctx.platform.replace(victim, 'SIGKILL'));
      await sleep(2_000);
    }
    await Promise.all(replacements);
    ctx.details.kills = ctx.platform.exits.length;
  },
};
