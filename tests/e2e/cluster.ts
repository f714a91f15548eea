import {
  createTestDatabase,
  createTestMongo,
  createTestRedis,
  freePort,
  hasuraRunInsertedEvent,
  insertRun,
  type ServiceProcess,
  seedWorkflow,
  startService,
  type TestMongo,
  testServices,
  uniqueSuffix,
  waitFor,
} from '@conveyor/testing';
import { expect } from 'vitest';
import { startLocalServer } from './local-server';

// End to end, with real processes: one api and two workers on a database and queue prefix of their
// own, driven over HTTP with Hasura-shaped bodies, calling a local HTTP server.

export const HOOK_SECRET = 'e2e-hook-secret-0123456789';
export const JWT = {
  jwtSecret: 'e2e-jwt-secret-0123456789abcdef0123',
  issuer: 'conveyor',
  audience: 'conveyor-api',
  maxAgeSeconds: 3_600,
};

export type Cluster = Awaited<ReturnType<typeof startCluster>>;

/**
 * The cluster: `startRun` seeds a workflow (its tenant may call 127.0.0.1), inserts a run and delivers
 * its Hasura event; `workers` holds every worker started, killed ones included. `redis` puts its queues
 * elsewhere than the test Redis under a prefix of their own; `env` adds to every process's. A failed start
 * stops what it started.
 */
export async function startCluster(
  label: string,
  {
    workers: count = 2,
    redis,
    env: extraEnv = {},
  }: { workers?: number; redis?: { url: string; prefix: string }; env?: Record<string, string> } = {},
) {
  const db = await createTestDatabase(label);
  const mongo: TestMongo = await createTestMongo(label);
  const server = await startLocalServer();
  const env: Record<string, string> = {
    DATABASE_URL: db.url,
    MONGO_URL: mongo.url,
    AUTH_JWT_SECRET: JWT.jwtSecret,
    DATABASE_POOL_SIZE: '5',
    REDIS_URL: redis?.url ?? testServices().redisUrl,
    QUEUE_PREFIX: redis?.prefix ?? `conveyor-test-${label}-${uniqueSuffix()}`,
    CONVEYOR_HOOK_SECRET: HOOK_SECRET,
    HTTP_ALLOW_PRIVATE_NETWORKS: '127.0.0.1/32',
    WORKER_CONCURRENCY: '5',
    WORKER_LOCK_DURATION_MS: '4000',
    WORKER_SHUTDOWN_GRACE_MS: '5000',
    RECONCILER_INTERVAL_MS: '500',
    RECONCILER_STALE_AFTER_MS: '1500',
    LOG_LEVEL: 'info',
    ...extraEnv,
  };
  const processes: ServiceProcess[] = [];
  const workers: ServiceProcess[] = [];
  const startWorker = async (name: string) => {
    const port = await freePort();
    const worker = await startService(
      'worker',
      { ...env, WORKER_HEALTH_PORT: String(port) },
      { readyUrl: `http://127.0.0.1:${port}/readyz`, name },
    );
    workers.push(worker);
    processes.push(worker);
    return worker;
  };
  const stop = async () => {
    await Promise.all(processes.map((service) => service.stop()));
    await server.close();
    if (!redis) {
      const testRedis = await createTestRedis(`${label}-cleanup`);
      const keys = await testRedis.redis.keys(`${env.QUEUE_PREFIX}*`);
      if (keys.length) await testRedis.redis.del(...keys);
      await testRedis.cleanup();
    }
    await mongo.drop();
    await db.drop();
  };
  const apiPort = await freePort();
  const apiUrl = `http://127.0.0.1:${apiPort}`;
  try {
    processes.push(await startService('api', { ...env, API_PORT: String(apiPort) }, { readyUrl: `${apiUrl}/readyz` }));
    await Promise.all(Array.from({ length: count }, (_, i) => startWorker(`worker-${i + 1}`)));
  } catch (error) {
    await stop();
    throw error;
  }
  const deliver = async (runId: string, tenantId: string) => {
    const response = await fetch(`${apiUrl}/hooks/hasura/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-conveyor-hook-secret': HOOK_SECRET },
      body: JSON.stringify(hasuraRunInsertedEvent({ id: runId, tenantId })),
    });
    expect(response.status).toBe(200);
  };
  const read = (runId: string) =>
    db.prisma.workflowRun.findUniqueOrThrow({ where: { id: runId }, include: { stepRuns: { orderBy: { createdAt: 'asc' } } } });
  return {
    db,
    server,
    apiUrl,
    env,
    workers,
    startWorker,
    deliver,
    async startRun(definition: object, input: object = {}) {
      const fixture = await seedWorkflow(db.prisma, definition, { allowPrivateNetworks: ['127.0.0.1/32'] });
      const runId = await insertRun(db.prisma, fixture, input);
      await deliver(runId, fixture.tenantId);
      return { ...fixture, runId };
    },
    finished: (runId: string, timeoutMs = 20_000) =>
      waitFor(
        () => read(runId),
        (run) => ['SUCCEEDED', 'FAILED', 'CANCELLED'].includes(run.status),
        timeoutMs,
      ),
    close: stop,
  };
}
