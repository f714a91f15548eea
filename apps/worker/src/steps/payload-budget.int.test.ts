import { insertRun, seedWorkflow, waitFor } from '@conveyor/testing';
import type { Worker } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestWorkerDeps, type TestWorkerDeps } from '../../test/test-worker';
import { createRunWorker } from '../runs/run.worker';
import { createStepWorker } from './step.worker';

let t: TestWorkerDeps;
let workers: Worker[];
beforeAll(async () => {
  t = await createTestWorkerDeps('payload-budget', { STEP_OUTPUT_MAX_BYTES: '1000' });
  workers = [createRunWorker(t.deps, t.blocking), createStepWorker(t.deps, t.blocking)];
});
afterAll(async () => {
  await Promise.all(workers.map((worker) => worker.close()));
  await t.close();
});

describe('step output budget (STEP_OUTPUT_MAX_BYTES)', () => {
  it('fails the step that outputs too much with PAYLOAD_TOO_LARGE, at once (no retry), and stores no output', async () => {
    const fixture = await seedWorkflow(t.db.prisma, {
      steps: [
        {
          key: 'echo',
          action: { app: 'core', version: '1', key: 'transform' },
          input: { value: '{{ input.blob }}' },
          retry: { maxAttempts: 3 },
        },
      ],
    });
    const run = async (blob: string) => {
      const runId = await insertRun(t.db.prisma, fixture, { blob });
      await t.deps.runs.dispatch({ tenantId: fixture.tenantId, runId });
      return waitFor(
        () => t.db.prisma.workflowRun.findUniqueOrThrow({ where: { id: runId }, include: { stepRuns: true } }),
        (current) => ['SUCCEEDED', 'FAILED'].includes(current.status),
        15_000,
      );
    };
    const big = await run('x'.repeat(2_000));
    expect(big.status).toBe('FAILED');
    const [step] = big.stepRuns;
    expect(step?.status).toBe('FAILED');
    expect(step?.attempt).toBe(1);
    expect(step?.output).toBeNull();
    expect(step?.error).toMatchObject({
      code: 'PAYLOAD_TOO_LARGE',
      message: 'the step output is larger than 1000 bytes of JSON (STEP_OUTPUT_MAX_BYTES)',
    });
    expect((await run('small')).status).toBe('SUCCEEDED');
  });
});
