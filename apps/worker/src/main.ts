import { coreActions, createActionRegistry } from '@conveyor/actions';
import { loadWorkerConfig } from '@conveyor/config';
import { createDatabase } from '@conveyor/db';
import { createBatchingWriter, createMongoLogStore } from '@conveyor/logs';
import { createLogger, createMetricsRegistry, createPipelineMetrics, registerQueueGauges } from '@conveyor/observability';
import { createProducers, createRedisConnection, snapshotQueue, subscribeCancellations } from '@conveyor/queue';
import { createKeyring, parseKeys } from '@conveyor/secrets';
import type { WorkerDeps } from './deps';
import { createAbortRegistry } from './execution/abort-registry';
import { createDefinitionCache } from './execution/definition-cache';
import { createHealthServer } from './health-server';
import { createReconciler } from './reconciler/reconciler';
import { createCanary } from './workers/canary';
import { createRunWorker } from './workers/run.worker';
import { createStepWorker } from './workers/step.worker';

// Composition root: config → connections → workers, reconciler, probes; SIGTERM drains them.
async function main(): Promise<void> {
  const config = loadWorkerConfig();
  const log = createLogger({ service: 'worker', level: config.logLevel, pretty: config.nodeEnv === 'development' });
  const database = createDatabase(config.database);
  const blocking = createRedisConnection(config.redis.url, 'worker', log);
  const producer = createRedisConnection(config.redis.url, 'producer', log);
  const subscriber = createRedisConnection(config.redis.url, 'worker', log);
  await Promise.all([blocking.connect(), producer.connect(), subscriber.connect()]);
  const metrics = createMetricsRegistry('worker');
  const logStore = createMongoLogStore({ url: config.mongo.url, retentionDays: config.logRetentionDays, log });
  const { retention } = await logStore.init();

  const deps: WorkerDeps = {
    config,
    log,
    prisma: database.prisma,
    pool: database.pool,
    producers: createProducers({ connection: producer, prefix: config.redis.queuePrefix }),
    actions: createActionRegistry(coreActions),
    definitions: createDefinitionCache(),
    aborts: createAbortRegistry(),
    keyring: createKeyring(parseKeys(config.connections.keys), config.connections.activeKeyId),
    logs: createBatchingWriter({ store: logStore, log, metrics }),
    logStore,
    sweepLogs: retention === 'sweep',
    metrics: createPipelineMetrics(metrics),
    now: Date.now,
  };
  registerQueueGauges(metrics, () => Promise.all([snapshotQueue(deps.producers.runs), snapshotQueue(deps.producers.steps)]));
  await subscribeCancellations(subscriber, config.redis.queuePrefix, (runId) => {
    const aborted = deps.aborts.abortRun(runId, 'run was cancelled');
    if (aborted > 0) log.info({ workflowRunId: runId, aborted }, 'aborted running steps of a cancelled run');
  });

  const workers = [createRunWorker(deps, blocking), createStepWorker(deps, blocking)];
  for (const worker of workers) worker.on('error', (error) => log.error({ error }, 'worker error'));
  const canary = createCanary({ connection: blocking, prefix: config.redis.queuePrefix, intervalMs: 5_000 });
  const reconciler = createReconciler(deps, producer);
  reconciler.start();

  const health = createHealthServer(
    {
      postgres: () => database.pool.query('SELECT 1'),
      redis: () => producer.ping(),
      logStore: () => logStore.ping(),
      consuming: async () => {
        if (!workers.every((worker) => worker.isRunning())) throw new Error('a queue worker is not running');
        await canary.check();
      },
    },
    metrics,
  );
  health.listen(config.http.port, config.http.host);
  log.info({ concurrency: config.concurrency, port: config.http.port }, 'worker started');

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal, graceMs: config.shutdownGraceMs }, 'shutting down: no new jobs, letting active steps finish');
    const grace = setTimeout(() => {
      log.warn('grace period over: exiting with steps still active; their jobs will be retried as stalled');
      process.exit(1);
    }, config.shutdownGraceMs);
    await reconciler.stop();
    await Promise.all([...workers.map((worker) => worker.close()), canary.close()]);
    await deps.logs.close(); // every buffered execution log line reaches the store before exit
    clearTimeout(grace);
    health.close();
    await Promise.allSettled([deps.producers.close(), database.close(), logStore.close()]);
    for (const connection of [blocking, producer, subscriber]) connection.disconnect();
    log.info('worker stopped');
    process.exit(0);
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
