import { insertRun, seedWorkflow, waitFor } from '@conveyor/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestWorkerDeps, startTwoReplicas, type TestWorkerDeps } from '../../test/test-worker';

// Two workers on one database and one queue prefix, as two replicas: the groups are held through Redis.
let t: TestWorkerDeps;
let replicas: Awaited<ReturnType<typeof startTwoReplicas>>;
beforeAll(async () => {
  t = await createTestWorkerDeps('concurrency');
  replicas = await startTwoReplicas(t);
});
afterAll(async () => {
  await replicas.close();
  await t.close();
});

const hold = { key: 'hold', action: { app: 'core', version: '1', key: 'delay' }, input: { ms: 250 } };

/** Starts one run per input, each dispatched after the one before: their order of arrival. */
async function startAll(definition: object, inputs: object[]) {
  const fixture = await seedWorkflow(t.db.prisma, definition);
  const runIds: string[] = [];
  for (const input of inputs) {
    const runId = await insertRun(t.db.prisma, fixture, input);
    await t.deps.runs.dispatch({ tenantId: fixture.tenantId, runId });
    runIds.push(runId);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return runIds;
}

async function finishedAll(runIds: string[]) {
  return waitFor(
    () => t.db.prisma.workflowRun.findMany({ where: { id: { in: runIds } } }),
    (runs) => runs.length === runIds.length && runs.every((run) => ['SUCCEEDED', 'FAILED'].includes(run.status)),
    30_000,
  );
}

/** The most runs of `runs` that were RUNNING at one instant. */
function mostAtOnce(runs: { startedAt: Date | null; finishedAt: Date | null }[]): number {
  const edges = runs.flatMap((run) => [
    [run.startedAt?.getTime() ?? 0, 1],
    [run.finishedAt?.getTime() ?? 0, -1],
  ]);
  edges.sort((a, b) => (a[0] as number) - (b[0] as number) || (a[1] as number) - (b[1] as number));
  let now = 0;
  let most = 0;
  for (const [, change] of edges) {
    now += change as number;
    most = Math.max(most, now);
  }
  return most;
}

describe('a workflow’s concurrency', () => {
  it('runs one at a time per key across two workers, in order of arrival, without holding back other keys', async () => {
    const inputs = [...['alice', 'alice', 'bob', 'alice', 'bob', 'alice'].map((customer) => ({ customer }))];
    const runIds = await startAll({ concurrency: { limit: 1, key: '{{ input.customer }}' }, steps: [hold] }, inputs);
    const runs = await finishedAll(runIds);
    expect(runs.every((run) => run.status === 'SUCCEEDED')).toBe(true);
    // In order of arrival.
    const of = (customer: string) =>
      runIds
        .filter((_, i) => (inputs[i] as { customer: string }).customer === customer)
        .flatMap((id) => runs.filter((run) => run.id === id));
    expect(mostAtOnce(of('alice'))).toBe(1);
    expect(mostAtOnce(of('bob'))).toBe(1);
    const aliceStarts = of('alice').map((run) => run.startedAt?.getTime() ?? 0);
    expect(aliceStarts).toEqual([...aliceStarts].sort((a, b) => a - b));
    expect(mostAtOnce(runs)).toBe(2); // bob's ran beside alice's
  });

  it('holds a workflow without a key to its limit', async () => {
    const runIds = await startAll(
      { concurrency: { limit: 2 }, steps: [hold] },
      Array.from({ length: 6 }, () => ({})),
    );
    const runs = await finishedAll(runIds);
    expect(runs.every((run) => run.status === 'SUCCEEDED')).toBe(true);
    expect(mostAtOnce(runs)).toBe(2);
  });

  it('fails a run whose key cannot be resolved, naming concurrency.key', async () => {
    const [runId] = await startAll({ concurrency: { limit: 1, key: '{{ $number(input.customer) }}' }, steps: [hold] }, [
      { customer: 'not a number' },
    ]);
    const [run] = await finishedAll([runId as string]);
    expect(run?.status).toBe('FAILED');
    expect(run?.error).toMatchObject({ message: expect.stringMatching(/^concurrency\.key: /) });
  });
});
