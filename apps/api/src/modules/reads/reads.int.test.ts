import { insertRun, type TenantFixture } from '@conveyor/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApi, type TestApi } from '../../../test/test-api';

const definition = { steps: [{ key: 'only', action: { app: 'core', version: '1', key: 'noop' } }] };

let api: TestApi;
let a: TenantFixture & { token: string };
let b: TenantFixture & { token: string };
const aRuns: string[] = [];

beforeAll(async () => {
  api = await createTestApi({ label: 'reads_api' });
  a = await api.seedTenant(definition);
  b = await api.seedTenant(definition);
  const base = Date.parse('2026-06-01T00:00:00Z');
  for (let i = 0; i < 25; i++) {
    const id = await insertRun(api.db.prisma, a, { i });
    const status = i % 5 === 0 ? 'FAILED' : 'SUCCEEDED';
    // Pairs share a creation time: the keyset's tie-break on the id must still walk each run once.
    await api.db.prisma.workflowRun.update({
      where: { id },
      data: { status, createdAt: new Date(base + Math.floor(i / 2) * 1_000), idempotencyKey: `order-${i}` },
    });
    aRuns.push(id);
  }
  await insertRun(api.db.prisma, b, { other: true });
});
afterAll(async () => {
  await api.close();
});

const get = (url: string, token: string) => api.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${token}` } });

describe('GET /v1/runs', () => {
  it('pages through the tenant’s runs newest first, each exactly once, and no other tenant’s', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const response = await get(`/v1/runs?limit=7${cursor ? `&cursor=${cursor}` : ''}`, a.token);
      expect(response.statusCode).toBe(200);
      const page = response.json() as { runs: { id: string; createdAt: string }[]; nextCursor: string | null };
      seen.push(...page.runs.map((run) => run.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toHaveLength(25);
    expect(new Set(seen)).toEqual(new Set(aRuns));
    const all = (await get('/v1/runs?limit=200', a.token)).json().runs as { createdAt: string }[];
    expect(all.map((run) => run.createdAt)).toEqual([...all.map((run) => run.createdAt)].sort().reverse());
    const theirs = (await get('/v1/runs', b.token)).json().runs as { id: string }[];
    expect(theirs.some((run) => aRuns.includes(run.id))).toBe(false);
  });

  it('filters by status, workflow, time range, and a run id or the start of an idempotency key', async () => {
    const failed = (await get('/v1/runs?status=FAILED&limit=200', a.token)).json().runs;
    expect(failed).toHaveLength(5);
    expect((await get(`/v1/runs?workflowId=${b.workflowId}`, a.token)).json().runs).toEqual([]);
    const window = (await get('/v1/runs?from=2026-06-01T00:00:02Z&to=2026-06-01T00:00:04Z', a.token)).json().runs;
    expect(window).toHaveLength(4);
    expect((await get(`/v1/runs?q=${aRuns[3]}`, a.token)).json().runs.map((run: { id: string }) => run.id)).toEqual([aRuns[3]]);
    expect((await get('/v1/runs?q=order-1', a.token)).json().runs).toHaveLength(11); // order-1, order-10 … order-19
  });

  it('lists open runs from the tenant’s open ones only, newest first in keyset pages, and no other tenant’s', async () => {
    const c = await api.seedTenant(definition);
    const open: string[] = [];
    for (let i = 0; i < 5; i++) {
      const id = await insertRun(api.db.prisma, c, { i });
      const status = i === 4 ? 'SUCCEEDED' : i % 2 === 0 ? 'RUNNING' : 'PENDING';
      await api.db.prisma.workflowRun.update({
        where: { id },
        data: { status, createdAt: new Date(Date.UTC(2026, 5, 2, 0, 0, i)) },
      });
      if (status !== 'SUCCEEDED') open.unshift(id);
    }
    const first = (await get('/v1/runs?status=PENDING,RUNNING&limit=3', c.token)).json();
    const rest = (await get(`/v1/runs?status=PENDING,RUNNING&limit=3&cursor=${first.nextCursor}`, c.token)).json();
    expect([...first.runs, ...rest.runs].map((run: { id: string }) => run.id)).toEqual(open);
    expect(rest.nextCursor).toBeNull();
    expect((await get('/v1/runs?status=RUNNING', c.token)).json().runs.map((run: { id: string }) => run.id)).toEqual([
      open[1],
      open[3],
    ]);
    expect(
      (await get('/v1/runs?status=RUNNING,PENDING', b.token)).json().runs.map((run: { status: string }) => run.status),
    ).toEqual(['PENDING']);
  });

  it('answers 400 naming the parameter for a bad status, limit or cursor', async () => {
    expect((await get('/v1/runs?status=DONE', a.token)).json().error.message).toContain('querystring.status');
    expect((await get('/v1/runs?limit=0', a.token)).json().error.message).toContain('querystring.limit');
    const nul = await get('/v1/runs?q=a%00b', a.token); // U+0000: PostgreSQL's text cannot hold it
    expect(nul.statusCode).toBe(400);
    expect(nul.json().error.message).toContain('querystring.q');
    const cursor = await get('/v1/runs?cursor=not-a-cursor', a.token);
    expect(cursor.statusCode).toBe(400);
    expect(cursor.json().error.message).toContain('querystring.cursor');
  });
});

describe('GET /v1/runs/:runId', () => {
  it('shows one run with its steps and definition, and another tenant’s as not found', async () => {
    const id = aRuns[0] as string;
    await api.db.prisma.stepRun.create({ data: { tenantId: a.tenantId, workflowRunId: id, stepKey: 'only', status: 'FAILED' } });
    const response = await get(`/v1/runs/${id}`, a.token);
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({
      id,
      status: 'FAILED',
      steps: [{ stepKey: 'only', status: 'FAILED', wait: null, items: null }],
    });
    expect((await get(`/v1/runs/${id}`, b.token)).statusCode).toBe(404);
  });

  it('redacts values under secret-looking keys in inputs, outputs and errors, as execution logs are', async () => {
    const id = aRuns[1] as string;
    await api.db.prisma.workflowRun.update({ where: { id }, data: { input: { apiKey: 'k-123', who: 'ada' } } });
    await api.db.prisma.stepRun.create({
      data: {
        tenantId: a.tenantId,
        workflowRunId: id,
        stepKey: 'only',
        status: 'FAILED',
        output: { status: 401, headers: { 'set-cookie': 'session=s3cret', 'content-type': 'text/plain' } },
        error: { code: 'STEP_FAILED', message: 'refused', details: { authorization: 'Bearer t0ken' } },
        attemptErrors: [{ code: 'STEP_FAILED', message: 'refused', details: { password: 'hunter2' } }],
      },
    });
    const body = (await get(`/v1/runs/${id}`, a.token)).json();
    expect(body.input).toEqual({ apiKey: '[REDACTED]', who: 'ada' });
    expect(body.steps[0].output.headers).toEqual({ 'set-cookie': '[REDACTED]', 'content-type': 'text/plain' });
    expect(body.steps[0].error.details).toEqual({ authorization: '[REDACTED]' });
    expect(body.steps[0].attemptErrors[0].details).toEqual({ password: '[REDACTED]' });
    expect(JSON.stringify(body)).not.toMatch(/k-123|s3cret|t0ken|hunter2/);
  });
});

describe('GET /v1/workflows', () => {
  it('lists the tenant’s workflows and shows one with its versions and triggers, another tenant’s as not found', async () => {
    const list = (await get('/v1/workflows', a.token)).json().workflows as { id: string; currentVersion: number }[];
    expect(list.map((workflow) => [workflow.id, workflow.currentVersion])).toEqual([[a.workflowId, 1]]);
    const view = await get(`/v1/workflows/${a.workflowId}`, a.token);
    expect(view.json()).toMatchObject({ id: a.workflowId, versions: 1, versionList: [{ version: 1, definition }], triggers: [] });
    expect((await get(`/v1/workflows/${a.workflowId}`, b.token)).statusCode).toBe(404);
  });
});
