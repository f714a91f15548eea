import { randomUUID } from 'node:crypto';
import { mintToken } from '@conveyor/auth';
import { createQueues, createRedisConnection } from '@conveyor/queue';
import { hasuraRunInsertedEvent, insertRun, seedWorkflow, waitFor } from '@conveyor/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Cluster, HOOK_SECRET, JWT, startCluster } from './cluster';

let c: Cluster;
let db: Cluster['db'];
let server: Cluster['server'];
let apiUrl: string;
let env: Record<string, string>;
beforeAll(async () => {
  c = await startCluster('e2e');
  ({ db, server, apiUrl, env } = c);
}, 120_000);
afterAll(() => c?.close());

const action = (key: string) => ({ app: 'core', version: '1', key });
const http = (url: string, extra: object = {}) => ({ key: 'call', action: action('http.request'), input: { url }, ...extra });

describe('the run pipeline, end to end', () => {
  it('runs a diamond DAG with a parallel branch and a join; every StepRun holds its output', async () => {
    const { runId } = await c.startRun(
      {
        steps: [
          { key: 'a', action: action('transform'), input: { value: '{{ input.n }}' } },
          { key: 'b', action: action('transform'), input: { value: '{{ steps.a.output * 2 }}' }, dependsOn: ['a'] },
          {
            key: 'c',
            action: action('http.request'),
            input: { url: `${server.url}/echo?n={{ steps.a.output }}` },
            dependsOn: ['a'],
          },
          {
            key: 'd',
            action: action('transform'),
            input: { value: '{{ steps.b.output + steps.c.output.body.n }}' },
            dependsOn: ['b', 'c'],
          },
        ],
      },
      { n: 5 },
    );
    const run = await c.finished(runId);
    expect(run.status).toBe('SUCCEEDED');
    const outputs = Object.fromEntries(run.stepRuns.map((step) => [step.stepKey, step.output]));
    expect(outputs.a).toBe(5);
    expect(outputs.b).toBe(10);
    expect(outputs.c).toMatchObject({ status: 200, body: { n: 5 } });
    expect(outputs.d).toBe(15);
    expect(run.output).toEqual({ d: 15 });
    expect(run.stepRuns.every((step) => step.status === 'SUCCEEDED' && step.attempt === 1)).toBe(true);
  });

  it('writes each step’s execution logs to MongoDB, readable by a member of the tenant', async () => {
    const { runId, tenantId, userId } = await c.startRun(
      {
        steps: [
          { key: 'note', action: action('log'), input: { message: 'hello {{ input.who }}', level: 'WARN' } },
          { key: 'call', action: action('http.request'), input: { url: `${server.url}/echo?n=1` }, dependsOn: ['note'] },
        ],
      },
      { who: 'logs' },
    );
    expect((await c.finished(runId)).status).toBe('SUCCEEDED');
    const token = await mintToken({ tenantId, userId }, JWT);
    const lines = await waitFor(
      async () => {
        const response = await fetch(`${apiUrl}/v1/runs/${runId}/logs?limit=100`, {
          headers: { authorization: `Bearer ${token}` },
        });
        return ((await response.json()) as { lines: { message: string; level: string; stepRunId: string }[] }).lines;
      },
      (found) => found.filter((line) => line.message.startsWith('step succeeded')).length === 2,
    );
    expect(lines.find((line) => line.message === 'hello logs')).toMatchObject({ level: 'WARN' });
    expect(lines.some((line) => line.message.includes('/echo'))).toBe(true);
    expect(lines.filter((line) => line.message.startsWith('step succeeded'))).toHaveLength(2);
    expect(lines.filter((line) => line.message === 'step started (attempt 1)')).toHaveLength(2);
  });

  it('retries a step against a flaky server and succeeds on its third attempt', async () => {
    const path = `/flaky/${randomUUID()}`;
    const { runId } = await c.startRun({
      steps: [http(`${server.url}${path}?failures=2`, { retry: { attempts: 3, backoff: 'fixed', delayMs: 100 } })],
    });
    const run = await c.finished(runId);
    expect(run.status).toBe('SUCCEEDED');
    const [step] = run.stepRuns;
    expect(step).toMatchObject({ status: 'SUCCEEDED', attempt: 3, output: { status: 200, body: { calls: 3 } } });
    expect(step?.attemptErrors).toHaveLength(2);
    expect(server.count(path)).toBe(3);
  });

  it('fails a step that exceeds its timeout, and the run with it', async () => {
    const { runId } = await c.startRun({ steps: [http(`${server.url}/slow/${randomUUID()}?ms=10000`, { timeoutMs: 300 })] });
    const run = await c.finished(runId);
    expect(run.status).toBe('FAILED');
    expect(run.stepRuns[0]).toMatchObject({ status: 'FAILED', error: { code: 'STEP_TIMEOUT' } });
  });

  it('cancels a run and stops its running step within a second', async () => {
    const path = `/slow/${randomUUID()}`;
    const { runId, tenantId, userId } = await c.startRun({
      steps: [http(`${server.url}${path}?ms=30000`, { timeoutMs: 60_000 })],
    });
    await waitFor(
      () => db.prisma.stepRun.findFirst({ where: { workflowRunId: runId } }),
      (step) => step?.status === 'RUNNING',
    );
    await waitFor(
      async () => server.count(path),
      (count) => count === 1,
    );
    const response = await fetch(`${apiUrl}/hooks/hasura/actions/cancel-workflow-run`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-conveyor-hook-secret': HOOK_SECRET },
      body: JSON.stringify({
        action: { name: 'cancelWorkflowRun' },
        input: { runId, reason: 'stopped by test' },
        session_variables: { 'x-hasura-role': 'user', 'x-hasura-user-id': userId, 'x-hasura-tenant-id': tenantId },
      }),
    });
    expect(await response.json()).toEqual({ ok: true, status: 'CANCELLED' });
    const cancelledAt = Date.now();
    const request = await waitFor(
      async () => server.requests.find((r) => r.path === path),
      (r) => r?.aborted === true,
      5_000,
      20,
    );
    expect(request?.aborted).toBe(true);
    expect(Date.now() - cancelledAt).toBeLessThan(1_000);
    const run = await c.finished(runId);
    expect(run.status).toBe('CANCELLED');
    expect(run.stepRuns[0]?.status).toBe('CANCELLED');
  });

  it('executes each step once when the same event is delivered three times', async () => {
    const path = `/count/${randomUUID()}`;
    const fixture = await seedWorkflow(
      db.prisma,
      { steps: [http(`${server.url}${path}`)] },
      { allowPrivateNetworks: ['127.0.0.1/32'] },
    );
    const runId = await insertRun(db.prisma, fixture);
    await Promise.all([
      c.deliver(runId, fixture.tenantId),
      c.deliver(runId, fixture.tenantId),
      c.deliver(runId, fixture.tenantId),
    ]);
    const run = await c.finished(runId);
    expect(run.status).toBe('SUCCEEDED');
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(server.count(path)).toBe(1);
  });

  it('picks up a run inserted with no event at all (the reconciler)', async () => {
    const fixture = await seedWorkflow(db.prisma, { steps: [{ key: 'only', action: action('noop') }] });
    const runId = await insertRun(db.prisma, fixture);
    const run = await c.finished(runId);
    expect(run.status).toBe('SUCCEEDED');
  });

  it('refuses a malformed body, a wrong secret and an unknown trigger over HTTP, changing nothing', async () => {
    const fixture = await seedWorkflow(db.prisma, { steps: [{ key: 'only', action: action('noop') }] });
    const before = await db.prisma.workflowRun.count();
    const post = (headers: Record<string, string>, body: unknown) =>
      fetch(`${apiUrl}/hooks/hasura/events`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify(body),
      });
    const event = hasuraRunInsertedEvent({ id: randomUUID(), tenantId: fixture.tenantId });
    expect((await post({ 'x-conveyor-hook-secret': HOOK_SECRET }, { nonsense: true })).status).toBe(400);
    expect((await post({ 'x-conveyor-hook-secret': 'wrong' }, event)).status).toBe(401);
    expect((await post({ 'x-conveyor-hook-secret': HOOK_SECRET }, { ...event, trigger: { name: 'nope' } })).status).toBe(400);
    expect(await db.prisma.workflowRun.count()).toBe(before);
  });

  it('waits with a delayed job, never a sleep in a worker, then runs the next step', async () => {
    const started = Date.now();
    const { runId } = await c.startRun({
      steps: [
        { key: 'pause', action: action('delay'), input: { ms: 1500 } },
        { key: 'after', action: action('transform'), input: { value: 'done' }, dependsOn: ['pause'] },
      ],
    });
    const waiting = await waitFor(
      () => db.prisma.stepRun.findFirst({ where: { workflowRunId: runId, stepKey: 'pause' } }),
      (step) => step?.status === 'QUEUED' && (step?.jobId ?? '') !== '' && Date.now() - started > 300,
    );
    const redis = createRedisConnection(env.REDIS_URL as string, 'producer');
    await redis.connect();
    const queues = createQueues({ connection: redis, prefix: env.QUEUE_PREFIX as string });
    expect(await queues.steps.getJobState(waiting?.jobId as string)).toBe('delayed');
    await queues.close();
    redis.disconnect();
    const run = await c.finished(runId);
    expect(run.status).toBe('SUCCEEDED');
    expect(Date.now() - started).toBeGreaterThanOrEqual(1500);
    expect(run.stepRuns.find((step) => step.stepKey === 'after')?.output).toBe('done');
  });

  it('skips a step whose condition is false, and the steps that depend on it', async () => {
    const { runId } = await c.startRun(
      {
        steps: [
          { key: 'gate', action: action('noop'), if: '{{ input.amount > 100 }}' },
          { key: 'after', action: action('noop'), dependsOn: ['gate'] },
          { key: 'other', action: action('transform'), input: { value: '{{ input.amount }}' } },
        ],
      },
      { amount: 5 },
    );
    const run = await c.finished(runId);
    expect(run.status).toBe('SUCCEEDED');
    const status = Object.fromEntries(run.stepRuns.map((step) => [step.stepKey, step.status]));
    expect(status).toEqual({ gate: 'SKIPPED', after: 'SKIPPED', other: 'SUCCEEDED' });
  });

  it('fails a run that outlives its run-level timeout and cancels what it still runs', async () => {
    const path = `/slow/${randomUUID()}`;
    const { runId } = await c.startRun({ timeoutMs: 800, steps: [http(`${server.url}${path}?ms=20000`, { timeoutMs: 30_000 })] });
    const run = await c.finished(runId);
    expect(run).toMatchObject({ status: 'FAILED', error: { code: 'RUN_TIMEOUT' } });
    expect(run.stepRuns[0]?.status).toBe('CANCELLED');
    const request = await waitFor(
      async () => server.requests.find((r) => r.path === path),
      (r) => r?.aborted === true,
      3_000,
    );
    expect(request?.aborted).toBe(true);
  });

  it('reruns a failed run from its failure, reusing the outputs of the steps that succeeded', async () => {
    const path = `/flaky/${randomUUID()}`;
    const { runId, tenantId, userId } = await c.startRun({
      steps: [
        { key: 'first', action: action('transform'), input: { value: 7 } },
        { ...http(`${server.url}${path}?failures=1`), dependsOn: ['first'] },
      ],
    });
    const failed = await c.finished(runId);
    expect(failed.status).toBe('FAILED');
    const response = await fetch(`${apiUrl}/hooks/hasura/actions/retry-workflow-run`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-conveyor-hook-secret': HOOK_SECRET },
      body: JSON.stringify({
        action: { name: 'retryWorkflowRun' },
        input: { runId },
        session_variables: { 'x-hasura-role': 'user', 'x-hasura-user-id': userId, 'x-hasura-tenant-id': tenantId },
      }),
    });
    expect(await response.json()).toEqual({ ok: true, status: 'QUEUED' });
    const rerun = await waitFor(
      () => db.prisma.workflowRun.findUniqueOrThrow({ where: { id: runId }, include: { stepRuns: true } }),
      (run) =>
        run.status === 'SUCCEEDED' || (run.status === 'FAILED' && run.updatedAt > failed.updatedAt && run.finishedAt !== null),
    );
    expect(rerun.status).toBe('SUCCEEDED');
    const steps = Object.fromEntries(rerun.stepRuns.map((step) => [step.stepKey, step]));
    expect(steps.first).toMatchObject({ status: 'SUCCEEDED', attempt: 1, output: 7 });
    expect(steps.call).toMatchObject({ status: 'SUCCEEDED', attempt: 2 });
    expect(server.count(path)).toBe(2);
  });

  it('lets an active step finish when its worker gets SIGTERM, then exits cleanly', async () => {
    const path = `/slow/${randomUUID()}`;
    const { runId } = await c.startRun({ steps: [http(`${server.url}${path}?ms=1500`, { timeoutMs: 20_000 })] });
    const step = await waitFor(
      () => db.prisma.stepRun.findFirst({ where: { workflowRunId: runId } }),
      (s) => s?.status === 'RUNNING',
    );
    await waitFor(
      async () => server.count(path),
      (count) => count === 1,
    );
    const draining = c.workers.find((worker) => worker.output().includes(step?.id ?? '?') && worker.child.exitCode === null);
    expect(draining).toBeDefined();
    expect(await draining?.stop('SIGTERM')).toBe(0);
    const run = await db.prisma.workflowRun.findUniqueOrThrow({ where: { id: runId }, include: { stepRuns: true } });
    expect(run.status).toBe('SUCCEEDED');
    expect(run.stepRuns[0]?.attempt).toBe(1);
    expect(server.count(path)).toBe(1);
    await c.startWorker('worker-3');
  });

  it('finishes a step on another worker when its worker is killed with SIGKILL mid-step', async () => {
    const path = `/slow/${randomUUID()}`;
    const { runId } = await c.startRun({ steps: [http(`${server.url}${path}?ms=2500`, { timeoutMs: 20_000 })] });
    const step = await waitFor(
      () => db.prisma.stepRun.findFirst({ where: { workflowRunId: runId } }),
      (s) => s?.status === 'RUNNING',
    );
    await waitFor(
      async () => server.count(path),
      (count) => count === 1,
    );
    const victim = c.workers.find((worker) => worker.output().includes(step?.id ?? '?'));
    expect(victim).toBeDefined();
    await victim?.stop('SIGKILL');
    const run = await c.finished(runId, 30_000);
    expect(run.status).toBe('SUCCEEDED');
    const calls = server.requests.filter((request) => request.path === path);
    expect(calls.length).toBeGreaterThanOrEqual(2);
    expect(new Set(calls.map((call) => call.idempotencyKey))).toEqual(new Set([step?.id]));
    expect(run.stepRuns[0]?.attemptErrors).toEqual([expect.objectContaining({ code: 'WORKER_LOST', attempt: 1 })]);
  });
});
