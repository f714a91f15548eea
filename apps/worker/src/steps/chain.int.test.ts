import { type Action, defineAction } from '@conveyor/actions';
import { LOG_COLLECTION } from '@conveyor/logs';
import { runJob } from '@conveyor/queue';
import { insertRun, seedWorkflow, waitFor } from '@conveyor/testing';
import type { Worker } from 'bullmq';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { createTestWorkerDeps, type TestWorkerDeps } from '../../test/test-worker';
import { createRunWorker } from '../runs/run.worker';
import { CHAIN_LIMITS } from './carried-steps';
import { createStepWorker } from './step.worker';

// An inline test action that holds its step until the test opens the gate (or the run is cancelled).
let gate = openable();
function openable() {
  let resolve = () => {};
  const promise = new Promise<void>((done) => {
    resolve = done;
  });
  return { promise, resolve };
}
const held: Action = defineAction({
  ref: { app: 'test', version: '1', key: 'held' },
  name: 'Held',
  description: 'Waits for the test',
  inputSchema: z.unknown(),
  inline: true,
  async execute(input, ctx) {
    await new Promise<void>((resolve, reject) => {
      ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason), { once: true });
      void gate.promise.then(resolve);
    });
    return { kind: 'output', output: input };
  },
});

let t: TestWorkerDeps;
let workers: Worker[];
beforeAll(async () => {
  t = await createTestWorkerDeps('chain', {}, [held]);
  workers = [createRunWorker(t.deps, t.blocking), createStepWorker(t.deps, t.blocking)];
});
afterEach(() => {
  gate.resolve();
  gate = openable();
  vi.restoreAllMocks();
});
afterAll(async () => {
  await Promise.all(workers.map((worker) => worker.close()));
  await t.close();
});

const transform = (key: string, value: unknown, dependsOn: string[] = []) => ({
  key,
  action: { app: 'core', version: '1', key: 'transform' },
  input: { value },
  dependsOn,
});
const chainOf = (length: number) =>
  Array.from({ length }, (_, i) =>
    transform(`s${i}`, i === 0 ? '{{ input.n }}' : `{{ steps.s${i - 1}.output + 1 }}`, i ? [`s${i - 1}`] : []),
  );

async function start(definition: object) {
  const fixture = await seedWorkflow(t.db.prisma, definition);
  const runId = await insertRun(t.db.prisma, fixture, { n: 1 });
  await t.deps.runs.dispatch({ tenantId: fixture.tenantId, runId });
  return { tenantId: fixture.tenantId, runId };
}

const readRun = (runId: string) =>
  t.db.prisma.workflowRun.findUniqueOrThrow({ where: { id: runId }, include: { stepRuns: { orderBy: { stepKey: 'asc' } } } });

async function finished(runId: string) {
  return waitFor(
    () => readRun(runId),
    (run) => ['SUCCEEDED', 'FAILED', 'CANCELLED'].includes(run.status),
    15_000,
  );
}

/** From now on, the statements sent on the worker's pool that write StepRun rows: those of one run, by its id. */
function recordStepWrites(): (runId: string) => string[] {
  const statements: { text: string; values: unknown[] }[] = [];
  const query = t.deps.pool.query.bind(t.deps.pool) as (...args: unknown[]) => unknown;
  vi.spyOn(t.deps.pool, 'query').mockImplementation(((statement: { text?: string; values?: unknown[] }, ...rest: unknown[]) => {
    if (/(INSERT INTO|UPDATE) "StepRun"/.test(statement.text ?? '')) {
      statements.push({ text: statement.text ?? '', values: statement.values ?? [] });
    }
    return query(statement, ...rest);
  }) as typeof t.deps.pool.query);
  return (runId) => statements.filter((statement) => statement.values.includes(runId)).map((statement) => statement.text);
}

/** Every step id the run's execution log lines name. */
async function loggedStepIds(runId: string): Promise<Set<string>> {
  await t.deps.logWriter.flush();
  const lines = await t.mongo.db.collection(LOG_COLLECTION).find({ workflowRunId: runId }).toArray();
  return new Set(lines.map((line) => String(line.stepRunId)));
}

