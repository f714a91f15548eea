import { loadApiConfig } from '@conveyor/config';
import { createDatabase } from '@conveyor/db';
import { createMongoLogStore } from '@conveyor/logs';
import { createLogger, createMetricsRegistry, registerQueueGauges } from '@conveyor/observability';
import { createProducers, createRedisConnection, snapshotQueue } from '@conveyor/queue';
import { createKeyring, parseKeys } from '@conveyor/secrets';
import { buildApp } from './app';

// Composition root: config → dependencies → app → listen. A bad env var stops here, before listen.
async function main(): Promise<void> {
  const config = loadApiConfig();
  const log = createLogger({ service: 'api', level: config.logLevel, pretty: config.nodeEnv === 'development' });
  const database = createDatabase(config.database);
  const redis = createRedisConnection(config.redis.url, 'producer', log);
  await redis.connect();
  const logStore = createMongoLogStore({ url: config.mongo.url, retentionDays: config.logRetentionDays, log });
  await logStore.init();
  const producers = createProducers({ connection: redis, prefix: config.redis.queuePrefix });
  const metrics = createMetricsRegistry('api');
  registerQueueGauges(metrics, () => Promise.all([snapshotQueue(producers.runs), snapshotQueue(producers.steps)]));
  const app = await buildApp({
    config,
    log,
    prisma: database.prisma,
    pool: database.pool,
    redis,
    producers,
    logStore,
    keyring: createKeyring(parseKeys(config.connections.keys), config.connections.activeKeyId),
    metrics,
  });

  const shutdown = async (signal: string) => {
    log.info({ signal }, 'shutting down');
    await app.close();
    await Promise.allSettled([producers.close(), database.close(), logStore.close()]);
    redis.disconnect();
    process.exit(0);
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));

  await app.listen({ host: config.http.host, port: config.http.port });
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
