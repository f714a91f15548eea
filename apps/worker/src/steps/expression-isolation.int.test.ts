import type { AddressInfo } from 'node:net';
import { insertRun, seedWorkflow, waitFor } from '@conveyor/testing';
import type { Worker } from 'bullmq';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { expressionProcesses } from '../../test/expression-processes';
import { createTestWorkerDeps, type TestWorkerDeps } from '../../test/test-worker';
import { createHealthServer } from '../health-server';
import { createRunWorker } from '../runs/run.worker';
import { createStepWorker } from './step.worker';

// A bomb in one tenant's step fails that step within the step's expression budget, while the
// worker's health probe answers and another tenant's step completes on the same worker.
const budgetMs = 1_000;
const transform = { app: 'core', version: '1', key: 'transform' };
let t: TestWorkerDeps;
let workers: Worker[];
let health: ReturnType<typeof createHealthServer>;
let healthUrl: string;

beforeAll(async () => {
  t = await createTestWorkerDeps('expression-isolation', { EXPRESSION_BUDGET_MS: String(budgetMs), EXPRESSION_PROCESSES: '2' });
  workers = [createRunWorker(t.deps, t.blocking), createStepWorker(t.deps, t.blocking)];
  health = createHealthServer({}, t.registry);
  await new Promise<void>((resolve) => health.listen(0, '127.0.0.1', resolve));
  healthUrl = `http://127.0.0.1:${(health.address() as AddressInfo).port}/healthz`;
  // One run end to end first: the timings below are not those of a cold start (connections, JIT).
  await slowestHealthAnswer(
    finished(await startRun({ steps: [{ key: 'warm', action: transform, input: { value: '{{ $string(1) }}' } }] }, {})),
  );
});
afterAll(async () => {
  health.close();
  await Promise.all(workers.map((worker) => worker.close()));
  expect(expressionProcesses().length).toBeGreaterThan(0);
  await t.close();
  // The worker's close (what its shutdown calls) leaves no expression process behind.
  expect(expressionProcesses()).toEqual([]);
});
// A process killed by the previous bomb is replaced; the timings below are not a process start's.
beforeEach(() => t.deps.expressions.start());

/** Calls /healthz back to back until `stop` resolves; the slowest answer in ms. */
async function slowestHealthAnswer(stop: Promise<unknown>): Promise<number> {
  let done = false;
  void stop.finally(() => {
    done = true;
  });
  let slowest = 0;
  while (!done) {
    const started = performance.now();
    const response = await fetch(healthUrl);
    expect(response.status).toBe(200);
    await response.text();
    slowest = Math.max(slowest, performance.now() - started);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return slowest;
}

async function startRun(definition: object, input: object) {
  const fixture = await seedWorkflow(t.db.prisma, definition);
  const runId = await insertRun(t.db.prisma, fixture, input);
  await t.deps.runs.dispatch({ tenantId: fixture.tenantId, runId });
  return runId;
}

const readRun = (runId: string) =>
  t.db.prisma.workflowRun.findUniqueOrThrow({ where: { id: runId }, include: { stepRuns: true } });
const finished = (runId: string) =>
  waitFor(
    () => readRun(runId),
    (run) => ['SUCCEEDED', 'FAILED'].includes(run.status),
    20_000,
    20,
  );

/**
 * A memory bomb ends in whichever bound it meets first: the heap (EXPRESSION_LIMIT) on an idle machine,
 * the time budget (EXPRESSION_TIMEOUT) when the machine is too busy to allocate that fast. Either way it
 * fails its own step within the budget, which is what is asserted.
 */
const MEMORY_BOMB = ['EXPRESSION_LIMIT', 'EXPRESSION_TIMEOUT'];

describe('a template bomb on the worker', () => {
  it.each([
    [
      'string doubling',
      '{{ ($f := function($s, $n){ $n = 0 ? $s : $f($s & $s, $n - 1) }; $length($f("ab", 27))) }}',
      MEMORY_BOMB,
    ],
    ['$pad to 5e8 characters', '{{ $pad("", 500000000) }}', MEMORY_BOMB],
    ['an endless tail-recursive function', '{{ ($f := function($n){ $f($n + 1) }; $f(0)) }}', ['EXPRESSION_TIMEOUT']],
    ['a backtracking regex the check misses', '{{ $match($pad("", 300, "a"), /a*a*a*a*a*a*b/) }}', ['EXPRESSION_TIMEOUT']],
    ['the regex /^(a|a)*$/ on 27 characters', '{{ $contains(input.s, /^(a|a)*$/) }}', ['VALIDATION_FAILED']],
    ['deep recursion', '{{ ($f := function($n){ $f($n + 1) + 1 }; $f(0)) }}', ['VALIDATION_FAILED']],
  ])('%s fails its own step within the budget; the worker stays responsive', async (_name, bomb, codes) => {
    const bombRunId = await startRun(
      { steps: [{ key: 'bomb', action: transform, input: { value: { fine: '{{ input.s }}', bomb } } }] },
      { s: `${'a'.repeat(27)}!` },
    );
    const bombDone = finished(bombRunId);
    const slowest = slowestHealthAnswer(bombDone);
    await waitFor(
      () => readRun(bombRunId),
      (run) => run.stepRuns.some((step) => step.status !== 'QUEUED'),
      10_000,
      10,
    );
    // Another tenant's step, plain and isolated expressions both, on the same worker meanwhile.
    const otherStarted = Date.now();
    const otherRunId = await startRun(
      {
        steps: [{ key: 'simple', action: transform, input: { value: { n: '{{ input.n }}', s: '{{ $string(input.n * 2) }}' } } }],
      },
      { n: 21 },
    );
    const other = await finished(otherRunId);
    const otherMs = Date.now() - otherStarted;
    const bombRun = await bombDone;

    expect(other.status).toBe('SUCCEEDED');
    expect(other.stepRuns[0]?.output).toEqual({ n: 21, s: '42' });
    expect(otherMs).toBeLessThan(budgetMs);
    expect(bombRun.status).toBe('FAILED');
    const [step] = bombRun.stepRuns;
    expect(codes).toContain(step?.error && (step.error as { code: string }).code);
    expect(step?.error).toMatchObject({ message: expect.stringMatching(/^step "bomb" input\.value\.bomb: /) });
    const stepMs = (step?.finishedAt?.getTime() ?? 0) - (step?.startedAt?.getTime() ?? 0);
    expect(stepMs).toBeLessThan(budgetMs + 500); // the kill, its notice and the outcome statement
    expect(await slowest).toBeLessThan(100);
  });
});
