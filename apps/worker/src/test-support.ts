import { type Action, coreActions, createActionRegistry } from '@conveyor/actions';
import { loadWorkerConfig } from '@conveyor/config';
import { createBatchingWriter, createMongoLogStore } from '@conveyor/logs';
import { createLogger, createMetricsRegistry, createPipelineMetrics, type Registry } from '@conveyor/observability';
import { createProducers, createRedisConnection, type Redis } from '@conveyor/queue';
import { createKeyring, parseKeys } from '@conveyor/secrets';
import {
  createTestDatabase,
  createTestMongo,
  type TestDatabase,
  type TestMongo,
  testServices,
  uniqueSuffix,
} from '@conveyor/testing';
import type { WorkerDeps } from './deps';
import { createAbortRegistry } from './execution/abort-registry';
import { createDefinitionCache } from './execution/definition-cache';

export interface TestWorkerDeps {
  deps: WorkerDeps;
  db: TestDatabase;
  mongo: TestMongo;
  /** The Prometheus registry the pipeline metrics are in. */
  registry: Registry;
  /** A connection for BullMQ Workers (blocking commands). */
  blocking: Redis;
  close(): Promise<void>;
}

/** Worker dependencies on a database and queue prefix of their own; only test files import this. */
export async function createTestWorkerDeps(
  label = 'worker',
  env: Record<string, string> = {},
  extraActions: Action[] = [],
): Promise<TestWorkerDeps> {
  const db = await createTestDatabase(label);
  const queuePrefix = `conveyor-test-${label}-${uniqueSuffix()}`;
  const mongo = await createTestMongo(label);
  const config = loadWorkerConfig({
    DATABASE_URL: db.url,
    REDIS_URL: testServices().redisUrl,
    MONGO_URL: mongo.url,
    QUEUE_PREFIX: queuePrefix,
    ...env,
  });
  const log = createLogger({ service: 'worker', level: 'silent' });
  const logStore = createMongoLogStore({ url: mongo.url, retentionDays: config.logRetentionDays, log });
  const { retention } = await logStore.init();
  const producer = createRedisConnection(config.redis.url, 'producer');
  const blocking = createRedisConnection(config.redis.url, 'worker');
  await Promise.all([producer.connect(), blocking.connect()]);
  const registry = createMetricsRegistry('worker');
  const deps: WorkerDeps = {
    config,
    log,
    prisma: db.prisma,
    pool: db.pool,
    producers: createProducers({ connection: producer, prefix: queuePrefix }),
    actions: createActionRegistry([...coreActions, ...extraActions]),
    definitions: createDefinitionCache(),
    aborts: createAbortRegistry(),
    keyring: createKeyring(parseKeys(config.connections.keys), config.connections.activeKeyId),
    logs: createBatchingWriter({ store: logStore, log, flushIntervalMs: 50 }),
    logStore,
    sweepLogs: retention === 'sweep',
    metrics: createPipelineMetrics(registry),
    now: Date.now,
  };
  return {
    deps,
    db,
    mongo,
    registry,
    blocking,
    async close() {
      await deps.logs.close();
      await logStore.close();
      await mongo.drop();
      await deps.producers.close(); // closing a queue writes its meta key: delete after it
      const keys = await producer.keys(`${queuePrefix}*`);
      if (keys.length > 0) await producer.del(...keys);
      producer.disconnect();
      blocking.disconnect();
      await db.drop();
    },
  };
}
