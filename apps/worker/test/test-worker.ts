import type { Action } from '@conveyor/actions';
import { loadWorkerConfig, type WorkerConfig } from '@conveyor/config';
import { createLogger, type Logger, type Registry } from '@conveyor/observability';
import { createRedisConnection, type Redis } from '@conveyor/queue';
import {
  createTestDatabase,
  createTestMongo,
  type TestDatabase,
  type TestMongo,
  testServices,
  uniqueSuffix,
} from '@conveyor/testing';
import { composeWorker } from '../src/deps/compose';
import type { WorkerDeps } from '../src/deps/worker-deps';
import { createRunWorker } from '../src/runs/run.worker';
import { createStepWorker } from '../src/steps/step.worker';

export interface TestWorkerDeps {
  deps: WorkerDeps;
  config: Readonly<WorkerConfig>;
  db: TestDatabase;
  mongo: TestMongo;
  /** The Prometheus registry the pipeline metrics are in. */
  registry: Registry;
  /** A connection for BullMQ Workers (blocking commands). */
  blocking: Redis;
  close(): Promise<void>;
}

export interface TestWorkerOptions {
  /** The process log (default: silent). */
  log?: Logger;
}

/** The worker's own composition on a database, a queue prefix and a log database of their own. */
export async function createTestWorkerDeps(
  label = 'worker',
  env: Record<string, string> = {},
  extraActions: Action[] = [],
  options: TestWorkerOptions = {},
): Promise<TestWorkerDeps> {
  const db = await createTestDatabase(label);
  const queuePrefix = `conveyor-test-${label}-${uniqueSuffix()}`;
  const mongo = await createTestMongo(label);
  const config = loadWorkerConfig({
    DATABASE_URL: db.url,
    REDIS_URL: testServices().redisUrl,
    MONGO_URL: mongo.url,
    QUEUE_PREFIX: queuePrefix,
    DATABASE_POOL_SIZE: '4',
    ...env,
  });
  const log = options.log ?? createLogger({ service: 'worker', level: 'silent' });
  const worker = await composeWorker(config, log, { extraActions, logWriter: { flushIntervalMs: 50 } });
  return {
    deps: worker.deps,
    config,
    db,
    mongo,
    registry: worker.registry,
    blocking: worker.blocking,
    async close() {
      await worker.close();
      await mongo.drop();
      await db.drop();
      // Closing a queue writes its meta key: the prefix is cleared after it.
      const redis = createRedisConnection(config.redis.url, 'producer');
      await redis.connect();
      const keys = await redis.keys(`${queuePrefix}*`);
      if (keys.length > 0) await redis.del(...keys);
      redis.disconnect();
    },
  };
}

/** A connection of the tenant holding `credentials`, sealed with the worker's keyring; its id. */
export async function storeConnection(t: TestWorkerDeps, tenantId: string, credentials: unknown, name = 'api'): Promise<string> {
  const sealed = t.deps.keyring.seal(credentials);
  const connection = await t.db.prisma.connection.create({
    data: { tenantId, name, credentialsCiphertext: Buffer.from(sealed.ciphertext), credentialsKeyId: sealed.keyId },
  });
  return connection.id;
}

/** Two replicas on one database and one queue prefix: `t` and a second worker, each with its run and step Workers. */
export async function startTwoReplicas(t: TestWorkerDeps): Promise<{ second: WorkerDeps; close(): Promise<void> }> {
  const second = await composeWorker(t.config, createLogger({ service: 'worker', level: 'silent' }), {
    logWriter: { flushIntervalMs: 50 },
  });
  const replicas = [
    [t.deps, t.blocking],
    [second.deps, second.blocking],
  ] as const;
  const workers = replicas.flatMap(([deps, blocking]) => [createRunWorker(deps, blocking), createStepWorker(deps, blocking)]);
  return {
    second: second.deps,
    async close() {
      await Promise.all(workers.map((worker) => worker.close()));
      await second.close();
    },
  };
}
