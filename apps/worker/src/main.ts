import { loadTracingConfig, loadWorkerConfig } from '@conveyor/config';
import { createLogger, registerQueueGauges } from '@conveyor/observability';
import { startTracing, stopTracing } from '@conveyor/observability/tracing';
import { snapshotQueue, subscribeCancellations } from '@conveyor/queue';
import { composeWorker } from './deps/compose';
import { createHealthServer } from './health-server';
import { createReconciler } from './reconciler/reconciler';
import { createRunWorker } from './runs/run.worker';
import { createShutdown } from './shutdown';
import { createStepWorker } from './steps/step.worker';
import { createCanary } from './workers/canary';

// Composition root: traces (off unless OTEL_* names an OTLP destination), config → composeWorker → queue
// workers, reconciler, probes; SIGTERM drains them.
async function main(): Promise<void> {
  startTracing(loadTracingConfig('conveyor-worker'));
  const config = loadWorkerConfig();
  const log = createLogger({ service: 'worker', level: config.logLevel, pretty: config.nodeEnv === 'development' });
  const worker = await composeWorker(config, log);
  const { deps, blocking, registry } = worker;
  registerQueueGauges(registry, () => Promise.all([snapshotQueue(deps.queues.runs), snapshotQueue(deps.queues.steps)]));
  await subscribeCancellations(worker.subscriber, config.redis.queuePrefix, (runId) => {
    const aborted = deps.aborts.abortRun(runId, 'run was cancelled');
    if (aborted > 0) log.info({ workflowRunId: runId, aborted }, 'aborted running steps of a cancelled run');
  });

  await deps.expressions.start(); // the first steps do not wait for expression processes to start
  const workers = [createRunWorker(deps, blocking), createStepWorker(deps, blocking)];
  for (const queueWorker of workers) queueWorker.on('error', (error) => log.error({ error }, 'worker error'));
  const canary = createCanary({ connection: blocking, prefix: config.redis.queuePrefix, intervalMs: 5_000 });
  const reconciler = createReconciler(deps, worker.producer);
  reconciler.start();

  const health = createHealthServer(
    {
      postgres: () => deps.pool.query('SELECT 1'),
      redis: () => worker.producer.ping(),
      consuming: async () => {
        if (!workers.every((queueWorker) => queueWorker.isRunning())) throw new Error('a queue worker is not running');
        await canary.check();
      },
    },
    registry,
    { logStore: () => deps.logStore.ping() }, // off the run path: lines buffer while it is down
  );
  health.listen(config.http.port, config.http.host);
  log.info({ concurrency: config.concurrency, port: config.http.port }, 'worker started');

  const shutdown = createShutdown({
    log,
    graceMs: config.shutdownGraceMs,
    consumers: [...workers, canary],
    reconciler,
    composed: worker,
    health,
    exit: (code) => void stopTracing().finally(() => process.exit(code)),
  });
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
