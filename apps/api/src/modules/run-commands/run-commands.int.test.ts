import { insertRun, type TenantFixture } from '@conveyor/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApi, type TestApi } from '../../../test/test-api';

const definition = { steps: [{ key: 'only', action: { app: 'core', version: '1', key: 'noop' } }] };

let api: TestApi;
let a: TenantFixture & { token: string };
let b: TenantFixture & { token: string };

beforeAll(async () => {
  api = await createTestApi({ label: 'run_commands_api' });
  a = await api.seedTenant(definition);
  b = await api.seedTenant(definition);
});
afterAll(async () => {
  await api.close();
});

/** A run of `fixture` in `status`, its version pinned; a FAILED one with the error and finish a worker leaves. */
async function runIn(fixture: TenantFixture, status: 'PENDING' | 'RUNNING' | 'FAILED' | 'SUCCEEDED') {
  const runId = await insertRun(api.db.prisma, fixture);
  const ended = status === 'FAILED' || status === 'SUCCEEDED';
  await api.db.prisma.workflowRun.update({
    where: { id: runId },
    data: {
      status,
      workflowVersionId: fixture.versionId,
      ...(status === 'PENDING' ? {} : { startedAt: new Date() }),
      ...(ended ? { finishedAt: new Date() } : {}),
      ...(status === 'FAILED' ? { error: { code: 'STEP_FAILED', message: 'step only failed' } } : {}),
    },
  });
  return runId;
}

const post = (url: string, token: string, payload?: unknown) =>
  api.app.inject({
    method: 'POST',
    url,
    headers: { authorization: `Bearer ${token}` },
    ...(payload === undefined ? {} : { payload: payload as object }),
  });
const runOf = (id: string) => api.db.prisma.workflowRun.findUniqueOrThrow({ where: { id } });

describe('POST /v1/runs/:runId/cancel and …/retry', () => {
  it('cancels a RUNNING run with the reason given, and a PENDING one with the default reason', async () => {
    const running = await runIn(a, 'RUNNING');
    const pending = await runIn(a, 'PENDING');

    const first = await post(`/v1/runs/${running}/cancel`, a.token, { reason: 'wrong input' });
    const second = await post(`/v1/runs/${pending}/cancel`, a.token);

    expect(first.statusCode).toBe(200);
    expect(first.json()).toEqual({ ok: true, status: 'CANCELLED' });
    expect(second.json()).toEqual({ ok: true, status: 'CANCELLED' });
    expect(await runOf(running)).toMatchObject({ status: 'CANCELLED', error: { code: 'CANCELLED', message: 'wrong input' } });
    expect(await runOf(pending)).toMatchObject({ status: 'CANCELLED', error: { message: 'cancelled by user' } });
  });

  it('retries a FAILED run (QUEUED, its run job added), with no body or {}', async () => {
    const failed = await runIn(a, 'FAILED');
    const another = await runIn(a, 'FAILED');

    const response = await post(`/v1/runs/${failed}/retry`, a.token);

    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ ok: true, status: 'QUEUED' });
    expect(await runOf(failed)).toMatchObject({ status: 'QUEUED', error: null, finishedAt: null });
    expect((await api.queues.runs.getJob(`run-${failed}`))?.data).toEqual({ tenantId: a.tenantId, runId: failed });
    expect((await post(`/v1/runs/${another}/retry`, a.token, {})).json()).toEqual({ ok: true, status: 'QUEUED' });
  });

  it('answers 404 for another tenant’s run and 409 for one that cannot move, changing neither', async () => {
    const theirs = await runIn(b, 'RUNNING');
    const succeeded = await runIn(a, 'SUCCEEDED');

    const notFound = await post(`/v1/runs/${theirs}/cancel`, a.token, {});
    const conflict = await post(`/v1/runs/${succeeded}/cancel`, a.token, {});

    expect(notFound.statusCode).toBe(404);
    expect(notFound.json().error).toMatchObject({ code: 'NOT_FOUND', details: { runId: theirs } });
    expect((await post(`/v1/runs/${theirs}/retry`, a.token)).statusCode).toBe(404);
    expect(conflict.statusCode).toBe(409);
    expect(conflict.json().error).toMatchObject({ code: 'CONFLICT', details: { runId: succeeded, status: 'SUCCEEDED' } });
    expect((await post(`/v1/runs/${succeeded}/retry`, a.token)).statusCode).toBe(409);
    expect((await runOf(theirs)).status).toBe('RUNNING');
    expect((await runOf(succeeded)).status).toBe('SUCCEEDED');
  });

  it('answers 400 naming the field for a bad run id, reason or body', async () => {
    const running = await runIn(a, 'RUNNING');
    const cases: [string, unknown, string][] = [
      ['/v1/runs/not-a-run/cancel', {}, 'params.runId'],
      [`/v1/runs/${running}/cancel`, { reason: 'x'.repeat(501) }, 'body.reason'],
      [`/v1/runs/${running}/cancel`, { reason: 7 }, 'body.reason'],
      [`/v1/runs/${running}/retry`, { force: true }, 'body'],
    ];
    for (const [url, payload, field] of cases) {
      const response = await post(url, a.token, payload);
      expect(response.statusCode).toBe(400);
      expect(response.json().error.details.issues[0].field).toBe(field);
    }
    expect((await runOf(running)).status).toBe('RUNNING');
  });
});

