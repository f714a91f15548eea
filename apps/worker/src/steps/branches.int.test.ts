import { insertRun, seedWorkflow, waitFor } from '@conveyor/testing';
import type { Worker } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestWorkerDeps, type TestWorkerDeps } from '../../test/test-worker';
import { createRunWorker } from '../runs/run.worker';
import { createStepWorker } from './step.worker';

let t: TestWorkerDeps;
let workers: Worker[];
beforeAll(async () => {
  t = await createTestWorkerDeps('branches');
  workers = [createRunWorker(t.deps, t.blocking), createStepWorker(t.deps, t.blocking)];
});
afterAll(async () => {
  await Promise.all(workers.map((worker) => worker.close()));
  await t.close();
});

const core = (key: string) => ({ app: 'core', version: '1', key });
const say = (key: string, value: unknown, extra: object) => ({ key, action: core('transform'), input: { value }, ...extra });
const onBranch = (name: string) => ({ dependsOn: ['route'], branch: { switch: 'route', case: name } });

/** Orders are routed: refunds take two steps, charges one, anything else goes to a person; all meet at `reply`. */
const definition = {
  steps: [
    {
      key: 'route',
      action: core('switch'),
      input: {
        cases: [
          { branch: 'refund', when: '{{ input.kind = "refund" }}' },
          { branch: 'charge', when: '{{ input.amount > 0 }}' },
        ],
        else: 'manual',
      },
    },
    say('refund', 'refunding', onBranch('refund')),
    say('refunded', '{{ steps.refund.output & " done" }}', { dependsOn: ['refund'] }),
    say('charge', '{{ "charged " & $string(input.amount) }}', onBranch('charge')),
    say('manual', 'to a person', onBranch('manual')),
    { key: 'reply', action: core('noop'), dependsOn: ['refunded', 'charge', 'manual'], join: 'any' },
  ],
};

async function run(input: object) {
  const fixture = await seedWorkflow(t.db.prisma, definition);
  const runId = await insertRun(t.db.prisma, fixture, input);
  await t.deps.runs.dispatch({ tenantId: fixture.tenantId, runId });
  const finished = await waitFor(
    () => t.db.prisma.workflowRun.findUniqueOrThrow({ where: { id: runId }, include: { stepRuns: true } }),
    (found) => ['SUCCEEDED', 'FAILED', 'CANCELLED'].includes(found.status),
    15_000,
  );
  const steps = Object.fromEntries(finished.stepRuns.map((step) => [step.stepKey, step]));
  return { status: finished.status, steps, statuses: Object.fromEntries(finished.stepRuns.map((s) => [s.stepKey, s.status])) };
}

describe('a switch', () => {
  it('runs exactly the chosen branch, records the others skipped, and the join after it runs', async () => {
    const refund = await run({ kind: 'refund', amount: 5 });
    expect(refund.status).toBe('SUCCEEDED');
    expect(refund.statuses).toEqual({
      route: 'SUCCEEDED',
      refund: 'SUCCEEDED',
      refunded: 'SUCCEEDED',
      charge: 'SKIPPED',
      manual: 'SKIPPED',
      reply: 'SUCCEEDED',
    });
    expect(refund.steps.route?.output).toEqual({ branch: 'refund' });
    expect(refund.steps.refunded?.output).toBe('refunding done');
    expect(refund.steps.charge?.error).toEqual({
      code: 'SKIPPED',
      message: 'switch "route" chose branch "refund", not "charge"',
    });
  });

  it('takes the first case that holds, else the default branch', async () => {
    const charge = await run({ kind: 'order', amount: 12 });
    expect(charge.statuses).toMatchObject({ charge: 'SUCCEEDED', refund: 'SKIPPED', refunded: 'SKIPPED', manual: 'SKIPPED' });
    expect(charge.steps.charge?.output).toBe('charged 12');
    expect(charge.steps.refunded?.error).toMatchObject({ code: 'SKIPPED' });
    const manual = await run({ kind: 'order', amount: 0 });
    expect(manual).toMatchObject({ status: 'SUCCEEDED' });
    expect(manual.statuses).toMatchObject({ manual: 'SUCCEEDED', charge: 'SKIPPED', refund: 'SKIPPED', reply: 'SUCCEEDED' });
  });
});
