import { waitFor } from '@conveyor/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Cluster, startCluster } from './cluster';

// Control flow under faults, with real processes: a worker killed with SIGKILL in the middle of a map.
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
});
