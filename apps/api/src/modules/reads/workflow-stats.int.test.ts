import { WORKFLOW_STATS_SAMPLE } from '@conveyor/db';
import { insertRun, type TenantFixture } from '@conveyor/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApi, type TestApi } from '../../../test/test-api';

const definition = { steps: [{ key: 'only', action: { app: 'core', version: '1', key: 'noop' } }] };
const base = Date.parse('2026-06-01T00:00:00Z');

let api: TestApi;
let a: TenantFixture & { token: string };
let b: TenantFixture & { token: string };
/** a's runs, oldest first. */
const runs: { id: string; status: string; durationMs: number | null }[] = [];

/** A run of the fixture's workflow created `second` seconds after the base, in `status`, that ran `durationMs`. */
async function run(fixture: TenantFixture, second: number, status: string, durationMs: number | null) {
  const id = await insertRun(api.db.prisma, fixture);
  const startedAt = durationMs === null ? null : new Date(base + second * 1_000 + 10);
  const ended = ['SUCCEEDED', 'FAILED', 'CANCELLED'].includes(status);
  await api.db.prisma.workflowRun.update({
    where: { id },
    data: {
      status: status as 'SUCCEEDED',
      createdAt: new Date(base + second * 1_000),
      startedAt,
      finishedAt: ended ? new Date((startedAt?.getTime() ?? base + second * 1_000) + (durationMs ?? 0)) : null,
    },
  });
  return id;
}

beforeAll(async () => {
  api = await createTestApi({ label: 'workflow_stats_api' });
  a = await api.seedTenant(definition);
  b = await api.seedTenant(definition);
  // Ten ended runs of 100 … 1000 ms (seven succeeded, three failed), one cancelled before it started, two open.
  for (let i = 1; i <= 10; i++) {
    const status = i <= 7 ? 'SUCCEEDED' : 'FAILED';
    runs.push({ id: await run(a, i, status, i * 100), status, durationMs: i * 100 });
  }
  runs.push({ id: await run(a, 11, 'CANCELLED', null), status: 'CANCELLED', durationMs: null });
  runs.push({ id: await run(a, 12, 'RUNNING', null), status: 'RUNNING', durationMs: null });
  runs.push({ id: await run(a, 13, 'PENDING', null), status: 'PENDING', durationMs: null });
  // Another workflow of the same tenant, and another tenant's: neither counts.
  const other = await api.db.prisma.workflow.create({ data: { tenantId: a.tenantId, name: 'other' } });
  await run({ ...a, workflowId: other.id }, 20, 'FAILED', 60_000);
  await run(b, 20, 'FAILED', 60_000);
});
afterAll(async () => {
  await api.close();
});

const get = (url: string, headers: Record<string, string>) => api.app.inject({ method: 'GET', url, headers });
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

describe('GET /v1/workflows/:workflowId/stats', () => {
  it('counts the workflow’s runs by outcome, with the percentiles of the ended ones’ durations and the runs newest first', async () => {
    const response = await get(`/v1/workflows/${a.workflowId}/stats`, bearer(a.token));

    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({
      workflowId: a.workflowId,
      sample: 13,
      succeeded: 7,
      failed: 3,
      cancelled: 1,
      open: 2,
      successRate: 0.7,
      p50Ms: 550,
      p95Ms: 955,
      recent: [...runs].reverse().map((run, index) => ({
        id: run.id,
        status: run.status,
        createdAt: new Date(base + (13 - index) * 1_000).toISOString(),
        durationMs: run.durationMs,
      })),
    });
  });

  it('reads only the latest runs, and answers nulls for a workflow with none ended', async () => {
    const workflow = await api.db.prisma.workflow.create({ data: { tenantId: b.tenantId, name: 'busy' } });
    const total = WORKFLOW_STATS_SAMPLE + 5;
    await api.db.prisma.workflowRun.createMany({
      data: Array.from({ length: total }, (_, i) => ({
        tenantId: b.tenantId,
        workflowId: workflow.id,
        status: 'QUEUED' as const,
        createdAt: new Date(base + i * 1_000),
      })),
    });

    const body = (await get(`/v1/workflows/${workflow.id}/stats`, bearer(b.token))).json();

    expect(body).toMatchObject({ sample: WORKFLOW_STATS_SAMPLE, open: WORKFLOW_STATS_SAMPLE, successRate: null, p50Ms: null });
    expect(body.recent).toHaveLength(WORKFLOW_STATS_SAMPLE);
    expect(body.recent[0].createdAt).toBe(new Date(base + (total - 1) * 1_000).toISOString());
    expect(body.recent.at(-1).createdAt).toBe(new Date(base + 5 * 1_000).toISOString());
    const empty = await api.db.prisma.workflow.create({ data: { tenantId: b.tenantId, name: 'idle' } });
    expect((await get(`/v1/workflows/${empty.id}/stats`, bearer(b.token))).json()).toEqual({
      workflowId: empty.id,
      sample: 0,
      succeeded: 0,
      failed: 0,
      cancelled: 0,
      open: 0,
      successRate: null,
      p50Ms: null,
      p95Ms: null,
      recent: [],
    });
  });

  it('answers 404 for another tenant’s workflow or none, 400 naming params.workflowId, and takes a runs:read key', async () => {
    expect((await get(`/v1/workflows/${a.workflowId}/stats`, bearer(b.token))).statusCode).toBe(404);
    expect((await get(`/v1/workflows/${crypto.randomUUID()}/stats`, bearer(a.token))).statusCode).toBe(404);
    const bad = await get('/v1/workflows/not-a-workflow/stats', bearer(a.token));
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.details.issues[0].field).toBe('params.workflowId');
    const { key } = await api.apiKeyFor(a, ['runs:read']);
    const byKey = await get(`/v1/workflows/${a.workflowId}/stats`, { 'x-api-key': key });
    expect(byKey.statusCode).toBe(200);
    expect(byKey.json().sample).toBe(13);
  });
});
