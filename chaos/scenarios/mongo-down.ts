import { sleep } from '../cleanup';
import type { Scenario } from '../suite';

export const mongoDown: Scenario = {
  name: 'mongo-down',
  description:
    'FerretDB is stopped 5 s into the load for 30 s; during the outage a replacement worker is started (25 s to become ready).',
  perSecond: (runs) => Math.max(1, runs / 45),
  async fault(ctx) {
    await sleep(5_000);
    await ctx.services.ferret.stop();
    const downAt = Date.now();
    const apiReady = await fetch(`${ctx.platform.apiUrl}/readyz`, { signal: AbortSignal.timeout(5_000) })
      .then((r) => String(r.status))
      .catch((error: Error) => error.name);
    ctx.details.apiReadyzDuringOutage = apiReady;
    ctx.note(`api /readyz during the outage: ${apiReady}.`);
    try {
      const worker = await ctx.platform.startWorker({ readyTimeoutMs: 25_000 - (Date.now() - downAt) });
      ctx.platform.workers.push(worker);
      ctx.note('A worker started during the outage became ready.');
      ctx.details.workerStartedDuringOutage = true;
    } catch (error) {
      const exit = /exited with (\d+)/.exec(String(error))?.[1];
      ctx.note(`A worker started during the outage did not become ready${exit ? ` (exited with ${exit})` : ''}.`);
      ctx.details.workerStartedDuringOutage = false;
      ctx.details.workerStartError = String(error).slice(0, 400);
    }
    await sleep(Math.max(0, 30_000 - (Date.now() - downAt)));
    await ctx.services.ferret.start();
  },
};
