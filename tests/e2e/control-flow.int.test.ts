import { mintToken } from '@conveyor/auth';
import { insertRun, waitFor } from '@conveyor/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Cluster, JWT, startCluster } from './cluster';

// Control flow with real processes: a worker killed with SIGKILL in the middle of a map and during a
// wait; an event sent before its wait; an approval decided through its signed link.
let c: Cluster;
beforeAll(async () => {
  c = await startCluster('e2e-flow', { workers: 1 });
}, 120_000);
afterAll(() => c?.close());

const action = (key: string) => ({ app: 'core', version: '1', key });

describe('control flow under a worker’s death', () => {
  it('finishes a map on another worker after SIGKILL: no item lost, none that was recorded run again', async () => {
    const items = Array.from({ length: 40 }, (_, i) => i);
    const { runId } = await c.startRun(
      {
        steps: [
          {
            key: 'map',
            action: action('http.request'),
            forEach: { items: '{{ input.items }}', concurrency: 4 },
            input: { url: `${c.server.url}/slow/item-{{ index }}?ms=120` },
          },
        ],
      },
      { items },
    );
    const recorded = await waitFor(
      () => c.db.prisma.stepItem.findMany({ where: { stepRun: { workflowRunId: runId } } }),
      (rows) => rows.length >= 8,
      15_000,
    );
    await c.workers[0]?.stop('SIGKILL');
    const doneBeforeKill = recorded.map((row) => row.index);
    await c.startWorker('worker-2');
    const run = await c.finished(runId, 40_000);
    expect(run.status).toBe('SUCCEEDED');
    expect(run.stepRuns[0]?.output).toHaveLength(40);
    const rows = await c.db.prisma.stepItem.findMany({ where: { stepRunId: run.stepRuns[0]?.id }, orderBy: { index: 'asc' } });
    expect(rows.map((row) => [row.index, row.status])).toEqual(items.map((i) => [i, 'SUCCEEDED']));
    const calls = (index: number) => c.server.requests.filter((request) => request.path === `/slow/item-${index}`).length;
    for (const index of doneBeforeKill) expect(calls(index), `item ${index}`).toBe(1);
    for (const index of items) expect(calls(index), `item ${index}`).toBeGreaterThanOrEqual(1);
  }, 60_000);

  it('keeps a waiting run through SIGKILL of every worker: the event sent meanwhile resumes it, as does one sent before', async () => {
    const wait = (key: string) => ({
      steps: [
        { key: 'wait', action: action('waitForEvent'), input: { event: 'paid', key } },
        { key: 'after', action: action('transform'), input: { value: '{{ steps.wait.output.amount }}' }, dependsOn: ['wait'] },
      ],
    });
    const fixture = await c.startRun(wait('{{ input.invoice }}'), { invoice: 'inv-1' });
    const { runId, tenantId, userId } = fixture;
    await waitFor(
      () => c.db.prisma.stepWait.findFirst({ where: { workflowRunId: runId } }),
      (row) => row !== null,
      15_000,
    );
    for (const worker of c.workers) await worker.stop('SIGKILL');
    const token = await mintToken({ tenantId, userId }, JWT);
    const send = (key: string, amount: number) =>
      fetch(`${c.apiUrl}/v1/events`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ event: 'paid', key, payload: { amount } }),
      }).then((response) => response.json());
    expect(await send('inv-1', 12)).toMatchObject({ delivered: true, runId });
    expect(await send('inv-early', 7)).toMatchObject({ delivered: false });
    await c.startWorker('worker-after-kill');
    expect((await c.finished(runId, 30_000)).stepRuns.find((step) => step.stepKey === 'after')?.output).toBe(12);
    // The same workflow, a run whose wait comes after its event.
    const early = await insertRun(c.db.prisma, fixture, { invoice: 'inv-early' });
    await c.deliver(early, tenantId);
    expect((await c.finished(early)).stepRuns.find((step) => step.stepKey === 'after')?.output).toBe(7);
  }, 60_000);

  it('resumes a run when its approval is decided through the signed link, once', async () => {
    const { runId, tenantId, userId } = await c.startRun({
      steps: [
        { key: 'ok', action: action('approval') },
        { key: 'after', action: action('transform'), input: { value: '{{ steps.ok.output.comment }}' }, dependsOn: ['ok'] },
      ],
    });
    await waitFor(
      () => c.db.prisma.stepWait.findFirst({ where: { workflowRunId: runId } }),
      (row) => row !== null,
      15_000,
    );
    const token = await mintToken({ tenantId, userId }, JWT);
    const links = await fetch(`${c.apiUrl}/v1/runs/${runId}/approvals`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ stepKey: 'ok' }),
    }).then((response) => response.json() as Promise<{ approve: { path: string } }>);
    const decide = () =>
      fetch(`${c.apiUrl}${links.approve.path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ comment: 'ship it' }),
      });
    expect((await decide()).status).toBe(200);
    expect((await decide()).status).toBe(409);
    const run = await c.finished(runId);
    expect(run.status).toBe('SUCCEEDED');
    expect(run.stepRuns.find((step) => step.stepKey === 'after')?.output).toBe('ship it');
  }, 30_000);
});
