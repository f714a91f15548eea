import { workflowDefinitionSchema } from '@conveyor/engine';
import { createTestDatabase, insertRun, seedWorkflow, type TestDatabase } from '@conveyor/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { claimStep, dispatchRun, startRun } from './index';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase('claim_step');
});
afterAll(async () => {
  await db.drop();
});

describe('claimStep', () => {
  it('reads everything the attempt needs in its one round trip, the tenant’s private-network allowlist too', async () => {
    const definition = workflowDefinitionSchema.parse({
      steps: [{ key: 'a', action: { app: 'core', version: '1', key: 'transform' }, input: { value: '{{ input.n }}' } }],
    });
    const fixture = await seedWorkflow(db.prisma, definition, { allowPrivateNetworks: ['10.0.0.0/8'] });
    const runId = await insertRun(db.prisma, fixture, { n: 1 });
    const ref = { tenantId: fixture.tenantId, runId };
    await dispatchRun(db.pool, ref);
    const [queued] = (await startRun(db.pool, ref, definition)).queued;
    if (!queued) throw new Error('no step queued');

    const claimed = await claimStep(db.pool, { tenantId: fixture.tenantId, stepRunId: queued.stepRunId, jobId: queued.jobId });

    expect(claimed).toMatchObject({ runId, stepKey: 'a', attempt: 1, outputs: {} });
    expect(claimed?.run).toMatchObject({ status: 'RUNNING', input: { n: 1 }, allowPrivateNetworks: ['10.0.0.0/8'] });
  });
});
