// Scenario 8 — issue 15's rows: a map's items/s (map.ts) and the cost of waiting runs (waiting.ts), with a
// Conveyor worker of their own (the bench's settings, its reconciler at its defaults), warmed up first.

import { conveyorDriver } from '../lib/drivers';
import type { BenchEnvironment } from '../lib/environment';
import { flowClients } from '../lib/flow-clients';
import type { Cleanups } from '../lib/guarded';
import { warmUp } from '../lib/measure';
import type { Plan } from '../lib/plan';
import { startConveyorWorker, type WorkerOptions } from '../lib/processes';
import type { Report } from '../lib/report';
import { measureMaps } from './map';
import { measureWaitingRuns } from './waiting';

export async function measureFlow(
  env: BenchEnvironment,
  plan: Plan,
  report: Report,
  options: WorkerOptions,
  /** The caller's cleanups (run on SIGINT or by its hang guard): the scenario adds the stop of what it starts. */
  cleanups: Cleanups,
  parts: { maps: boolean; waiting: boolean } = { maps: true, waiting: true },
): Promise<void> {
  const stops: (() => Promise<void>)[] = [];
  let stopping: Promise<void> | undefined;
  const stopAll = () => {
    stopping ??= (async () => {
      for (const stop of stops.splice(0).reverse())
        await stop().catch((error: unknown) => console.error('flow scenario cleanup:', error));
    })();
    return stopping;
  };
  cleanups.push(stopAll);
  try {
    const driver = await conveyorDriver(env);
    stops.push(() => driver.close());
    const clients = await flowClients(env);
    stops.push(() => clients.close());
    const worker = await startConveyorWorker(env, 'flow-worker', options);
    stops.push(() => worker.stop());
    await warmUp(env, driver, plan.warmupRuns);
    if (parts.maps) await measureMaps(env, plan, report, driver);
    if (parts.waiting) await measureWaitingRuns(env, plan, report, { driver, clients, workerPid: worker.pid });
  } finally {
    await stopAll();
  }
}
