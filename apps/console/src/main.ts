import path from 'node:path';
import { loadConsoleConfig } from '@conveyor/config';
import { createLogger } from '@conveyor/observability';
import { buildConsole } from './server/app';

// Composition root: config → app → listen. The built single-page app is apps/console/dist/public: one
// level up from here, whether this runs as dist/main.js or as src/main.ts under tsx.
async function main(): Promise<void> {
  const config = loadConsoleConfig();
  const log = createLogger({ service: 'console', level: config.logLevel, pretty: config.nodeEnv === 'development' });
  const publicDir = path.resolve(import.meta.dirname, '..', 'dist', 'public');
  const app = await buildConsole({ config, log, publicDir });

  const shutdown = async (signal: string) => {
    log.info({ signal }, 'shutting down');
    await app.close();
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
