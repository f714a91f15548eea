import { createTestDatabase, seedWebhookTrigger, seedWorkflow, type TenantFixture, type TestDatabase } from '@conveyor/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeDebounceWindow, getRunForExecution, startDebouncedRun } from './index';
import { collapseIntoRun } from './run-transitions';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase('debounced_runs');
});
afterAll(async () => {
  await db.drop();
});

const definition = { steps: [{ key: 'only', action: { app: 'core', version: '1', key: 'noop' } }] };

async function seedTrigger(tenant?: TenantFixture) {
  const owner = tenant ?? (await seedWorkflow(db.prisma, definition));
  const { triggerId } = await seedWebhookTrigger(db.prisma, owner);
  return { tenant: owner, triggerId };
}
type Seeded = Awaited<ReturnType<typeof seedTrigger>>;

const call = ({ tenant, triggerId }: Seeded, input: object, idempotencyKey?: string) => ({
  tenantId: tenant.tenantId,
  workflowId: tenant.workflowId,
  triggerId,
  input,
  idempotencyKey,
});
const rowOf = (runId: string) => db.prisma.workflowRun.findUniqueOrThrow({ where: { id: runId } });
const runsOf = (tenant: TenantFixture) => db.prisma.workflowRun.count({ where: { tenantId: tenant.tenantId } });
const created = async (seeded: Seeded, input: object) => {
  const started = await startDebouncedRun(db.pool, call(seeded, input), null);
  if (started.kind !== 'created') throw new Error(`expected a new run, got ${started.kind}`);
  return started.runId;
};

describe('startDebouncedRun', () => {
  it('creates a QUEUED run with its window open, and collapses later calls into it: its input is the last one', async () => {
    const seeded = await seedTrigger();
    const first = await startDebouncedRun(db.pool, call(seeded, { n: 1 }), null);
    expect(first).toEqual({ kind: 'created', runId: expect.any(String), queued: { priority: 0 } });
    const runId = first.kind === 'created' ? first.runId : '';
    expect(await rowOf(runId)).toMatchObject({ status: 'QUEUED', debounceOpen: true, input: { n: 1 } });

    for (const n of [2, 3]) {
      expect(await startDebouncedRun(db.pool, call(seeded, { n }), runId)).toEqual({ kind: 'collapsed', runId, priority: 0 });
    }
    expect(await rowOf(runId)).toMatchObject({ status: 'QUEUED', debounceOpen: true, input: { n: 3 } });
    expect(await runsOf(seeded.tenant)).toBe(1);
  });

  it('gives a call its own run once the run job closed the window, and leaves the closed run as it was', async () => {
    const seeded = await seedTrigger();
    const runId = await created(seeded, { n: 1 });
    await closeDebounceWindow(db.pool, { tenantId: seeded.tenant.tenantId, runId });
    const late = await startDebouncedRun(db.pool, call(seeded, { n: 2 }), runId);
    expect(late).toMatchObject({ kind: 'created' });
    expect(late.kind === 'created' && late.runId).not.toBe(runId);
    expect(await rowOf(runId)).toMatchObject({ debounceOpen: false, input: { n: 1 } });
  });

  it('orders a call and the closing of the window by the row: the run job reads every call committed before it closed', async () => {
    const seeded = await seedTrigger();
    const runId = await created(seeded, { n: 1 });
    const ref = { tenantId: seeded.tenant.tenantId, runId, triggerId: seeded.triggerId };
    // A call in flight holds the row: the run job's close waits for it, then its read sees the call's input.
    const tx = await db.pool.connect();
    try {
      await tx.query('BEGIN');
      expect(await collapseIntoRun(tx, ref, { n: 2 })).toEqual({ priority: 0 });
      let closed = false;
      const closing = closeDebounceWindow(db.pool, ref).then(() => (closed = true));
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(closed).toBe(false);
      await tx.query('COMMIT');
      await closing;
    } finally {
      tx.release();
    }
    expect(await getRunForExecution(db.pool, ref)).toMatchObject({ debounceOpen: false, input: { n: 2 } });

    // The close in flight holds the row: a call waits for it, then finds the window closed.
    const other = await created(seeded, { n: 3 });
    const otherRef = { ...ref, runId: other };
    const closer = await db.pool.connect();
    try {
      await closer.query('BEGIN');
      await closeDebounceWindow(closer, otherRef);
      const collapsing = collapseIntoRun(db.pool, otherRef, { n: 4 });
      await new Promise((resolve) => setTimeout(resolve, 200));
      await closer.query('COMMIT');
      expect(await collapsing).toBeNull();
    } finally {
      closer.release();
    }
    expect(await rowOf(other)).toMatchObject({ input: { n: 3 } });
  });

  it("never collapses a call into another trigger's or another tenant's run, whatever its window names", async () => {
    const a = await seedTrigger();
    const runId = await created(a, { owner: 'a' });
    const sibling = await seedTrigger(a.tenant);
    const b = await seedTrigger();
    for (const intruder of [sibling, b]) {
      const started = await startDebouncedRun(db.pool, call(intruder, { owner: 'intruder' }), runId);
      expect(started).toMatchObject({ kind: 'created' });
      expect(started.kind === 'created' && started.runId).not.toBe(runId);
    }
    expect(await rowOf(runId)).toMatchObject({ tenantId: a.tenant.tenantId, triggerId: a.triggerId, input: { owner: 'a' } });
  });

  it('answers a repeated idempotency key with its run, whether its call created the run or was collapsed into it', async () => {
    const seeded = await seedTrigger();
    const first = await startDebouncedRun(db.pool, call(seeded, { n: 1 }, 'k1'), null);
    const runId = first.kind === 'created' ? first.runId : '';
    expect(await startDebouncedRun(db.pool, call(seeded, { n: 2 }, 'k2'), runId)).toMatchObject({ kind: 'collapsed', runId });
    await closeDebounceWindow(db.pool, { tenantId: seeded.tenant.tenantId, runId });
    for (const key of ['k1', 'k2']) {
      expect(await startDebouncedRun(db.pool, call(seeded, { n: 9 }, key), null)).toEqual({ kind: 'replayed', runId });
    }
    expect(await rowOf(runId)).toMatchObject({ input: { n: 2 } });
    expect(await runsOf(seeded.tenant)).toBe(1);
  });

  it('serializes concurrent calls of one idempotency key: one of them changes the run, the others replay it', async () => {
    const seeded = await seedTrigger();
    const runId = await created(seeded, { n: 0 });
    const calls = [1, 2, 3, 4, 5].map((n) => startDebouncedRun(db.pool, call(seeded, { n }, 'same'), runId));
    const answers = await Promise.all(calls);
    expect(answers.filter((answer) => answer.kind === 'collapsed')).toHaveLength(1);
    expect(answers.filter((answer) => answer.kind === 'replayed')).toHaveLength(4);
    expect(new Set(answers.map((answer) => (answer.kind === 'refused' ? null : answer.runId)))).toEqual(new Set([runId]));
    expect(await db.prisma.debouncedCall.count({ where: { tenantId: seeded.tenant.tenantId } })).toBe(1);
  });
});
