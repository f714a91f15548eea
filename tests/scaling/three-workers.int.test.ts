import { dispatchRun } from '@conveyor/db';
import { createProducers, createQueues, createRedisConnection, type Producers, type Queues, type Redis } from '@conveyor/queue';
import {
  createTestDatabase,
  createTestMongo,
  createTestRedis,
  freePort,
  insertRun,
  type ServiceProcess,
  seedWorkflow,
  startService,
  type TestDatabase,
  type TestMongo,
  type TestRedis,
  testServices,
  uniqueSuffix,
  waitFor,
} from '@conveyor/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalServer, startLocalServer } from '../e2e/local-server';

// Horizontal scaling with real processes: three workers consume one queue prefix. Every run
// succeeds, every step runs exactly once (one request per run at the counting server, attempt 1
// everywhere, one "step started" across all workers), and all three workers took a share.
// Throughput (three workers not slower than one) is the benchmark's to compare (`npm run bench`):
// this test prints its own figure and asserts no timing.

const RUNS = 200;
const STEPS_PER_RUN = 3;
const WORKERS = 3;

let db: TestDatabase;
let mongo: TestMongo;
let testRedis: TestRedis;
let redis: Redis;
let queues: Queues;
let producers: Producers;
let server: LocalServer;
const workers: ServiceProcess[] = [];

beforeAll(async () => {
  db = await createTestDatabase('scaling');
  mongo = await createTestMongo('scaling');
  testRedis = await createTestRedis('scaling');
  server = await startLocalServer();
  redis = createRedisConnection(testServices().redisUrl, 'producer');
  await redis.connect();
  queues = createQueues({ connection: redis, prefix: testRedis.prefix });
  producers = createProducers({ connection: redis, prefix: testRedis.prefix, queues });
  const env = {
    DATABASE_URL: db.url,
    MONGO_URL: mongo.url,
    REDIS_URL: testServices().redisUrl,
    QUEUE_PREFIX: testRedis.prefix,
    HTTP_ALLOW_PRIVATE_NETWORKS: '127.0.0.1/32',
    DATABASE_POOL_SIZE: '4',
    WORKER_CONCURRENCY: '5',
    WORKER_SHUTDOWN_GRACE_MS: '5000',
    // An eager reconciler repairs "lost" work while the backlog is deep: it must never cause a second execution.
    RECONCILER_INTERVAL_MS: '1000',
    RECONCILER_STALE_AFTER_MS: '3000',
    LOG_LEVEL: 'info',
  };
  const ports = await Promise.all(Array.from({ length: WORKERS }, () => freePort()));
  const started = await Promise.allSettled(
    ports.map((port, index) =>
      startService(
        'worker',
        { ...env, WORKER_HEALTH_PORT: String(port) },
        { readyUrl: `http://127.0.0.1:${port}/readyz`, name: `worker-${index + 1}` },
      ),
    ),
  );
  for (const result of started) if (result.status === 'fulfilled') workers.push(result.value);
  const failed = started.find((result) => result.status === 'rejected');
  if (failed) throw failed.reason;
}, 120_000);

afterAll(async () => {
  await Promise.all(workers.map((worker) => worker.stop()));
  await server?.close();
  await queues?.close();
  redis?.disconnect();
  await testRedis?.cleanup();
  await mongo?.drop();
  await db?.drop();
});

const action = (key: string) => ({ app: 'core', version: '1', key });

/** The `step started` lines a worker printed (pino JSON, one object a line). */
function startedSteps(worker: ServiceProcess): { stepRunId: string; attempt: number }[] {
  const lines = worker.output().split('\n');
  return lines.flatMap((line) => {
    if (!line.startsWith('{')) return [];
    try {
      const entry = JSON.parse(line) as { msg?: string; stepRunId?: string; attempt?: number };
      return entry.msg === 'step started' && entry.stepRunId ? [{ stepRunId: entry.stepRunId, attempt: entry.attempt ?? 0 }] : [];
    } catch {
      return []; // a line still being written
    }
  });
}

