import {
  createTestDatabase,
  createTestRedis,
  freePort,
  insertRun,
  type ServiceProcess,
  seedWorkflow,
  startService,
  type TestDatabase,
  testServices,
  uniqueSuffix,
  waitFor,
} from '@conveyor/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// Logs are off the run path: a worker whose log store is unreachable still starts, is ready, and runs steps.

let db: TestDatabase;
let worker: ServiceProcess | undefined;
let healthUrl: string;
const prefix = `conveyor-test-nolog-${uniqueSuffix()}`;

beforeAll(async () => {
  db = await createTestDatabase('no_log_store');
  const port = await freePort();
  healthUrl = `http://127.0.0.1:${port}`;
  worker = await startService(
    'worker',
    {
      DATABASE_URL: db.url,
      DATABASE_POOL_SIZE: '3',
      REDIS_URL: testServices().redisUrl,
      QUEUE_PREFIX: prefix,
      MONGO_URL: 'mongodb://127.0.0.1:1/conveyor', // nothing listens there
      WORKER_HEALTH_PORT: String(port),
      RECONCILER_INTERVAL_MS: '300',
      RECONCILER_STALE_AFTER_MS: '500',
      WORKER_SHUTDOWN_GRACE_MS: '6000', // the writer gives the unwritable lines up within it
    },
    { readyUrl: `${healthUrl}/readyz`, name: 'no-log-store-worker', timeoutMs: 30_000 },
  );
}, 60_000);

afterAll(async () => {
  await worker?.stop();
  const redis = await createTestRedis('nolog-cleanup');
  const keys = await redis.redis.keys(`${prefix}*`);
  if (keys.length > 0) await redis.redis.del(...keys);
  await redis.cleanup();
  await db?.drop();
});

describe('a worker whose log store is down', () => {
  it('starts, reports the log store as degraded while ready, and runs a workflow to the end', async () => {
    const ready = await fetch(`${healthUrl}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ ok: true, degraded: ['logStore'] });

    const fixture = await seedWorkflow(db.prisma, {
      steps: [
        { key: 'a', action: { app: 'core', version: '1', key: 'transform' }, input: { value: 1 } },
        { key: 'b', action: { app: 'core', version: '1', key: 'log' }, input: { message: 'hello' }, dependsOn: ['a'] },
      ],
    });
    const runId = await insertRun(db.prisma, fixture); // no event: the reconciler dispatches it
    const run = await waitFor(
      () => db.prisma.workflowRun.findUniqueOrThrow({ where: { id: runId } }),
      (current) => current.status === 'SUCCEEDED' || current.status === 'FAILED',
      20_000,
    );
    expect(run.status).toBe('SUCCEEDED');
  });
});
