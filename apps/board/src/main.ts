import { loadBoardConfig } from '@conveyor/config';
import { createLogger } from '@conveyor/observability';
import { createRedisConnection } from '@conveyor/queue';
import { buildBoard } from './app';

// Composition root: config → Redis → board → listen. A bad env var stops here, before listen.
async function main(): Promise<void> {
  const config = loadBoardConfig();
  const log = createLogger({ service: 'board', level: config.logLevel, pretty: config.nodeEnv === 'development' });
  const redis = createRedisConnection(config.redis.url, 'producer', log);
  await redis.connect();
  const app = await buildBoard({ config, log, redis });

  const shutdown = async (signal: string) => {
    log.info({ signal }, 'shutting down');
    await app.close();
    await redis.quit().catch(() => redis.disconnect());
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
