// What scenario 8 calls besides starting runs, from the worker's own composition in the bench's process
// (as the worker's tests do): the run use cases the api calls for an event (`runs.sendEvent`, as POST
// /v1/events does), and one reconciler pass (`reconcileOnce`, as the worker's reconciler runs it).
import { loadWorkerConfig } from '@conveyor/config';
import { createLogger } from '@conveyor/observability';
import type { Runs } from '@conveyor/runs';
import { composeWorker } from '../../apps/worker/src/deps/compose';
import { type Repairs, reconcileOnce } from '../../apps/worker/src/reconciler/reconciler';
import { replanIdleRuns, restoreRunJobs, restoreTimeoutJobs } from '../../apps/worker/src/reconciler/repair-runs';
import { freeStaleSlots } from '../../apps/worker/src/reconciler/repair-slots';
import { recoverAbandonedSteps, restoreStepJobs } from '../../apps/worker/src/reconciler/repair-steps';
import type { BenchEnvironment } from './environment';
import { WORKER_LOG_DATABASE } from './processes';

/** The reconciler's batch (reconcile-once.ts): rows each of its scans reads at most. */
const REPAIR_BATCH = 500;

export interface FlowClients {
  runs: Runs;
  /**
   * One reconciler pass over every tenant, as the worker's periodic one runs it between log sweeps (the
   * log sweep left out: on FerretDB it reads the whole log store, and the worker does it hourly); ms.
   */
  reconcilePass(): Promise<{ ms: number; repairs: Repairs }>;
  /** The time of the pass's repairs that read every open run or step, each on its own, ms. */
  repairTimes(): Promise<Record<string, number>>;
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
    async repairTimes() {
      const query = { olderThanMs: config.reconciler.staleAfterMs, limit: REPAIR_BATCH };
      const repairs = {
        restoreRunJobs: () => restoreRunJobs(deps, query),
        restoreStepJobs: () => restoreStepJobs(deps, query),
        recoverAbandonedSteps: () => recoverAbandonedSteps(deps, query),
        replanIdleRuns: () => replanIdleRuns(deps, query),
        restoreTimeoutJobs: () => restoreTimeoutJobs(deps, query),
        freeStaleSlots: () => freeStaleSlots(deps),
      };
      const times: Record<string, number> = {};
      for (const [name, repair] of Object.entries(repairs)) {
        const started = performance.now();
        await repair();
        times[name] = performance.now() - started;
      }
      return times;
    },
    close: () => worker.close(),
  };
}
