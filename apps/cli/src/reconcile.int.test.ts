import { dispatchRun } from '@conveyor/db';
import { createQueues, createRedisConnection, type Queues, type Redis } from '@conveyor/queue';
import { freePort, insertRun, type ServiceProcess, seedWorkflow, startService, waitFor } from '@conveyor/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CliEnvironment, createCliEnvironment, runCli } from '../test/test-cli';

// `conveyor reconcile` asks a real worker process for one reconciler pass (a `reconcile` job on
// the runs queue) and prints its repairs.

const STALE_AFTER_MS = 300;
const definition = { steps: [{ key: 'only', action: { app: 'core', version: '1', key: 'noop' }, input: {} }] };
let cli: CliEnvironment;
let connection: Redis;
let queues: Queues;
let worker: ServiceProcess | undefined;

beforeAll(async () => {
  cli = await createCliEnvironment('cli_reconcile', { mongo: true });
  connection = createRedisConnection(cli.env.REDIS_URL as string, 'producer');
  await connection.connect();
  queues = createQueues({ connection, prefix: cli.redis.prefix });
});

afterAll(async () => {
  await worker?.stop();
  await queues?.close();
  connection?.disconnect();
  await cli?.cleanup();
});

describe('conveyor reconcile', () => {
  it('exits 1 when no worker answers in time, and withdraws its request', async () => {
    const { code, stdout, stderr } = await runCli(['reconcile', '--timeout', '800', '--json'], cli.env);

    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toContain('no worker answered within 800 ms');
    const counts = await queues.runs.getJobCounts();
    expect(Object.values(counts).every((count) => count === 0)).toBe(true);
  });

  it('prints what a worker’s pass repaired: a run nobody dispatched, a run whose job was lost', async () => {
    const fixture = await seedWorkflow(cli.db.prisma, definition);
    const neverDispatched = await insertRun(cli.db.prisma, fixture);
    const jobLost = await insertRun(cli.db.prisma, fixture);
    expect((await dispatchRun(cli.db.pool, { tenantId: fixture.tenantId, runId: jobLost })).kind).toBe('queued');
    const port = await freePort();
    worker = await startService(
      'worker',
      {
        ...cli.env,
        WORKER_HEALTH_PORT: String(port),
        // Its own passes would repair these first: only the one the command asks for may run.
        RECONCILER_INTERVAL_MS: '600000',
        RECONCILER_STALE_AFTER_MS: String(STALE_AFTER_MS),
      },
      { readyUrl: `http://127.0.0.1:${port}/readyz`, name: 'cli-reconcile-worker' },
    );
    await new Promise((resolve) => setTimeout(resolve, STALE_AFTER_MS + 200));

    const { code, stdout, stderr } = await runCli(['reconcile', '--json'], cli.env);

    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({
      dispatched: 1,
      runJobsRestored: 1,
      stepJobsRestored: 0,
      schedulesSynced: 0,
      logLinesExpired: expect.any(Number),
    });
    // The repairs were real: both runs now finish.
    const runs = await waitFor(
      () => cli.db.prisma.workflowRun.findMany({ where: { id: { in: [neverDispatched, jobLost] } } }),
      (rows) => rows.every((row) => row.status === 'SUCCEEDED'),
    );
    expect(runs.map((row) => row.status)).toEqual(['SUCCEEDED', 'SUCCEEDED']);

    const human = await runCli(['reconcile'], cli.env);
    expect(human.code).toBe(0);
    expect(human.stdout).toContain('reconciler pass done');
    expect(human.stdout).toMatch(/PENDING runs dispatched\s+0/);
    expect(human.stdout).toMatch(/lost run jobs restored\s+0/);
  });

  it('exits 2 for a bad --timeout', async () => {
    const { code, stderr } = await runCli(['reconcile', '--timeout', '-5s'], cli.env);
    expect(code).toBe(2);
    expect(stderr).toContain('--timeout');
  });
});
