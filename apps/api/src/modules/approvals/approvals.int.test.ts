import type { TenantFixture } from '@conveyor/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApi, seedWaitingStep, type TestApi } from '../../../test/test-api';
import { createApprovalLinks } from './approval-links';

const definition = { steps: [{ key: 'ok', action: { app: 'core', version: '1', key: 'approval' } }] };

let api: TestApi;
let a: TenantFixture & { token: string };
let b: TenantFixture & { token: string };

/** A run whose `ok` step waits for an approval, as a worker leaves it. */
const waitingApproval = (fixture: TenantFixture) => seedWaitingStep(api, fixture, { stepKey: 'ok', event: 'conveyor.approval' });

beforeAll(async () => {
  api = await createTestApi({ label: 'approvals' });
  a = await api.seedTenant(definition);
  b = await api.seedTenant(definition);
});
afterAll(async () => {
  await api.close();
});

const links = (runId: string, stepKey: string, token: string) =>
  api.app.inject({
    method: 'POST',
    url: `/v1/runs/${runId}/approvals`,
    headers: { authorization: `Bearer ${token}` },
    payload: { stepKey },
  });
const decide = (path: string, comment?: string) =>
  api.app.inject({ method: 'POST', url: path, payload: comment === undefined ? {} : { comment } });

describe('approval links', () => {
  it('decide the waiting step once: the first use reaches it, any later use of either link is refused', async () => {
    const { runId, stepRunId } = await waitingApproval(a);
    const made = await links(runId, 'ok', a.token);
    expect(made.statusCode).toBe(200);
    const { approve, reject } = made.json();
    const view = await api.app.inject({ method: 'GET', url: approve.path });
    expect(view.json()).toMatchObject({ runId, stepKey: 'ok', approved: true, pending: true });
    const first = await decide(approve.path, 'looks good');
    expect(first.json()).toEqual({ ok: true, approved: true });
    const wait = await api.db.prisma.stepWait.findUniqueOrThrow({ where: { stepRunId } });
    expect(wait.payload).toMatchObject({ approved: true, comment: 'looks good' });
    expect((await decide(approve.path)).statusCode).toBe(409);
    expect((await decide(reject.path)).statusCode).toBe(409);
    expect((await api.app.inject({ method: 'GET', url: reject.path })).json()).toMatchObject({ pending: false });
  });

  it('are refused when forged, altered or expired, and never made for another tenant’s run', async () => {
    const { runId, stepRunId } = await waitingApproval(a);
    const { approve } = (await links(runId, 'ok', a.token)).json();
    const altered = `${approve.path.slice(0, -3)}xyz`;
    expect((await decide(altered)).statusCode).toBe(401);
    const forged = createApprovalLinks('not-the-api-secret-0123456789abcdef').issue({
      tenantId: a.tenantId,
      stepRunId,
      approved: true,
      expiresAt: Date.now() + 60_000,
    });
    expect((await decide(`/v1/approvals/${forged}`)).statusCode).toBe(401);
    expect((await links(runId, 'ok', b.token)).statusCode).toBe(404);
    expect((await links(runId, 'nope', a.token)).statusCode).toBe(404);
    expect((await api.db.prisma.stepWait.findUniqueOrThrow({ where: { stepRunId } })).receivedAt).toBeNull();
  });
});
