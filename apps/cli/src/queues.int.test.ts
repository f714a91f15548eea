import { allQueueNames, createQueues, createRedisConnection, type Queues, type Redis } from '@conveyor/queue';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CliEnvironment, createCliEnvironment, runCli } from '../test/test-cli';

// `conveyor queues` against a queue prefix of its own, holding jobs the test adds.

interface QueueSnapshot {
  queue: string;
  counts: Record<string, number>;
  oldestWaitingSeconds: number;
}

let cli: CliEnvironment;
let connection: Redis;
let queues: Queues;

beforeAll(async () => {
  cli = await createCliEnvironment('cli_queues');
  connection = createRedisConnection(cli.env.REDIS_URL as string, 'producer');
  await connection.connect();
  queues = createQueues({ connection, prefix: cli.redis.prefix });
});

afterAll(async () => {
  await queues?.close();
  connection?.disconnect();
  await cli?.cleanup();
});

describe('conveyor queues', () => {
  it('shows zero counts for every queue of an empty prefix', async () => {
    const { code, stdout } = await runCli(['queues', '--json'], cli.env);

    expect(code).toBe(0);
    const result = JSON.parse(stdout) as { prefix: string; queues: QueueSnapshot[] };
    expect(result.prefix).toBe(cli.redis.prefix);
    expect(result.queues.map((q) => q.queue)).toEqual([...allQueueNames]);
    for (const queue of result.queues) {
      expect(Object.values(queue.counts).every((count) => count === 0)).toBe(true);
      expect(queue.oldestWaitingSeconds).toBe(0);
    }
  });

  it('counts the jobs added per queue and state, and the oldest waiting job’s age', async () => {
    await queues.runs.add('run', {}, { jobId: 'w1', timestamp: Date.now() - 90_000 });
    await queues.runs.add('run', {}, { jobId: 'w2' });
    await queues.runs.add('run', {}, { jobId: 'p1', priority: 5 });
    await queues.runs.add('run-timeout', {}, { jobId: 'd1', delay: 60_000 });
    await queues.steps.add('wf/step', {}, { jobId: 's1' });

    const { code, stdout, stderr } = await runCli(['queues', '--json'], cli.env);

    expect(stderr).toBe('');
    expect(code).toBe(0);
    const byName = Object.fromEntries((JSON.parse(stdout).queues as QueueSnapshot[]).map((q) => [q.queue, q]));
    expect(byName.runs?.counts).toMatchObject({ waiting: 2, prioritized: 1, delayed: 1, active: 0, failed: 0, completed: 0 });
    expect(byName.runs?.oldestWaitingSeconds).toBeGreaterThanOrEqual(90);
    expect(byName.steps?.counts).toMatchObject({ waiting: 1, prioritized: 0, delayed: 0 });

    const human = await runCli(['queues'], cli.env);
    expect(human.code).toBe(0);
    const lines = human.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^queue\s+waiting\s+prioritized\s+active\s+delayed\s+failed\s+completed\s+oldest waiting$/);
    expect(lines[1]).toMatch(/^runs\s+2\s+1\s+0\s+1\s+0\s+0\s+1m \d\ds$/); // 90 s and however long the cli took
    expect(lines[2]).toMatch(/^steps\s+1\s+0\s+0\s+0\s+0\s+0\s+\d+/);
    expect(human.stderr).toContain(`prefix "${cli.redis.prefix}"`);
  });

  it('exits 2 for an argument it does not take, and 1 when Redis cannot be reached', async () => {
    const extra = await runCli(['queues', 'runs'], cli.env);
    expect(extra.code).toBe(2);
    expect(extra.stderr).toContain('unexpected argument "runs"');

    const down = await runCli(['queues', '--json'], { ...cli.env, REDIS_URL: 'redis://127.0.0.1:1' });
    expect(down.code).toBe(1);
    expect(down.stdout).toBe('');
    expect(down.stderr).toContain('cannot reach Redis at 127.0.0.1:1 (REDIS_URL)');
  });
});
