import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { insertRun, seedWorkflow, waitFor } from '@conveyor/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestWorkerDeps, startTwoReplicas, type TestWorkerDeps } from '../../test/test-worker';

// Two workers on one database and one queue prefix, as two replicas: the budget is shared through Redis.
let t: TestWorkerDeps;
let replicas: Awaited<ReturnType<typeof startTwoReplicas>>;
let server: http.Server;
let url: string;
const calls: { customer: string; at: number }[] = [];
beforeAll(async () => {
  server = http.createServer((req, res) => {
    calls.push({ customer: new URL(req.url ?? '/', 'http://x').searchParams.get('customer') ?? '', at: Date.now() });
    res.setHeader('content-type', 'application/json');
    res.end('{"ok":true}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/call`;
  t = await createTestWorkerDeps('rate-limit', { HTTP_ALLOW_PRIVATE_NETWORKS: '127.0.0.1/32' });
  replicas = await startTwoReplicas(t);
});
afterAll(async () => {
  await replicas.close();
  await t.close();
  await new Promise((resolve) => server.close(resolve));
});

describe('a step’s rate limit', () => {
  it('holds the attempts of one key to the limit across two workers, without spending attempts or holding back other keys', async () => {
    const definition = {
      steps: [
        {
          key: 'call',
          action: { app: 'core', version: '1', key: 'http.request' },
          input: { url, query: { customer: '{{ input.customer }}' } },
          rateLimit: { limit: 2, perMs: 1_000, key: '{{ input.customer }}' },
        },
      ],
    };
    const fixture = await seedWorkflow(t.db.prisma, definition, { allowPrivateNetworks: ['127.0.0.1/32'] });
    const customers = ['a', 'a', 'a', 'a', 'a', 'a', 'b', 'b'];
    const runIds = await Promise.all(customers.map((customer) => insertRun(t.db.prisma, fixture, { customer })));
    const started = Date.now();
    await Promise.all(runIds.map((runId) => t.deps.runs.dispatch({ tenantId: fixture.tenantId, runId })));
    const runs = await waitFor(
      () => t.db.prisma.workflowRun.findMany({ where: { id: { in: runIds } }, include: { stepRuns: true } }),
      (current) => current.every((run) => run.status === 'SUCCEEDED'),
      20_000,
    );
    expect(runs.map((run) => run.stepRuns[0]?.attempt)).toEqual(customers.map(() => 1));
    const times = (customer: string) => calls.filter((call) => call.customer === customer).map((call) => call.at - started);
    const a = times('a').sort((x, y) => x - y);
    expect(a).toHaveLength(6);
    // Two at once (the bucket starts full), then one per 500 ms: the sixth no sooner than ~2 s in.
    expect(a[5]).toBeGreaterThanOrEqual(1_800);
    for (let i = 4; i < a.length; i++) expect((a[i] ?? 0) - (a[i - 4] ?? 0)).toBeGreaterThanOrEqual(900);
    // Another key has a budget of its own: not held behind the first.
    expect(Math.max(...times('b'))).toBeLessThan(1_000);
    const throttled = [await t.deps.metrics.stepsThrottled.get(), await replicas.second.metrics.stepsThrottled.get()];
    expect(throttled.flatMap((metric) => metric.values).reduce((sum, value) => sum + value.value, 0)).toBeGreaterThanOrEqual(4);
  });

  it('starts the runs of a rate-limited workflow one key at the limit, and fails a run whose key cannot be resolved', async () => {
    const transform = { key: 'only', action: { app: 'core', version: '1', key: 'transform' }, input: { value: 1 } };
    const limited = await seedWorkflow(t.db.prisma, {
      rateLimit: { limit: 1, perMs: 600, key: '{{ input.customer }}' },
      steps: [transform],
    });
    const customers = ['a', 'a', 'a', 'a', 'b'];
    const runIds = await Promise.all(customers.map((customer) => insertRun(t.db.prisma, limited, { customer })));
    const broken = await seedWorkflow(t.db.prisma, {
      rateLimit: { limit: 1, perMs: 600, key: '{{ $number(input.customer) }}' },
      steps: [transform],
    });
    const brokenRun = await insertRun(t.db.prisma, broken, { customer: 'not a number' });
    const started = Date.now();
    await Promise.all(runIds.map((runId) => t.deps.runs.dispatch({ tenantId: limited.tenantId, runId })));
    await t.deps.runs.dispatch({ tenantId: broken.tenantId, runId: brokenRun });
    const runs = await waitFor(
      () => t.db.prisma.workflowRun.findMany({ where: { id: { in: runIds } }, orderBy: { startedAt: 'asc' } }),
      (current) => current.every((run) => run.status === 'SUCCEEDED'),
      20_000,
    );
    const startsOf = (customer: string) =>
      runs
        .filter((run) => (run.input as { customer: string }).customer === customer)
        .map((run) => (run.startedAt?.getTime() ?? 0) - started);
    const a = startsOf('a');
    for (let i = 1; i < a.length; i++) expect((a[i] ?? 0) - (a[i - 1] ?? 0)).toBeGreaterThanOrEqual(500);
    expect(startsOf('b')[0]).toBeLessThan(500);
    const failed = await waitFor(
      () => t.db.prisma.workflowRun.findUniqueOrThrow({ where: { id: brokenRun } }),
      (run) => run.status === 'FAILED',
      10_000,
    );
    expect(failed.error).toMatchObject({ message: expect.stringContaining('rateLimit.key') });
  });
});
