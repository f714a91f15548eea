// One api and one worker at their defaults (WORKER_CONCURRENCY, DATABASE_POOL_SIZE, TENANT_MAX_BACKLOG… unset)
// on the soak's services, and the tenant + issue-14 workflow + webhook trigger they serve.
import { createDatabase } from '@conveyor/db';
import { freePort, seedWebhookTrigger, seedWorkflow } from '@conveyor/testing';
import { type AppProcess, type Endpoints, startApp } from '../../chaos/platform';
import { ensureBuilt } from '../lib/build';
import { sleep } from '../lib/stats';
import { transformChainWorkflow } from '../lib/workflows';
import type { SoakServices } from './services';

export interface SoakPlatform {
  apiPid: number;
  workerPid: number;
  /** POST here with the secret header to start a run. */
  triggerUrl: string;
  secret: string;
  tenantId: string;
  stop(): Promise<void>;
}

export async function startPlatform(services: SoakServices): Promise<SoakPlatform> {
  const db = createDatabase({ url: services.databaseUrl, poolSize: 2 });
  const fixture = await seedWorkflow(db.prisma, transformChainWorkflow(), { slug: 'soak' });
  const { triggerId, secret } = await seedWebhookTrigger(db.prisma, fixture);
  await db.close();
  // chaos's starter runs the apps at LOG_LEVEL=warn: pino's per-request and per-job info lines are not what
  // the soak measures (as in the rest of the bench). Nothing else is set: every other variable is its default.
  const endpoints: Endpoints = {
    databaseUrl: services.databaseUrl,
    redisUrl: services.redis.url,
    mongoUrl: services.mongoUrl,
    queuePrefix: 'soak',
    allowPrivate: '',
  };
  const apiPort = await freePort();
  const api = await start('api', { API_PORT: String(apiPort) }, endpoints, apiPort);
  const workerPort = await freePort();
  const worker = await start('worker', { WORKER_HEALTH_PORT: String(workerPort) }, endpoints, workerPort);
  return {
    apiPid: api.pid,
    workerPid: worker.pid,
    triggerUrl: `http://127.0.0.1:${apiPort}/hooks/triggers/${triggerId}`,
    secret,
    tenantId: fixture.tenantId,
    async stop() {
      await Promise.all([terminate(worker, 30_000), terminate(api, 15_000)]);
    },
  };
}

/** The app from the production build of the current source, as a deployment runs it. */
async function start(
  app: 'api' | 'worker',
  extra: Record<string, string>,
  endpoints: Endpoints,
  port: number,
): Promise<AppProcess> {
  await ensureBuilt();
  return startApp(app, app, extra, endpoints, port, `http://127.0.0.1:${port}/readyz`, undefined, 60_000, 'dist');
}

/** SIGTERM, then SIGKILL after `graceMs`. */
async function terminate(app: AppProcess, graceMs: number): Promise<void> {
  if (!app.alive()) return;
  process.kill(app.pid, 'SIGTERM');
  if ((await Promise.race([app.exited, sleep(graceMs).then(() => null)])) === null && app.alive())
    process.kill(app.pid, 'SIGKILL');
  await app.exited;
}
