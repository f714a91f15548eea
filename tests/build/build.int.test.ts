import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { dispatchRun } from '@conveyor/db';
import { createProducers, createQueues, createRedisConnection, type Producers, type Queues, type Redis } from '@conveyor/queue';
import {
  createTestDatabase,
  createTestMongo,
  createTestRedis,
  freePort,
  insertRun,
  repoRoot,
  type ServiceProcess,
  seedWorkflow,
  startService,
  type TestDatabase,
  type TestMongo,
  type TestRedis,
  testServices,
  waitFor,
} from '@conveyor/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildBundles, bundles, outputOf } from '../../scripts/build/bundles';

// The production build (`npm run build`): it writes every entry the image and `npm start` run, and the
// built worker, under plain node (no tsx), runs a step whose input calls a function, which only the
// expression processes evaluate: the pool must find and fork dist/expression-child.js. The build runs
// here once (a second or two), into the same dist/ folders `npm run build` writes.

let db: TestDatabase;
let mongo: TestMongo;
let testRedis: TestRedis;
let redis: Redis;
let queues: Queues;
let producers: Producers;
let worker: ServiceProcess;

beforeAll(async () => {
  await buildBundles(repoRoot);
  db = await createTestDatabase('build');
  mongo = await createTestMongo('build');
  testRedis = await createTestRedis('build');
  redis = createRedisConnection(testServices().redisUrl, 'producer');
  await redis.connect();
  queues = createQueues({ connection: redis, prefix: testRedis.prefix });
  producers = createProducers({ connection: redis, prefix: testRedis.prefix, queues });
  const port = await freePort();
  const env = {
    DATABASE_URL: db.url,
    MONGO_URL: mongo.url,
    REDIS_URL: testServices().redisUrl,
    QUEUE_PREFIX: testRedis.prefix,
    WORKER_HEALTH_PORT: String(port),
    WORKER_SHUTDOWN_GRACE_MS: '5000',
  };
  worker = await startService('worker', env, { readyUrl: `http://127.0.0.1:${port}/readyz`, runtime: 'dist' });
}, 120_000);

afterAll(async () => {
  await worker?.stop();
  await queues?.close();
  redis?.disconnect();
  await testRedis?.cleanup();
  await mongo?.drop();
  await db?.drop();
});

describe('npm run build', () => {
  it('writes every entry with its source map, the workspace packages bundled in', () => {
    const entries = bundles.flatMap((bundle) => bundle.entries.map((entry) => path.join(repoRoot, outputOf(bundle, entry))));
    expect(entries).toContain(path.join(repoRoot, 'apps/worker/dist/expression-child.js'));
    for (const entry of entries) {
      expect(existsSync(entry), entry).toBe(true);
      expect(existsSync(`${entry}.map`), `${entry}.map`).toBe(true);
      expect(readFileSync(entry, 'utf8'), entry).not.toMatch(/from\s*["']@conveyor\//);
    }
  });

  it('runs a step through the built worker, its function call evaluated by the built expression process', async () => {
    const fixture = await seedWorkflow(db.prisma, {
      steps: [
        {
          key: 'shout',
          action: { app: 'core', version: '1', key: 'transform' },
          input: { value: '{{ $uppercase(input.name) }}' },
        },
      ],
    });
    const runId = await insertRun(db.prisma, fixture, { name: 'ada' });
    const ref = { tenantId: fixture.tenantId, runId };
    expect((await dispatchRun(db.pool, ref)).kind).toBe('queued');
    await producers.enqueueRun(ref);
    const run = await waitFor(
      () => db.prisma.workflowRun.findUniqueOrThrow({ where: { id: runId }, include: { stepRuns: true } }),
      (found) => found.status !== 'QUEUED' && found.status !== 'RUNNING',
      30_000,
      100,
    );
    expect([run.status, run.error], worker.output().slice(-2_000)).toEqual(['SUCCEEDED', null]);
    expect(run.stepRuns.map((step) => step.output)).toEqual(['ADA']);
    const commands = childCommands(worker.child.pid ?? -1);
    expect(commands.length).toBeGreaterThan(0);
    for (const command of commands) expect(command).toContain(path.join('apps', 'worker', 'dist', 'expression-child.js'));
  });

  it('stops the built worker on SIGTERM, with exit code 0', async () => {
    expect(await worker.stop('SIGTERM', 10_000)).toBe(0);
  });
});

/** The command lines of the processes whose parent is `pid` (the worker's expression processes). */
function childCommands(pid: number): string[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .flatMap((entry) => {
      try {
        // The parent's pid is the second field after the command name, which may contain spaces.
        const parent = Number(readFileSync(`/proc/${entry}/stat`, 'utf8').split(') ')[1]?.split(' ')[1]);
        return parent === pid ? [readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').join(' ')] : [];
      } catch {
        return []; // exited meanwhile
      }
    });
}
