import { type Action, defineAction } from '@conveyor/actions';
import { insertRun, seedWorkflow, waitFor } from '@conveyor/testing';
import type { Worker } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { createTestWorkerDeps, type TestWorkerDeps } from '../../test/test-worker';
import { createRunWorker } from '../runs/run.worker';
import { createStepWorker } from './step.worker';

// A test action that remembers every call: which item (its input), and how many ran at once.
const calls: number[] = [];
let running = 0;
let mostAtOnce = 0;
const counted: Action = defineAction({
  ref: { app: 'test', version: '1', key: 'counted' },
  name: 'Counted',
  description: 'Counts its calls; fails for good on { fail: true }, retryably on { flaky: true } (first call only)',
  inputSchema: z.object({ n: z.number(), fail: z.boolean().optional(), flaky: z.boolean().optional() }),
  async execute(input) {
    calls.push(input.n);
    running += 1;
    mostAtOnce = Math.max(mostAtOnce, running);
    await new Promise((resolve) => setTimeout(resolve, 5));
    running -= 1;
    if (input.fail) throw new Error(`item ${input.n} is bad`);
    if (input.flaky && calls.filter((n) => n === input.n).length === 1) {
      throw Object.assign(new Error(`item ${input.n} flaked`), { retryable: true });
    }
    return { kind: 'output', output: { n: input.n, doubled: input.n * 2 } };
  },
});

let t: TestWorkerDeps;
let workers: Worker[];
beforeAll(async () => {
  t = await createTestWorkerDeps('for-each', {}, [counted]);
  workers = [createRunWorker(t.deps, t.blocking), createStepWorker(t.deps, t.blocking)];
});
afterAll(async () => {
  await Promise.all(workers.map((worker) => worker.close()));
  await t.close();
});

const mapStep = (forEach: object, input: object = { n: '{{ item }}' }, extra: object = {}) => ({
  key: 'map',
  action: { app: 'test', version: '1', key: 'counted' },
  forEach,
  input,
  ...extra,
});

async function runMap(definition: object, input: object) {
  calls.length = 0;
  mostAtOnce = 0;
  const fixture = await seedWorkflow(t.db.prisma, definition);
  const runId = await insertRun(t.db.prisma, fixture, input);
  await t.deps.runs.dispatch({ tenantId: fixture.tenantId, runId });
  const finished = await waitFor(
    () =>
      t.db.prisma.workflowRun.findUniqueOrThrow({ where: { id: runId }, include: { stepRuns: { include: { items: true } } } }),
    (found) => ['SUCCEEDED', 'FAILED', 'CANCELLED'].includes(found.status),
    20_000,
  );
  const step = finished.stepRuns.find((candidate) => candidate.stepKey === 'map');
  return { run: finished, step, items: [...(step?.items ?? [])].sort((a, b) => a.index - b.index) };
}

const range = (count: number) => Array.from({ length: count }, (_, i) => i);

