import { Writable } from 'node:stream';
import { type Action, ActionError, defineAction } from '@conveyor/actions';
import { insertConnection } from '@conveyor/db';
import { createLogger } from '@conveyor/observability';
import { insertRun, seedWorkflow, waitFor } from '@conveyor/testing';
import type { Worker } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createTestWorkerDeps, type TestWorkerDeps } from '../../test/test-worker';
import { createRunWorker } from '../runs/run.worker';
import { createStepWorker } from './step.worker';

const SECRET = 'sk_live_i13sec_5f2c9a';

// An action whose failure quotes its connection: the message, the details and the stack carry the secret.
const leaky: Action = defineAction({
  ref: { app: 'test', version: '1', key: 'leaky' },
  name: 'Leaky',
  description: 'Fails with an error that quotes its connection',
  inputSchema: z.object({}).passthrough(),
  async execute(_input, ctx) {
    const key = String(ctx.connection?.apiKey);
    throw new ActionError({
      retryable: true,
      message: `upstream refused key ${key}`,
      details: { echoed: `key=${key}`, headers: { 'x-api-key': 'not the connection' } },
    });
  },
});

const processLog: string[] = [];
let t: TestWorkerDeps;
let workers: Worker[];
beforeAll(async () => {
  const sink = new Writable({
    write(chunk, _encoding, done) {
      processLog.push(String(chunk));
      done();
    },
  });
  const log = createLogger({ service: 'worker', level: 'info', destination: sink });
  t = await createTestWorkerDeps('redaction', {}, [leaky], { log });
  workers = [createRunWorker(t.deps, t.blocking), createStepWorker(t.deps, t.blocking)];
});
afterAll(async () => {
  await Promise.all(workers.map((worker) => worker.close()));
  await t.close();
});

describe('a failed step’s error', () => {
  it('never carries its connection’s values: not in StepRun.error, the job’s failure, nor the process log', async () => {
    const placeholder = '00000000-0000-4000-8000-000000000000';
    const step = (connectionId: string) => ({
      key: 'call',
      action: { app: 'test', version: '1', key: 'leaky' },
      connectionId,
      retry: { attempts: 2, backoff: 'fixed', delayMs: 10 },
    });
    const fixture = await seedWorkflow(t.db.prisma, { steps: [step(placeholder)] });
    // sealed as the api stores it: with the tenant's data key (envelope form)
    const connection = await insertConnection(t.db.prisma, t.deps.keyring, {
      tenantId: fixture.tenantId,
      appId: null,
      name: 'api',
      credentials: { apiKey: SECRET },
      createdById: null,
    });
    if (connection.kind !== 'created') throw new Error('connection not created');
    await t.db.prisma.workflowVersion.update({
      where: { id: fixture.versionId },
      data: { definition: { steps: [step(connection.connectionId)] } },
    });
    const runId = await insertRun(t.db.prisma, fixture, {});
    await t.deps.runs.dispatch({ tenantId: fixture.tenantId, runId });
    const run = await waitFor(
      () => t.db.prisma.workflowRun.findUniqueOrThrow({ where: { id: runId }, include: { stepRuns: true } }),
      (current) => current.status === 'FAILED',
      15_000,
    );

    const [call] = run.stepRuns;
    expect(call).toMatchObject({ status: 'FAILED', attempt: 2 });
    expect(call?.error).toMatchObject({ message: 'upstream refused key [REDACTED]', details: { echoed: 'key=[REDACTED]' } });
    // the key rule too: a value under a secret-looking key is replaced, whatever it is
    expect(call?.error).toMatchObject({ details: { headers: { 'x-api-key': '[REDACTED]' } } });

    // The run is FAILED once the outcome is recorded; BullMQ fails the job just after.
    const job = await waitFor(
      async () => (await t.deps.queues.steps.getJobs(['failed'])).find((candidate) => candidate.data.runId === runId),
      (found) => found !== undefined,
      5_000,
    );
    expect(job?.attemptsMade).toBe(2);
    expect(job?.failedReason).toContain('[REDACTED]');
    expect(JSON.stringify([job?.failedReason, job?.stacktrace])).not.toContain(SECRET);

    const failures = processLog.filter((line) => line.includes('step attempt failed'));
    expect(failures).toHaveLength(2);
    expect(processLog.join('')).not.toContain(SECRET);
  });
});