describe('a chain of inline steps run by one job', () => {
  it('is recorded by one statement after the run’s start, each step with its own attempt times and log lines', async () => {
    const writes = recordStepWrites();
    const ref = await start({ steps: chainOf(3) });
    const run = await finished(ref.runId);
    expect(run.status).toBe('SUCCEEDED');
    expect(run.output).toEqual({ s2: 3 });
    expect(run.stepRuns.map((step) => [step.stepKey, step.status, step.attempt, step.output, step.jobId])).toEqual([
      ['s0', 'SUCCEEDED', 1, 1, runJob.id(ref.runId)],
      ['s1', 'SUCCEEDED', 1, 2, runJob.id(ref.runId)],
      ['s2', 'SUCCEEDED', 1, 3, runJob.id(ref.runId)],
    ]);
    // The start statement created s0 RUNNING; the next one recorded the three and finished the run.
    expect(writes(ref.runId)).toHaveLength(2);
    const times = run.stepRuns.map((step) => [step.startedAt?.getTime() ?? 0, step.finishedAt?.getTime() ?? 0]);
    for (const [index, [started, ended]] of times.entries()) {
      expect(ended).toBeGreaterThanOrEqual(started ?? 0);
      if (index > 0) expect(started).toBeGreaterThanOrEqual(times[index - 1]?.[1] ?? 0);
    }
    expect(await loggedStepIds(ref.runId)).toEqual(new Set(run.stepRuns.map((step) => step.id)));
  });

  it('holds only its first step in PostgreSQL while the job runs the rest in memory', async () => {
    const ref = await start({
      steps: [
        ...chainOf(2),
        { key: 's2', action: { app: 'test', version: '1', key: 'held' }, input: { value: 7 }, dependsOn: ['s1'] },
      ],
    });
    const midway = await waitFor(
      () => readRun(ref.runId),
      (run) => run.stepRuns.length > 0,
      15_000,
    );
    await new Promise((resolve) => setTimeout(resolve, 100)); // s0 and s1 done in memory, s2 held
    expect((await readRun(ref.runId)).stepRuns.map((step) => [step.stepKey, step.status])).toEqual([['s0', 'RUNNING']]);
    expect(midway.status).toBe('RUNNING');
    gate.resolve();
    const run = await finished(ref.runId);
    expect(run.stepRuns.map((step) => [step.stepKey, step.status, step.output])).toEqual([
      ['s0', 'SUCCEEDED', 1],
      ['s1', 'SUCCEEDED', 2],
      ['s2', 'SUCCEEDED', { value: 7 }],
    ]);
  });

  it('records a chain longer than its limit in parts, each part starting the step the next begins with', async () => {
    const length = CHAIN_LIMITS.steps + 4;
    const writes = recordStepWrites();
    const ref = await start({ steps: chainOf(length) });
    const run = await finished(ref.runId);
    expect(run.status).toBe('SUCCEEDED');
    expect(run.output).toEqual({ [`s${length - 1}`]: length });
    expect(run.stepRuns.every((step) => step.status === 'SUCCEEDED' && step.attempt === 1)).toBe(true);
    expect(writes(ref.runId)).toHaveLength(3);
  });

  it('records the successes before a step that fails, then the failure under the id its log lines name', async () => {
    const ref = await start({
      steps: [...chainOf(2), transform('s2', '{{ $number("boom") }}', ['s1']), transform('s3', 1, ['s2'])],
    });
    const run = await finished(ref.runId);
    expect(run.status).toBe('FAILED');
    expect(run.stepRuns.map((step) => [step.stepKey, step.status])).toEqual([
      ['s0', 'SUCCEEDED'],
      ['s1', 'SUCCEEDED'],
      ['s2', 'FAILED'],
      ['s3', 'SKIPPED'],
    ]);
    expect(run.stepRuns[2]?.error).toMatchObject({ message: expect.stringContaining('number') });
    const logged = await loggedStepIds(ref.runId);
    expect(logged).toEqual(new Set(run.stepRuns.slice(0, 3).map((step) => step.id)));
  });

  it('records nothing after its first step when the run is cancelled mid-chain', async () => {
    const ref = await start({
      steps: [
        ...chainOf(2),
        { key: 's2', action: { app: 'test', version: '1', key: 'held' }, input: { value: 7 }, dependsOn: ['s1'] },
      ],
    });
    await waitFor(
      () => readRun(ref.runId),
      (run) => run.stepRuns.length > 0,
      15_000,
    );
    await t.deps.runs.cancel(ref, 'stop');
    gate.resolve();
    await new Promise((resolve) => setTimeout(resolve, 300));
    const run = await readRun(ref.runId);
    expect(run.status).toBe('CANCELLED');
    expect(run.stepRuns.map((step) => [step.stepKey, step.status])).toEqual([['s0', 'CANCELLED']]);
  });
});
