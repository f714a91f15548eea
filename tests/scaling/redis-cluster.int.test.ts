import { randomUUID } from 'node:crypto';
import { createQueues, createRedisConnection, createTenantAdmission, type Queues, type Redis } from '@conveyor/queue';
import { insertRun, seedWorkflow, waitFor } from '@conveyor/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Cluster, HOOK_SECRET, startCluster } from '../e2e/cluster';
import { type LocalRedisCluster, startRedisCluster } from './local-redis-cluster';

// The core path on a Redis Cluster of three masters, started here: an api and a worker (real processes)
// with REDIS_URL `redis-cluster://…` and the documented hash-tagged QUEUE_PREFIX.

const PREFIX = '{conveyor}';
const action = (key: string) => ({ app: 'core', version: '1', key });

let redisCluster: LocalRedisCluster | undefined;
let c: Cluster;
let producer: Redis;
let queues: Queues;

beforeAll(async () => {
  redisCluster = await startRedisCluster(3);
  c = await startCluster('redis_cluster', { workers: 1, redis: { url: redisCluster.url, prefix: PREFIX } });
  producer = createRedisConnection(redisCluster.url, 'producer');
  await producer.connect();
  queues = createQueues({ connection: producer, prefix: PREFIX });
}, 120_000);
afterAll(async () => {
  try {
    await queues?.close();
    producer?.disconnect();
    await c?.close();
  } finally {
    await redisCluster?.stop();
  }
});

const slow = (ms: number) => ({
  key: 'slow',
  action: action('http.request'),
  input: { url: `${c.server.url}/slow/${randomUUID()}?ms=${ms}` },
  timeoutMs: 30_000,
});

describe('on a Redis Cluster of three masters', () => {
  it('runs a run of several steps to SUCCEEDED: run and step jobs, a rate limit, a delayed step', async () => {
    const { runId } = await c.startRun(
      {
        steps: [
          { key: 'a', action: action('transform'), input: { value: '{{ input.n }}' } },
          {
            key: 'b',
            action: action('transform'),
            input: { value: '{{ steps.a.output * 2 }}' },
            dependsOn: ['a'],
            rateLimit: { limit: 5, perMs: 1_000 },
          },
          { key: 'c', action: action('delay'), input: { ms: 300 }, dependsOn: ['a'] },
          { key: 'd', action: action('transform'), input: { value: '{{ steps.b.output + 1 }}' }, dependsOn: ['b', 'c'] },
        ],
      },
      { n: 5 },
    );
    const run = await c.finished(runId);
    expect(run.status).toBe('SUCCEEDED');
    expect(run.output).toEqual({ d: 11 });
    expect(run.stepRuns.map((step) => step.status)).toEqual(['SUCCEEDED', 'SUCCEEDED', 'SUCCEEDED', 'SUCCEEDED']);
  });

  it('admits a tenant’s runs one at a time at maxConcurrentRuns 1: the second waits, then runs', async () => {
    const fixture = await seedWorkflow(c.db.prisma, { steps: [slow(1_500)] }, { allowPrivateNetworks: ['127.0.0.1/32'] });
    await c.db.prisma.tenant.update({ where: { id: fixture.tenantId }, data: { maxConcurrentRuns: 1 } });
    const runIds = [await insertRun(c.db.prisma, fixture), await insertRun(c.db.prisma, fixture)];
    await Promise.all(runIds.map((runId) => c.deliver(runId, fixture.tenantId)));
    const runs = await Promise.all(runIds.map((runId) => c.finished(runId)));
    expect(runs.map((run) => run.status)).toEqual(['SUCCEEDED', 'SUCCEEDED']);
    const [first, second] = runs.sort((x, y) => Number(x.startedAt) - Number(y.startedAt));
    expect(Number(second?.startedAt)).toBeGreaterThanOrEqual(Number(first?.finishedAt));
  });

  it('cancels a running run: every worker hears it (pub/sub) and aborts its step', async () => {
    const { runId, tenantId, userId } = await c.startRun({ steps: [slow(20_000)] });
    await waitFor(
      () => c.db.prisma.stepRun.findFirst({ where: { workflowRunId: runId } }),
      (step) => step?.status === 'RUNNING',
    );
    const response = await fetch(`${c.apiUrl}/hooks/hasura/actions/cancel-workflow-run`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-conveyor-hook-secret': HOOK_SECRET },
      body: JSON.stringify({
        action: { name: 'cancelWorkflowRun' },
        input: { runId },
        session_variables: { 'x-hasura-role': 'user', 'x-hasura-user-id': userId, 'x-hasura-tenant-id': tenantId },
      }),
    });
    expect(await response.json()).toEqual({ ok: true, status: 'CANCELLED' });
    const request = await waitFor(
      async () => c.server.requests.find((r) => r.path.startsWith('/slow/') && r.aborted),
      (found) => found !== undefined,
      5_000,
    );
    expect(request?.aborted).toBe(true);
  });

  it('reconciles: a PENDING run nobody dispatched runs, and a slot held by no run is freed', async () => {
    const fixture = await seedWorkflow(c.db.prisma, { steps: [{ key: 'only', action: action('noop') }] });
    const admission = createTenantAdmission(producer, PREFIX, queues.runs);
    const ghost = randomUUID();
    expect(await admission.admit(fixture.tenantId, ghost, 5)).toBe('admitted');
    expect(await admission.holders()).toContainEqual({ tenantId: fixture.tenantId, runIds: [ghost] });
    const runId = await insertRun(c.db.prisma, fixture);
    expect((await c.finished(runId)).status).toBe('SUCCEEDED');
    const holders = await waitFor(
      () => admission.holders(),
      (found) => !found.some((holder) => holder.runIds.includes(ghost)),
      10_000,
    );
    expect(holders.flatMap((holder) => holder.runIds)).not.toContain(ghost);
    expect(c.workers[0]?.output()).not.toContain('reconciler repair failed');
  });

  it('keeps every key of Conveyor’s in one slot: one master holds them all', async () => {
    const counts = [...((await redisCluster?.keysByNode())?.values() ?? [])];
    expect(counts).toHaveLength(3);
    expect(counts.filter((count) => count > 0)).toHaveLength(1);
  });
});
