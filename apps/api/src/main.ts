import { loadApiConfig } from '@conveyor/config';
import { createLogger } from '@conveyor/observability';
import { buildApp } from './app';
import { composeApi } from './compose';

// Composition root: config → dependencies → app → listen. A bad env var stops here, before listen.
async function main(): Promise<void> {
  const config = loadApiConfig();
  const log = createLogger({ service: 'api', level: config.logLevel, pretty: config.nodeEnv === 'development' });
  const api = await composeApi(config, log);
  const app = await buildApp(api.deps);

  const shutdown = async (signal: string) => {
    log.info({ signal }, 'shutting down');
    await app.close();
    await api.close();
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
