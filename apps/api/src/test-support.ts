import { loadApiConfig } from '@conveyor/config';
import { createLogger, createMetricsRegistry } from '@conveyor/observability';
import { createProducers, createRedisConnection, type Producers } from '@conveyor/queue';
import { createTestDatabase, type TestDatabase, testServices, uniqueSuffix } from '@conveyor/testing';
import { buildApp, type ConveyorApp } from './app';

export const TEST_HOOK_SECRET = 'test-hook-secret-0123456789';

export interface TestApi {
  app: ConveyorApp;
  db: TestDatabase;
  producers: Producers;
  queuePrefix: string;
  close(): Promise<void>;
}

/** The api wired to a database and a queue prefix of its own; only test files import this. */
export async function createTestApi(
  options: { label?: string; redisUrl?: string; db?: TestDatabase; queuePrefix?: string } = {},
): Promise<TestApi> {
  const db = options.db ?? (await createTestDatabase(options.label ?? 'api'));
  const redisUrl = options.redisUrl ?? testServices().redisUrl;
  const queuePrefix = options.queuePrefix ?? `conveyor-test-${uniqueSuffix()}`;
  const config = loadApiConfig({
    DATABASE_URL: db.url,
    REDIS_URL: redisUrl,
    QUEUE_PREFIX: queuePrefix,
    CONVEYOR_HOOK_SECRET: TEST_HOOK_SECRET,
  });
  const redis = createRedisConnection(redisUrl, 'producer');
  await redis.connect().catch(() => undefined);
  const producers = createProducers({ connection: redis, prefix: queuePrefix });
  const log = createLogger({ service: 'api', level: 'silent' });
  const app = await buildApp({ config, log, prisma: db.prisma, redis, producers, metrics: createMetricsRegistry('api') });
  return {
    app,
    db,
    producers,
    queuePrefix,
    async close() {
      await app.close();
      await producers.close().catch(() => undefined);
      redis.disconnect();
      if (!options.db) await db.drop();
    },
  };
}
