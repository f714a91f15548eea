import { loadApiConfig, loadTracingConfig } from '@conveyor/config';
import { createLogger } from '@conveyor/observability';
import { startTracing, stopTracing } from '@conveyor/observability/tracing';
import { buildApp } from './app';
import { composeApi } from './compose';

// Composition root: config → dependencies → app(s) → listen. A bad env var stops here, before listen.
// With API_INTERNAL_PORT set, Hasura's hooks and /metrics listen there and not on the public port.
// Traces (off unless OTEL_* names an OTLP destination) start first, so that every span has its exporter.
async function main(): Promise<void> {
  startTracing(loadTracingConfig('conveyor-api'));
  const config = loadApiConfig();
  const log = createLogger({ service: 'api', level: config.logLevel, pretty: config.nodeEnv === 'development' });
  const api = await composeApi(config, log);
  const { internal } = config.http;
  const apps = internal
    ? [
        { app: await buildApp(api.deps, 'public'), host: config.http.host, port: config.http.port },
        { app: await buildApp(api.deps, 'internal'), host: internal.host, port: internal.port },
      ]
    : [{ app: await buildApp(api.deps, 'all'), host: config.http.host, port: config.http.port }];

  const shutdown = async (signal: string) => {
    log.info({ signal }, 'shutting down');
    await Promise.all(apps.map(({ app }) => app.close()));
    await api.close();
    await stopTracing();
    process.exit(0);
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));

  for (const { app, host, port } of apps) await app.listen({ host, port });
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