describe('three worker processes on one queue', () => {
  it(`run ${RUNS} three-step runs: each step exactly once, and every worker takes a share`, async () => {
    const fixture = await seedWorkflow(db.prisma, {
      steps: [
        { key: 'prepare', action: action('transform'), input: { value: '{{ input.key }}' } },
        {
          key: 'call',
          action: action('http.request'),
          input: { url: `${server.url}/count/{{ steps.prepare.output }}` },
          dependsOn: ['prepare'],
        },
        { key: 'finish', action: action('transform'), input: { value: '{{ steps.call.output.status }}' }, dependsOn: ['call'] },
      ],
    });
    // The tenant's concurrent-run limit (10 by default) would make this a test of admission, not of workers.
    await db.prisma.tenant.update({
      where: { id: fixture.tenantId },
      data: { maxConcurrentRuns: RUNS, allowPrivateNetworks: ['127.0.0.1/32'] },
    });

    const batch = uniqueSuffix();
    const keyOf = new Map<string, string>();
    for (let index = 0; index < RUNS; index += 1) {
      const key = `${batch}-${String(index).padStart(3, '0')}`;
      keyOf.set(await insertRun(db.prisma, fixture, { key }), key);
    }
    const runIds = [...keyOf.keys()];

    // As the api's runs service does: PENDING → QUEUED in one guarded update, then the run job.
    const startedAt = Date.now();
    for (let offset = 0; offset < RUNS; offset += 20) {
      await Promise.all(
        runIds.slice(offset, offset + 20).map(async (runId) => {
          const ref = { tenantId: fixture.tenantId, runId };
          expect((await dispatchRun(db.pool, ref)).kind).toBe('queued');
          await producers.enqueueRun(ref);
        }),
      );
    }
    const terminal = await waitFor(
      () => db.prisma.workflowRun.count({ where: { id: { in: runIds }, status: { in: ['SUCCEEDED', 'FAILED', 'CANCELLED'] } } }),
      (count) => count === RUNS,
      150_000,
      250,
    );
    const elapsedMs = Date.now() - startedAt;
    expect(terminal, workers.map((worker) => worker.output().slice(-2_000)).join('\n')).toBe(RUNS);

    const runs = await db.prisma.workflowRun.findMany({ where: { id: { in: runIds } }, include: { stepRuns: true } });
    expect(runs.filter((run) => run.status !== 'SUCCEEDED').map((run) => [run.id, run.status, run.error])).toEqual([]);
    const stepRuns = runs.flatMap((run) => run.stepRuns);
    expect(stepRuns).toHaveLength(RUNS * STEPS_PER_RUN);
    expect(stepRuns.filter((step) => step.status !== 'SUCCEEDED' || step.attempt !== 1)).toEqual([]);
    for (const run of runs) {
      expect(run.stepRuns.map((step) => step.stepKey).sort()).toEqual(['call', 'finish', 'prepare']);
      expect(run.stepRuns.find((step) => step.stepKey === 'finish')?.output).toBe(200);
    }

    // The counting server saw each run's request exactly once, carrying that step's idempotency key.
    await new Promise((resolve) => setTimeout(resolve, 500)); // a late duplicate would arrive now
    const requests = server.requests.filter((request) => request.path.startsWith(`/count/${batch}-`));
    expect(requests).toHaveLength(RUNS);
    const callStepOf = new Map(runs.map((run) => [keyOf.get(run.id), run.stepRuns.find((step) => step.stepKey === 'call')?.id]));
    const seen = new Map<string, number>();
    for (const request of requests) {
      const key = request.path.slice('/count/'.length);
      seen.set(key, (seen.get(key) ?? 0) + 1);
      expect(request.idempotencyKey, key).toBe(callStepOf.get(key));
    }
    expect([...seen.values()].every((count) => count === 1)).toBe(true);
    expect(new Set(seen.keys())).toEqual(new Set(keyOf.values()));

    // Every step started once across all three workers, and each worker started some of them.
    const ours = new Set(stepRuns.map((step) => step.id));
    const shares = workers.map((worker) => startedSteps(worker).filter((line) => ours.has(line.stepRunId)));
    const allStarts = shares.flat();
    expect(allStarts).toHaveLength(RUNS * STEPS_PER_RUN);
    expect(new Set(allStarts.map((line) => line.stepRunId)).size).toBe(RUNS * STEPS_PER_RUN);
    expect(allStarts.every((line) => line.attempt === 1)).toBe(true);
    for (const [index, share] of shares.entries()) expect(share.length, `worker-${index + 1}`).toBeGreaterThan(0);

    const perSecond = (RUNS / elapsedMs) * 1_000;
    console.info(
      `three workers: ${RUNS} runs (${RUNS * STEPS_PER_RUN} steps) in ${elapsedMs} ms, ${perSecond.toFixed(1)} runs/s; ` +
        `steps started per worker: ${shares.map((share) => share.length).join(' / ')} (not asserted; npm run bench compares)`,
    );
  }, 240_000);
});
