import { type Action, coreActions, createActionRegistry } from '@conveyor/actions';
import type { WorkerConfig } from '@conveyor/config';
import { createDatabase } from '@conveyor/db';
import {
  type BatchingWriterOptions,
  createBatchingWriter,
  createMongoLogStore,
  keepInitialising,
  type RetentionMode,
} from '@conveyor/logs';
import { createMetricsRegistry, createPipelineMetrics, type Logger, type Registry } from '@conveyor/observability';
import {
  createProducers,
  createQueues,
  createRateLimits,
  createRedisConnection,
  createTenantAdmission,
  type Redis,
} from '@conveyor/queue';
import { createRuns } from '@conveyor/runs';
import { createKeyring, parseKeys } from '@conveyor/secrets';
import { createExpressionPool } from '../expressions/expression-pool';
import { createAbortRegistry } from './abort-registry';
import { createDefinitionCache } from './definition-cache';
import type { WorkerDeps } from './worker-deps';

export interface WorkerOptions {
  /** Actions besides the core app's (tests add their own). */
  extraActions?: Action[];
  /** Overrides of the log writer's batching (tests flush sooner). */
  logWriter?: Pick<BatchingWriterOptions, 'flushIntervalMs'>;
}

export interface ComposedWorker {
  deps: WorkerDeps;
  /** For BullMQ Workers (blocking commands). */
  blocking: Redis;
  /** For commands that must not block: adds, the reconciler's lease, probes. */
  producer: Redis;
  /** For pub/sub: cancellations. */
  subscriber: Redis;
  registry: Registry;
  /** Drains the log writer, then closes every connection. */
  close(): Promise<void>;
}

/** The worker's one composition: connections, stores and use cases from its config; used by main.ts and by the tests. */
export async function composeWorker(
  config: Readonly<WorkerConfig>,
  log: Logger,
  options: WorkerOptions = {},
): Promise<ComposedWorker> {
  const database = createDatabase({ ...config.database, log });
  const blocking = createRedisConnection(config.redis.url, 'worker', log);
  const producer = createRedisConnection(config.redis.url, 'producer', log);
  const subscriber = createRedisConnection(config.redis.url, 'worker', log);
  await Promise.all([blocking.connect(), producer.connect(), subscriber.connect()]);
  const registry = createMetricsRegistry('worker');
  const metrics = createPipelineMetrics(registry);
  const logStore = createMongoLogStore({ url: config.mongo.url, retentionDays: config.logRetentionDays, log });
  // The log store is off the run path: the worker starts while it is down (lines buffer up to the
  // writer's bound), and initialises it once it is back; until then it sweeps, which works on any store.
  let retention: RetentionMode = 'sweep';
  const initialising = keepInitialising(logStore, log, { onReady: (mode) => (retention = mode) });
  await initialising.firstAttempt;
  const prefix = config.redis.queuePrefix;
  const queues = createQueues({ connection: producer, prefix });
  const producers = createProducers({ connection: producer, prefix, queues });
  const deps: WorkerDeps = {
    settings: {
      queuePrefix: prefix,
      concurrency: config.concurrency,
      lockDurationMs: config.lockDurationMs,
      reconciler: config.reconciler,
      allowPrivateNetworks: config.actions.allowPrivateNetworks,
      scheduleMinIntervalMs: config.schedules.minIntervalMs,
      stepOutputMaxBytes: config.payloads.stepOutputBytes,
      expressionBudgetMs: config.expressions.budgetMs,
    },
    log,
    prisma: database.prisma,
    pool: database.pool,
    redis: producer,
    queues,
    producers,
    admission: createTenantAdmission(producer, prefix, queues.runs),
    rateLimits: createRateLimits(producer, prefix),
    runs: createRuns({ pool: database.pool, producers, log, metrics }),
    actions: createActionRegistry([...coreActions, ...(options.extraActions ?? [])]),
    expressions: createExpressionPool({
      processes: config.expressions.processes,
      maxHeapMb: config.expressions.maxHeapMb,
      timeoutMs: config.expressions.budgetMs,
      maxResultBytes: config.expressions.maxResultBytes,
    }),
    definitions: createDefinitionCache(),
    aborts: createAbortRegistry(),
    keyring: createKeyring(parseKeys(config.connections.keys), config.connections.activeKeyId),
    logWriter: createBatchingWriter({
      store: logStore,
      log,
      metrics: registry,
      // The drain ends within the shutdown grace period, so the process exits 0 with its lines written.
      drainTimeoutMs: Math.max(1_000, config.shutdownGraceMs - 5_000),
      ...options.logWriter,
    }),
    logStore,
    get sweepLogs() {
      return retention === 'sweep';
    },
    metrics,
    now: Date.now,
  };
  return {
    deps,
    blocking,
    producer,
    subscriber,
    registry,
    async close() {
      initialising.stop();
      await deps.logWriter.close(); // every buffered execution log line reaches the store before exit
      await Promise.allSettled([queues.close(), database.close(), logStore.close(), deps.expressions.close()]);
      for (const connection of [blocking, producer, subscriber]) connection.disconnect();
    },
  };
}
