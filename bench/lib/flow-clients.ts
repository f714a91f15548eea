// What scenario 8 calls besides starting runs, from the worker's own composition in the bench's process
// (as the worker's tests do): the run use cases the api calls for an event (`runs.sendEvent`, as POST
// /v1/events does), and one reconciler pass (`reconcileOnce`, as the worker's reconciler runs it).
import { loadWorkerConfig } from '@conveyor/config';
import { createLogger } from '@conveyor/observability';
import type { Runs } from '@conveyor/runs';
import { composeWorker } from '../../apps/worker/src/deps/compose';
import { type Repairs, reconcileOnce } from '../../apps/worker/src/reconciler/reconciler';
import type { BenchEnvironment } from './environment';
import { WORKER_LOG_DATABASE } from './processes';

export interface FlowClients {
  runs: Runs;
  /**
   * One reconciler pass over every tenant, as the worker's periodic one runs it between log sweeps (the
   * log sweep left out: on FerretDB it reads the whole log store, and the worker does it hourly); ms.
   */
  reconcilePass(): Promise<{ ms: number; repairs: Repairs }>;
  close(): Promise<void>;
}

export async function flowClients(env: BenchEnvironment): Promise<FlowClients> {
  const config = loadWorkerConfig({
    DATABASE_URL: env.databaseUrl,
    DATABASE_POOL_SIZE: '4',
    REDIS_URL: env.redisUrl,
    QUEUE_PREFIX: env.queuePrefix,
    MONGO_URL: env.mongoDb(WORKER_LOG_DATABASE).url,
  });
  const worker = await composeWorker(config, createLogger({ service: 'bench', level: 'warn' }));
  const { deps } = worker;
  return {
    runs: deps.runs,
    async reconcilePass() {
      const started = performance.now();
      const repairs = await reconcileOnce(deps, config.reconciler.staleAfterMs, { sweepLogs: false });
      return { ms: performance.now() - started, repairs };
    },
    close: () => worker.close(),
  };
}
