import { execute, queryRows, type SqlExecutor, sql } from './sql';
import type { AttemptRef, StepError } from './steps.repo';

/** How one item of a forEach step ended. */
export type StepItemOutcome = {
  index: number;
  /** Epoch ms. */
  startedAt: number;
  finishedAt: number;
} & ({ status: 'SUCCEEDED'; output: unknown } | { status: 'FAILED'; error: StepError });

/** An item recorded by an earlier attempt (or run) of the step. */
export type RecordedItem = { index: number } & (
  | { status: 'SUCCEEDED'; output: unknown }
  | { status: 'FAILED'; error: StepError }
);

/**
 * Records ended items of a forEach step in one statement, under the attempt that ran them. An item
 * already recorded SUCCEEDED keeps its row: it never runs again, so a late or repeated write of it
 * changes nothing; a FAILED one is replaced by the outcome of the attempt that ran it again.
 */
export async function recordStepItems(db: SqlExecutor, ref: AttemptRef, items: readonly StepItemOutcome[]): Promise<void> {
  if (items.length === 0) return;
  const rows = items.map((item) => ({
    index: item.index,
    status: item.status,
    output: item.status === 'SUCCEEDED' ? (item.output ?? null) : null,
    error: item.status === 'FAILED' ? item.error : null,
    startedAt: item.startedAt,
    finishedAt: item.finishedAt,
  }));
  await execute(
    db,
    sql`
    INSERT INTO "StepItem" ("tenantId", "stepRunId", "index", "status", "attempt", "output", "error", "startedAt", "finishedAt")
    SELECT ${ref.tenantId}::uuid, ${ref.stepRunId}::uuid, i."index", i."status"::step_status, ${ref.attempt}::int, i."output",
           i."error", to_timestamp(i."startedAt" / 1000), to_timestamp(i."finishedAt" / 1000)
      FROM jsonb_to_recordset(${JSON.stringify(rows)}::jsonb)
        AS i("index" int, "status" text, "output" jsonb, "error" jsonb, "startedAt" float8, "finishedAt" float8)
        ON CONFLICT ("stepRunId", "index") DO UPDATE
       SET "status" = EXCLUDED."status", "attempt" = EXCLUDED."attempt", "output" = EXCLUDED."output",
           "error" = EXCLUDED."error", "startedAt" = EXCLUDED."startedAt", "finishedAt" = EXCLUDED."finishedAt"
     WHERE "StepItem"."status" <> 'SUCCEEDED'`,
  );
}

/** The items of a forEach step recorded so far, by earlier attempts (or an earlier run of it). */
export async function listStepItems(
  db: SqlExecutor,
  { tenantId, stepRunId }: Pick<AttemptRef, 'tenantId' | 'stepRunId'>,
): Promise<RecordedItem[]> {
  const rows = await queryRows<{ index: number; status: 'SUCCEEDED' | 'FAILED'; output: unknown; error: StepError | null }>(
    db,
    sql`SELECT "index", "status", "output", "error" FROM "StepItem"
         WHERE "tenantId" = ${tenantId}::uuid AND "stepRunId" = ${stepRunId}::uuid`,
  );
  return rows.map((row) =>
    row.status === 'SUCCEEDED'
      ? { index: row.index, status: 'SUCCEEDED', output: row.output }
      : { index: row.index, status: 'FAILED', error: row.error as StepError },
  );
}
