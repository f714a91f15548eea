import { insertRun, seedWorkflow, type TenantFixture, waitFor } from '@conveyor/testing';
import type { Worker } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestWorkerDeps, type TestWorkerDeps } from '../../test/test-worker';
import { reconcileOnce } from '../reconciler/reconciler';
import { createRunWorker } from '../runs/run.worker';
import { createStepWorker } from './step.worker';

let t: TestWorkerDeps;
let workers: Worker[];
beforeAll(async () => {
  t = await createTestWorkerDeps('run-workflow');
  workers = [createRunWorker(t.deps, t.blocking), createStepWorker(t.deps, t.blocking)];
});
afterAll(async () => {
  await Promise.all(workers.map((worker) => worker.close()));
  await t.close();
});

const core = (key: string) => ({ app: 'core', version: '1', key });
const doubler = { steps: [{ key: 'double', action: core('transform'), input: { value: '{{ input.n * 2 }}' } }] };

/** Another workflow of the fixture's tenant, with these definitions as versions 1, 2, …; its id. */
async function addWorkflow(fixture: TenantFixture, ...definitions: object[]): Promise<string> {
  const { prisma } = t.db;
  const workflow = await prisma.workflow.create({ data: { tenantId: fixture.tenantId, name: `child-${crypto.randomUUID()}` } });
  let current = '';
  for (const [index, definition] of definitions.entries()) {
    const version = await prisma.workflowVersion.create({
      data: { tenantId: fixture.tenantId, workflowId: workflow.id, version: index + 1, definition },
    });
    current = version.id;
  }
  await prisma.workflow.update({ where: { id: workflow.id }, data: { currentVersionId: current } });
  return workflow.id;
}

const callChild = (workflowId: string, extra: object = {}) => ({
  steps: [
    { key: 'child', action: core('runWorkflow'), input: { workflowId, input: { n: '{{ input.n }}' }, ...extra } },
    { key: 'after', action: core('transform'), input: { value: '{{ steps.child.output }}' }, dependsOn: ['child'] },
  ],
});

/** A parent workflow in the tenant of a fresh fixture, calling a child made by `child` (its id given). */
async function parentAndChild(child: (fixture: TenantFixture) => Promise<string>, extra: object = {}) {
  const fixture = await seedWorkflow(t.db.prisma, { steps: [{ key: 'placeholder', action: core('noop') }] });
  const childId = await child(fixture);
  const parentVersion = await t.db.prisma.workflowVersion.create({
    data: { tenantId: fixture.tenantId, workflowId: fixture.workflowId, version: 2, definition: callChild(childId, extra) },
  });
  await t.db.prisma.workflow.update({ where: { id: fixture.workflowId }, data: { currentVersionId: parentVersion.id } });
  return { fixture, childId };
}

async function start(fixture: TenantFixture, input: object) {
  const runId = await insertRun(t.db.prisma, fixture, input);
  await t.deps.runs.dispatch({ tenantId: fixture.tenantId, runId });
  return runId;
}

const readRun = (id: string) => t.db.prisma.workflowRun.findUniqueOrThrow({ where: { id }, include: { stepRuns: true } });
const ended = (id: string, timeoutMs = 20_000) =>
  waitFor(
    () => readRun(id),
    (run) => ['SUCCEEDED', 'FAILED', 'CANCELLED'].includes(run.status),
    timeoutMs,
  );
const childrenOf = (parentRunId: string) => t.db.prisma.workflowRun.findMany({ where: { parentRunId } });

