import { type RunStatus, terminalRunStatuses } from '@conveyor/engine';
import { createTestDatabase, seedWorkflow, type TenantFixture, type TestDatabase } from '@conveyor/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows, sql, transaction } from './sql';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase('open_runs');
});
afterAll(async () => {
  await db.drop();
});

const definition = { steps: [{ key: 'only', action: { app: 'core', version: '1', key: 'noop' } }] };
const allStatuses: RunStatus[] = ['PENDING', 'QUEUED', 'RUNNING', 'SUCCEEDED', 'FAILED', 'CANCELLED'];
const isOpen = (status: RunStatus) => !terminalRunStatuses.includes(status);

/** Inserts a run as an app does through Hasura: a plain INSERT, no Conveyor code on the way. */
async function insertRun(tenant: TenantFixture, status: RunStatus): Promise<string> {
  const [row] = await queryRows<{ id: string }>(
    db.pool,
    sql`INSERT INTO "WorkflowRun" ("tenantId", "workflowId", "status") VALUES (${tenant.tenantId}::uuid, ${tenant.workflowId}::uuid, ${status}::run_status)
        RETURNING "id"::text AS "id"`,
  );
  if (!row) throw new Error('no run inserted');
  return row.id;
}
const setStatus = (runId: string, status: RunStatus) =>
  queryRows(db.pool, sql`UPDATE "WorkflowRun" SET "status" = ${status}::run_status WHERE "id" = ${runId}::uuid`);
const openRunIds = async (tenant: TenantFixture) =>
  (
    await queryRows<{ runId: string }>(
      db.pool,
      sql`SELECT "runId"::text AS "runId" FROM "OpenRun" WHERE "tenantId" = ${tenant.tenantId}::uuid`,
    )
  )
    .map((row) => row.runId)
    .sort();
describe('OpenRun', () => {
  it("holds exactly the runs whose status is not one of the engine's terminal statuses, however they were written", async () => {
    const tenant = await seedWorkflow(db.prisma, definition);
    const runs = await Promise.all(allStatuses.map(async (status) => ({ status, id: await insertRun(tenant, status) })));
    const expected = () => runs.filter((run) => isOpen(run.status)).map((run) => run.id);
    expect(await openRunIds(tenant)).toEqual(expected().sort());

    // Every move between any two statuses (the database allows them all; the engine's table is stricter).
    for (const run of runs) {
      for (const status of allStatuses) {
        await setStatus(run.id, status);
        run.status = status;
        expect(await openRunIds(tenant)).toEqual(expected().sort());
      }
    }
    await queryRows(db.pool, sql`DELETE FROM "WorkflowRun" WHERE "tenantId" = ${tenant.tenantId}::uuid`);
    expect(await openRunIds(tenant)).toEqual([]);
  });

  it("keeps each tenant's open runs apart", async () => {
    const [one, two] = [await seedWorkflow(db.prisma, definition), await seedWorkflow(db.prisma, definition)];
    const mine = await insertRun(one, 'PENDING');
    const theirs = await insertRun(two, 'QUEUED');
    expect(await openRunIds(one)).toEqual([mine]);
    expect(await openRunIds(two)).toEqual([theirs]);
  });

  it('lets every status move of a run and of a step be a HOT update (no index holds what a move writes)', async () => {
    const tenant = await seedWorkflow(db.prisma, definition);
    const runId = await insertRun(tenant, 'PENDING');
    const [step] = await queryRows<{ id: string }>(
      db.pool,
      sql`INSERT INTO "StepRun" ("tenantId", "workflowRunId", "stepKey", "status")
          VALUES (${tenant.tenantId}::uuid, ${runId}::uuid, 'only', 'QUEUED') RETURNING "id"::text AS "id"`,
    );
    const moves = {
      WorkflowRun: ['QUEUED', 'RUNNING', 'SUCCEEDED'].map(
        (status) =>
          sql`UPDATE "WorkflowRun" SET "status" = ${status}::run_status, "updatedAt" = now(), "startedAt" = COALESCE("startedAt", now()),
                     "finishedAt" = CASE WHEN ${status} = 'SUCCEEDED' THEN now() END, "output" = '{"n": 9}'::jsonb
               WHERE "id" = ${runId}::uuid`,
      ),
      StepRun: [
        sql`UPDATE "StepRun" SET "status" = 'RUNNING', "attempt" = "attempt" + 1, "jobId" = 'job-1', "startedAt" = now(), "updatedAt" = now()
             WHERE "id" = ${step?.id}::uuid`,
        sql`UPDATE "StepRun" SET "status" = 'SUCCEEDED', "finishedAt" = now(), "output" = '{"n": 9}'::jsonb, "updatedAt" = now()
             WHERE "id" = ${step?.id}::uuid`,
      ],
    };
    // Counters of this session, read before and after in one transaction: no other session's updates,
    // no wait for statistics to flush.
    const counted = await transaction(db.pool, async (tx) => {
      const counters = async () =>
        queryRows<{ table: string; updates: number; hot: number }>(
          tx,
          sql`SELECT t AS "table", pg_stat_get_xact_tuples_updated(format('%I', t)::regclass)::int AS "updates",
                     pg_stat_get_xact_tuples_hot_updated(format('%I', t)::regclass)::int AS "hot"
                FROM unnest(ARRAY['WorkflowRun', 'StepRun']) AS t`,
        );
      const before = await counters();
      for (const statement of [...moves.WorkflowRun, ...moves.StepRun]) await queryRows(tx, statement);
      const after = await counters();
      return after.map((row, i) => ({
        ...row,
        updates: row.updates - (before[i]?.updates ?? 0),
        hot: row.hot - (before[i]?.hot ?? 0),
      }));
    });
    expect(counted).toEqual([
      { table: 'WorkflowRun', updates: 3, hot: 3 },
      { table: 'StepRun', updates: 2, hot: 2 },
    ]);
  });
});