describe('POST /v1/runs/cancel and /v1/runs/retry', () => {
  it('answers each run in the order given; a refused run does not stop the others', async () => {
    const running = await runIn(a, 'RUNNING');
    const theirs = await runIn(b, 'RUNNING');
    const succeeded = await runIn(a, 'SUCCEEDED');
    const pending = await runIn(a, 'PENDING');

    const response = await post('/v1/runs/cancel', a.token, { runIds: [running, theirs, succeeded, pending], reason: 'bulk' });

    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({
      results: [
        { runId: running, ok: true, status: 'CANCELLED' },
        { runId: theirs, ok: false, error: { code: 'NOT_FOUND', message: `run ${theirs} not found` } },
        {
          runId: succeeded,
          ok: false,
          error: { code: 'CONFLICT', message: `run ${succeeded} is SUCCEEDED and cannot be cancelled` },
        },
        { runId: pending, ok: true, status: 'CANCELLED' },
      ],
    });
    expect(await runOf(pending)).toMatchObject({ status: 'CANCELLED', error: { message: 'bulk' } });
    expect((await runOf(theirs)).status).toBe('RUNNING');
  });

  it('retries the FAILED runs among those given', async () => {
    const failed = await runIn(a, 'FAILED');
    const theirs = await runIn(b, 'FAILED');

    const response = await post('/v1/runs/retry', a.token, { runIds: [theirs, failed] });

    expect(response.json().results).toEqual([
      { runId: theirs, ok: false, error: { code: 'NOT_FOUND', message: `run ${theirs} not found` } },
      { runId: failed, ok: true, status: 'QUEUED' },
    ]);
    expect((await runOf(theirs)).status).toBe('FAILED');
    expect((await runOf(failed)).status).toBe('QUEUED');
  });

  it('answers 400 naming body.runIds for none, too many, repeated or ill-formed ids', async () => {
    const id = crypto.randomUUID();
    const cases: [unknown, string][] = [
      [{}, 'body.runIds'],
      [{ runIds: [] }, 'body.runIds'],
      [{ runIds: Array.from({ length: 101 }, () => crypto.randomUUID()) }, 'body.runIds'],
      [{ runIds: [id, id.toUpperCase()] }, 'body.runIds'],
      [{ runIds: ['run-1'] }, 'body.runIds[0]'],
    ];
    for (const [payload, field] of cases) {
      for (const url of ['/v1/runs/cancel', '/v1/runs/retry']) {
        const response = await post(url, a.token, payload);
        expect(response.statusCode).toBe(400);
        expect(response.json().error.details.issues[0].field).toBe(field);
      }
    }
  });
});

describe('who may command runs', () => {
  it('refuses an API key, whatever its scopes, with 403, and a request without a token with 401', async () => {
    const running = await runIn(a, 'RUNNING');
    const { key } = await api.apiKeyFor(a, ['runs:read', 'events:send']);

    const requests: [string, object][] = [
      [`/v1/runs/${running}/cancel`, {}],
      ['/v1/runs/cancel', { runIds: [running] }],
    ];
    for (const [url, payload] of requests) {
      const response = await api.app.inject({ method: 'POST', url, headers: { 'x-api-key': key }, payload });
      expect(response.statusCode).toBe(403);
      expect(response.json().error.code).toBe('FORBIDDEN');
    }
    expect((await api.app.inject({ method: 'POST', url: `/v1/runs/${running}/retry` })).statusCode).toBe(401);
    expect((await runOf(running)).status).toBe('RUNNING');
  });
});