describe('a runWorkflow step', () => {
  it('starts a child run and completes with its output; the child shows its parent', async () => {
    const { fixture } = await parentAndChild((f) => addWorkflow(f, doubler));
    const runId = await start(fixture, { n: 21 });
    const run = await ended(runId);
    expect(run.status).toBe('SUCCEEDED');
    const step = run.stepRuns.find((s) => s.stepKey === 'child');
    expect(step?.output).toEqual({ double: 42 });
    const [child] = await childrenOf(runId);
    expect(child).toMatchObject({ status: 'SUCCEEDED', parentStepRunId: step?.id, depth: 1, input: { n: 21 } });
  });

  it('runs the pinned version, and fails with the child’s error when the child fails', async () => {
    const failing = { steps: [{ key: 'boom', action: core('transform'), input: { value: '{{ $error("no stock") }}' } }] };
    const pinned = await parentAndChild((f) => addWorkflow(f, doubler, failing), { version: 1 });
    expect((await ended(await start(pinned.fixture, { n: 2 }))).status).toBe('SUCCEEDED');
    const current = await parentAndChild((f) => addWorkflow(f, doubler, failing));
    const run = await ended(await start(current.fixture, { n: 2 }));
    expect(run.status).toBe('FAILED');
    expect(run.stepRuns.find((s) => s.stepKey === 'child')?.error).toMatchObject({
      code: 'CONFLICT',
      message: expect.stringMatching(/^child run .+ FAILED: failed steps: boom/),
    });
  });

  it('fails naming what is missing for a workflow or version the tenant does not have', async () => {
    const other = await seedWorkflow(t.db.prisma, doubler); // another tenant's workflow
    const { fixture } = await parentAndChild(async () => other.workflowId);
    const run = await ended(await start(fixture, { n: 1 }));
    expect(run.stepRuns.find((s) => s.stepKey === 'child')?.error).toMatchObject({
      code: 'NOT_FOUND',
      message: expect.stringContaining(`no active workflow ${other.workflowId}`),
    });
    expect(await childrenOf(run.id)).toEqual([]);
  });

  it('cancels its child runs when the parent is cancelled', async () => {
    const slow = { steps: [{ key: 'pause', action: core('delay'), input: { ms: 60_000 } }] };
    const { fixture } = await parentAndChild((f) => addWorkflow(f, slow));
    const runId = await start(fixture, { n: 1 });
    const [child] = await waitFor(
      () => childrenOf(runId),
      (found) => found[0]?.status === 'RUNNING',
      15_000,
    );
    await t.deps.runs.cancel({ tenantId: fixture.tenantId, runId }, 'stop');
    expect((await ended(child?.id as string)).status).toBe('CANCELLED');
  });

  it('bounds the depth of a workflow that runs itself', async () => {
    const fixture = await seedWorkflow(t.db.prisma, { steps: [{ key: 'placeholder', action: core('noop') }] });
    const recursive = await t.db.prisma.workflowVersion.create({
      data: { tenantId: fixture.tenantId, workflowId: fixture.workflowId, version: 2, definition: callChild(fixture.workflowId) },
    });
    await t.db.prisma.workflow.update({ where: { id: fixture.workflowId }, data: { currentVersionId: recursive.id } });
    const run = await ended(await start(fixture, { n: 1 }), 30_000);
    expect(run.status).toBe('FAILED');
    const runs = await t.db.prisma.workflowRun.findMany({ where: { tenantId: fixture.tenantId }, orderBy: { depth: 'asc' } });
    expect(runs.map((r) => r.depth)).toEqual([0, 1, 2, 3, 4, 5]);
    const deepest = await readRun(runs[5]?.id as string);
    expect(deepest.stepRuns.find((s) => s.stepKey === 'child')?.error).toMatchObject({ code: 'VALIDATION_FAILED' });
  });

  it('is settled by the reconciler when its wake-up was lost, and the child’s children are cancelled with a failed parent', async () => {
    const slow = { steps: [{ key: 'pause', action: core('delay'), input: { ms: 600 } }] };
    const { fixture } = await parentAndChild((f) => addWorkflow(f, slow));
    const runId = await start(fixture, { n: 1 });
    const [child] = await waitFor(
      () => childrenOf(runId),
      (found) => found.length === 1,
      15_000,
    );
    const parentStep = await waitFor(
      () => t.db.prisma.stepRun.findFirst({ where: { workflowRunId: runId, stepKey: 'child' }, include: { wait: true } }),
      (step) => step?.status === 'QUEUED' && step.wait !== null,
      15_000,
    );
    await t.deps.queues.steps.remove(parentStep?.jobId as string); // Redis lost the parent's wait
    expect((await ended(child?.id as string)).status).toBe('SUCCEEDED');
    await t.db.prisma.stepRun.update({ where: { id: parentStep?.id }, data: { updatedAt: new Date(Date.now() - 60_000) } });
    await reconcileOnce(t.deps, 1_000);
    expect((await ended(runId)).status).toBe('SUCCEEDED');
  });
});