describe('a forEach step', () => {
  it('runs its action once per item, at most `concurrency` at once, its output the items’ outputs in order, recorded in batches', async () => {
    const statements = vi.spyOn(t.deps.pool, 'query');
    const { run, step, items } = await runMap(
      { steps: [mapStep({ items: '{{ input.list }}', concurrency: 4 })] },
      { list: range(300) },
    );
    const inserts = statements.mock.calls.filter(([query]) =>
      /INSERT INTO "StepItem"/.test(String((query as { text?: string }).text)),
    );
    statements.mockRestore();
    expect(run.status).toBe('SUCCEEDED');
    expect(step?.output).toEqual(range(300).map((n) => ({ n, doubled: n * 2 })));
    expect(items).toHaveLength(300);
    expect(items.every((item, index) => item.index === index && item.status === 'SUCCEEDED')).toBe(true);
    expect([...calls].sort((a, b) => a - b)).toEqual(range(300));
    expect(mostAtOnce).toBe(4);
    expect(inserts.length).toBeGreaterThan(0);
    expect(inserts.length).toBeLessThan(30); // 300 items, far fewer statements
  });

  it('fails fast on an item that fails for good: nothing starts after it, and the error names the item', async () => {
    const { run, step, items } = await runMap(
      { steps: [mapStep({ items: '{{ input.list }}', concurrency: 1 }, { n: '{{ item }}', fail: '{{ item = 3 }}' })] },
      { list: range(8) },
    );
    expect(run.status).toBe('FAILED');
    expect(step?.error).toMatchObject({ code: 'ACTION_FAILED', message: 'item 3 failed: item 3 is bad', index: 3 });
    expect(calls).toEqual([0, 1, 2, 3]);
    expect(items.map((item) => [item.index, item.status])).toEqual([
      [0, 'SUCCEEDED'],
      [1, 'SUCCEEDED'],
      [2, 'SUCCEEDED'],
      [3, 'FAILED'],
    ]);
  });

  it('with onItemError continue, runs every item and puts each failure in its place', async () => {
    const forEach = { items: '{{ input.list }}', onItemError: 'continue' };
    const { run, step } = await runMap(
      { steps: [mapStep(forEach, { n: '{{ item }}', fail: '{{ item % 2 = 1 }}' })] },
      { list: range(4) },
    );
    expect(run.status).toBe('SUCCEEDED');
    expect(step?.output).toEqual([
      { n: 0, doubled: 0 },
      { error: { code: 'ACTION_FAILED', message: 'item 1 is bad' } },
      { n: 2, doubled: 4 },
      { error: { code: 'ACTION_FAILED', message: 'item 3 is bad' } },
    ]);
  });

  it('retries only the items that failed retryably, never one that succeeded', async () => {
    const retry = { attempts: 3, backoff: 'fixed', delayMs: 10 };
    const definition = {
      steps: [mapStep({ items: '{{ input.list }}' }, { n: '{{ item }}', flaky: '{{ item = 2 }}' }, { retry })],
    };
    const { run, step, items } = await runMap(definition, { list: range(5) });
    expect(run.status).toBe('SUCCEEDED');
    expect(step?.attempt).toBe(2);
    expect([...calls].sort((a, b) => a - b)).toEqual([0, 1, 2, 2, 3, 4]);
    expect(items.map((item) => item.attempt)).toEqual([1, 1, 2, 1, 1]);
  });

  it('fails naming forEach.items when they are not an array, or more than maxItems', async () => {
    const notArray = await runMap({ steps: [mapStep({ items: '{{ input.list }}' })] }, { list: 'nope' });
    expect(notArray.step?.error).toMatchObject({
      code: 'VALIDATION_FAILED',
      message: 'forEach.items: expected an array, got string',
    });
    const tooMany = await runMap({ steps: [mapStep({ items: '{{ input.list }}', maxItems: 3 })] }, { list: range(4) });
    expect(tooMany.step?.error).toMatchObject({ message: 'forEach.items: 4 items, more than maxItems (3)' });
    expect(calls).toEqual([]);
  });

  it('lets the steps after it read its output, and its items read the run input and earlier outputs', async () => {
    const definition = {
      steps: [
        { key: 'factor', action: { app: 'core', version: '1', key: 'transform' }, input: { value: 10 } },
        mapStep({ items: '{{ input.list }}' }, { n: '{{ item * steps.factor.output + index }}' }, { dependsOn: ['factor'] }),
        {
          key: 'sum',
          action: { app: 'core', version: '1', key: 'transform' },
          input: { value: '{{ $sum(steps.map.output.n) }}' },
          dependsOn: ['map'],
        },
      ],
    };
    const { run } = await runMap(definition, { list: [1, 2, 3] });
    expect(run.stepRuns.find((s) => s.stepKey === 'sum')?.output).toBe(10 + 21 + 32);
  });
});
