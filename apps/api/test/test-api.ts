import { mintToken } from '@conveyor/auth';
import { loadApiConfig } from '@conveyor/config';
import type { LogStore } from '@conveyor/logs';
import { createLogger } from '@conveyor/observability';
import type { Queues } from '@conveyor/queue';
import {
  createTestDatabase,
  createTestMongo,
  type TestDatabase,
  type TestMongo,
  testServices,
  uniqueSuffix,
} from '@conveyor/testing';
import { buildApp, type ConveyorApp, type Surface } from '../src/app';
import { composeApi } from '../src/compose';

export const TEST_HOOK_SECRET = 'test-hook-secret-0123456789';

export interface TestApi {
  app: ConveyorApp;
  db: TestDatabase;
  mongo: TestMongo;
  logStore: LogStore;
  /** A bearer token for a member of a tenant, signed with the api's test key. */
  tokenFor(caller: { tenantId: string; userId: string }): Promise<string>;
  /** The api's queues, to look at the jobs it added. */
  queues: Queues;
  queuePrefix: string;
  close(): Promise<void>;
}

/** The api wired to a database and a queue prefix of its own; only test files import this. */
export async function createTestApi(
  options: {
    label?: string;
    redisUrl?: string;
    databaseUrl?: string;
    mongoUrl?: string;
    db?: TestDatabase;
    queuePrefix?: string;
    /** Settings on top of the test defaults (env names, as in production). */
    env?: Record<string, string>;
    /** Which listener's routes to build (default: all of them, as in development). */
    surface?: Surface;
  } = {},
): Promise<TestApi> {
  const db = options.db ?? (await createTestDatabase(options.label ?? 'api'));
  const redisUrl = options.redisUrl ?? testServices().redisUrl;
  const queuePrefix = options.queuePrefix ?? `conveyor-test-${uniqueSuffix()}`;
  const mongo = await createTestMongo(options.label ?? 'api');
  const config = loadApiConfig({
    DATABASE_URL: options.databaseUrl ?? db.url,
    DATABASE_POOL_SIZE: '4',
    REDIS_URL: redisUrl,
    MONGO_URL: options.mongoUrl ?? mongo.url,
    QUEUE_PREFIX: queuePrefix,
    CONVEYOR_HOOK_SECRET: TEST_HOOK_SECRET,
    LOG_TAIL_POLL_MS: '50',
    ...options.env,
  });
  // The same composition as main.ts; a test may point it at an unreachable Redis (`/readyz` reports it).
  const composed = await composeApi(config, createLogger({ service: 'api', level: 'silent' }), { requireRedis: false });
  const { queues, redis, logStore } = composed.deps;
  const app = await buildApp(composed.deps, options.surface);
  return {
    app,
    db,
    mongo,
    logStore,
    tokenFor: (caller) => mintToken(caller, config.auth),
    queues,
    queuePrefix,
    async close() {
      await app.close();
      await queues.close().catch(() => undefined);
      // Closing a queue writes its meta key: the prefix is cleared after it (when Redis is reachable).
      const keys = await redis.keys(`${queuePrefix}*`).catch(() => []);
      if (keys.length > 0) await redis.del(...keys);
      await composed.close();
      await mongo.drop();
      if (!options.db) await db.drop();
    },
  };
}
