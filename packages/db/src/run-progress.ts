import { afterSuccess, planRun, type RunStatus, type StepStatus, type WorkflowDefinition } from '@conveyor/engine';
import type { RunRef } from './runs.repo';
import { execute, prepared, queryRows, type SqlExecutor, type SqlPool, type Statement, sql } from './sql';
import type { StepError } from './steps.repo';

export interface QueuedStep {
  stepRunId: string;
  stepKey: string;
  jobId: string;
  /** True when it was started at once (RUNNING, attempt 1) for the caller to carry on with. */
  started?: boolean;
}

export interface Progress {
  /** False when the message was a duplicate or late: nothing changed. */
  applied: boolean;
  /** Steps this call made QUEUED: the caller adds their jobs. */
  queued: QueuedStep[];
  /** The run's final status when this change finished it. */
  finished: RunStatus | null;
}

export type StepOutcome =
  | { status: 'SUCCEEDED'; output: unknown }
  | { status: 'FAILED'; error: StepError }
  | { status: 'SKIPPED'; reason: string }
  | { status: 'CANCELLED'; reason: string };

/**
 * QUEUED → RUNNING and the first steps queued. A fresh run (no step rows yet) takes one
 * statement; a rerun or a repeated run job plans from the steps' statuses. No transaction: if the
 * worker dies in between, BullMQ hands the unfinished run job out again, and planning again is
 * idempotent.
 */
export async function startRun(pool: SqlPool, ref: RunRef, definition: WorkflowDefinition): Promise<Progress> {
  const { ready } = planRun(definition, {});
  const ids = ready.map(() => crypto.randomUUID());
  const [row] = await queryRows<{ applied: boolean; statuses: Record<string, StepStatus>; queued: QueuedStep[] }>(
    pool,
    prepared(
      'start-run',
      sql`
    WITH run AS (
      UPDATE "WorkflowRun" SET "status" = 'RUNNING', "updatedAt" = now(), "startedAt" = COALESCE("startedAt", now())
       WHERE "id" = ${ref.runId}::uuid AND "tenantId" = ${ref.tenantId}::uuid AND "status" IN ('QUEUED', 'RUNNING')
      RETURNING "id", "tenantId"),
    existing AS (
      SELECT COALESCE(jsonb_object_agg("stepKey", "status"), '{}'::jsonb) AS "statuses" FROM "StepRun"
       WHERE "workflowRunId" = ${ref.runId}::uuid AND "tenantId" = ${ref.tenantId}::uuid),
    queued AS (
      INSERT INTO "StepRun" ("id", "tenantId", "workflowRunId", "stepKey", "status", "jobId")
      SELECT s.id, run."tenantId", run."id", s.key, 'QUEUED', 'step-' || s.id::text || '-0'
        FROM run, unnest(${ids}::uuid[], ${ready}::text[]) AS s(id, key)
       WHERE (SELECT "statuses" FROM existing) = '{}'::jsonb
      ON CONFLICT ("workflowRunId", "stepKey") DO NOTHING
      RETURNING "id"::text AS "stepRunId", "stepKey", "jobId")
    SELECT EXISTS (SELECT 1 FROM run) AS "applied", (SELECT "statuses" FROM existing) AS "statuses",
           COALESCE((SELECT jsonb_agg(queued) FROM queued), '[]'::jsonb) AS "queued"`,
    ),
  );
  if (!row?.applied) return { applied: false, queued: [], finished: null };
  if (Object.keys(row.statuses).length === 0) return { applied: true, queued: row.queued, finished: null };
  return advance(pool, ref, definition, row.statuses);
}

/**
 * Records a step's outcome, then plans the run from every step's status: the steps it unblocks
 * are queued and a run whose steps are all done is finished. There is no transaction and no
 * lock: the outcome commits first and the statuses are read by a later statement, so of two
 * steps finishing at once at least the later one sees both; and applying a plan twice changes
 * nothing (a step is queued once, a run finished once). A worker that dies between the two
 * leaves its job unfinished: BullMQ hands it out again and {@link resumeRun} plans.
 *
 * A success whose consequences need no other step's status (see afterSuccess: the next steps
 * of a chain, or the end of the run) is recorded and applied in one statement, which also starts
 * the next step `carryOn` names for the caller to run in the same job.
 */
export async function finishStep(
  pool: SqlPool,
  ref: StepRunRef,
  definition: WorkflowDefinition,
  outcome: StepOutcome,
  carryOn?: CarryOn,
): Promise<Progress> {
  const shortcut = outcome.status === 'SUCCEEDED' ? afterSuccess(definition, ref.stepKey) : null;
  if (shortcut && outcome.status === 'SUCCEEDED') {
    const output = JSON.stringify(outcome.output ?? null);
    const fast =
      shortcut.kind === 'queue'
        ? await recordAndQueue(pool, ref, output, shortcut.steps, carryOn)
        : await recordAndFinish(pool, ref, output);
    if (!fast.recorded) return { applied: false, queued: [], finished: null };
    if (fast.queued.length > 0 || fast.finished) return { applied: true, queued: fast.queued, finished: fast.finished };
    // Nothing to queue or finish after all (a rerun kept the next steps' results): plan in full.
    return { ...(await resumeRun(pool, ref, definition)), applied: true };
  }
  const from: StepStatus[] = outcome.status === 'SKIPPED' || outcome.status === 'CANCELLED' ? ['QUEUED', 'RUNNING'] : ['RUNNING'];
  if (!(await recordOutcome(pool, ref, outcome, from))) return { applied: false, queued: [], finished: null };
  return { ...(await resumeRun(pool, ref, definition)), applied: true };
}

export interface StepRunRef extends RunRef {
  stepRunId: string;
  stepKey: string;
}

/** The next step the caller's job carries on with: started at once under the job's id. */
export interface CarryOn {
  stepKey: string;
  jobId: string;
}

interface FastProgress {
  recorded: boolean;
  queued: QueuedStep[];
  finished: RunStatus | null;
}

/**
 * RUNNING → SUCCEEDED and, while the run is RUNNING, the steps that waited for this one alone
 * queued; the one the caller carries on with is started instead (a rerun's existing row is only
 * queued).
 */
async function recordAndQueue(
  db: SqlExecutor,
  ref: StepRunRef,
  output: string,
  next: string[],
  carryOn: CarryOn | undefined,
): Promise<FastProgress> {
  const ids = next.map(() => crypto.randomUUID());
  const carried = carryOn && next.includes(carryOn.stepKey) ? carryOn : { stepKey: null, jobId: null };
  const [row] = await queryRows<{ recorded: boolean; queued: QueuedStep[] }>(
    db,
    prepared(
      'record-and-queue',
      sql`
    WITH recorded AS (${recordSuccess(ref, output)} RETURNING "id"),
    queued AS (
      INSERT INTO "StepRun" ("id", "tenantId", "workflowRunId", "stepKey", "status", "attempt", "startedAt", "jobId")
      SELECT s.id, ${ref.tenantId}::uuid, ${ref.runId}::uuid, s.key,
             CASE WHEN s.key = ${carried.stepKey}::text THEN 'RUNNING' ELSE 'QUEUED' END::step_status,
             CASE WHEN s.key = ${carried.stepKey}::text THEN 1 ELSE 0 END,
             CASE WHEN s.key = ${carried.stepKey}::text THEN now() END,
             CASE WHEN s.key = ${carried.stepKey}::text THEN ${carried.jobId}::text ELSE 'step-' || s.id::text || '-0' END
        FROM unnest(${ids}::uuid[], ${next}::text[]) AS s(id, key)
       WHERE EXISTS (SELECT 1 FROM recorded)
         AND EXISTS (SELECT 1 FROM "WorkflowRun" WHERE "id" = ${ref.runId}::uuid AND "tenantId" = ${ref.tenantId}::uuid AND "status" = 'RUNNING')
      ON CONFLICT ("workflowRunId", "stepKey") DO UPDATE
         SET "status" = 'QUEUED', "updatedAt" = now(), "finishedAt" = NULL, "error" = NULL,
             "jobId" = 'step-' || "StepRun"."id"::text || '-' || "StepRun"."attempt"::text
       WHERE "StepRun"."status" = 'PENDING'
      RETURNING "id"::text AS "stepRunId", "stepKey", "jobId", "status" = 'RUNNING' AS "started")
    SELECT EXISTS (SELECT 1 FROM recorded) AS "recorded", COALESCE((SELECT jsonb_agg(queued) FROM queued), '[]'::jsonb) AS "queued"`,
    ),
  );
  return { recorded: row?.recorded ?? false, queued: row?.queued ?? [], finished: null };
}

/** RUNNING → SUCCEEDED, as a fragment of the statements that also apply what the success decides. */
function recordSuccess(ref: StepRunRef, output: string): Statement {
  return sql`
      UPDATE "StepRun" SET "status" = 'SUCCEEDED', "updatedAt" = now(), "finishedAt" = now(), "output" = ${output}::jsonb, "error" = NULL
       WHERE "id" = ${ref.stepRunId}::uuid AND "tenantId" = ${ref.tenantId}::uuid AND "status" = 'RUNNING'`;
}

/** RUNNING → SUCCEEDED for the run's only leaf, every other step being done: the run SUCCEEDED, with its output. */
async function recordAndFinish(db: SqlExecutor, ref: StepRunRef, output: string): Promise<FastProgress> {
  const [row] = await queryRows<{ recorded: boolean; finished: boolean }>(
    db,
    prepared(
      'record-and-finish',
      sql`
    WITH recorded AS (${recordSuccess(ref, output)} RETURNING "stepKey", "output"),
    finished AS (
      UPDATE "WorkflowRun"
         SET "status" = 'SUCCEEDED', "updatedAt" = now(), "finishedAt" = now(), "error" = NULL,
             "output" = (SELECT jsonb_build_object("stepKey", "output") FROM recorded)
       WHERE "id" = ${ref.runId}::uuid AND "tenantId" = ${ref.tenantId}::uuid AND "status" = 'RUNNING'
         AND EXISTS (SELECT 1 FROM recorded)
      RETURNING "id")
    SELECT EXISTS (SELECT 1 FROM recorded) AS "recorded", EXISTS (SELECT 1 FROM finished) AS "finished"`,
    ),
  );
  return { recorded: row?.recorded ?? false, queued: [], finished: row?.finished ? 'SUCCEEDED' : null };
}

/** Plans a RUNNING run from its steps' statuses and applies the plan; a run in any other status is left alone. */
export async function resumeRun(pool: SqlPool, ref: RunRef, definition: WorkflowDefinition): Promise<Progress> {
  const [run] = await queryRows<{ status: RunStatus; statuses: Record<string, StepStatus> }>(
    pool,
    prepared(
      'run-statuses',
      sql`
    SELECT r."status", COALESCE((SELECT jsonb_object_agg(s."stepKey", s."status") FROM "StepRun" AS s
                                  WHERE s."workflowRunId" = r."id" AND s."tenantId" = r."tenantId"), '{}'::jsonb) AS "statuses"
      FROM "WorkflowRun" AS r WHERE r."id" = ${ref.runId}::uuid AND r."tenantId" = ${ref.tenantId}::uuid`,
    ),
  );
  if (run?.status !== 'RUNNING') return { applied: false, queued: [], finished: null };
  return advance(pool, ref, definition, run.statuses);
}

/** Records the outcome if the step is in a `from` state; false for a duplicate or late report. */
async function recordOutcome(db: SqlExecutor, ref: StepRunRef, outcome: StepOutcome, from: StepStatus[]): Promise<boolean> {
  const output = outcome.status === 'SUCCEEDED' ? JSON.stringify(outcome.output ?? null) : null;
  const error =
    outcome.status === 'FAILED'
      ? JSON.stringify(outcome.error)
      : outcome.status === 'SUCCEEDED'
        ? null
        : JSON.stringify({ code: outcome.status, message: outcome.reason });
  const count = await execute(
    db,
    prepared(
      'record-outcome',
      sql`
    UPDATE "StepRun"
       SET "status" = ${outcome.status}::step_status, "updatedAt" = now(), "finishedAt" = now(),
           "output" = ${output}::jsonb, "error" = ${error}::jsonb
     WHERE "id" = ${ref.stepRunId}::uuid AND "tenantId" = ${ref.tenantId}::uuid AND "status"::text = ANY(${from}::text[])`,
    ),
  );
  return count === 1;
}

async function advance(
  db: SqlExecutor,
  ref: RunRef,
  definition: WorkflowDefinition,
  statuses: Record<string, StepStatus>,
): Promise<Progress> {
  const plan = planRun(definition, Object.fromEntries(Object.entries(statuses).map(([key, status]) => [key, { status }])));
  const queued = await queueSteps(db, ref, plan.ready);
  await skipSteps(db, ref, plan.skip);
  const finished = plan.done && plan.outcome ? await finishRun(db, ref, definition, plan.outcome) : null;
  return { applied: true, queued, finished };
}

async function queueSteps(db: SqlExecutor, ref: RunRef, stepKeys: string[]): Promise<QueuedStep[]> {
  if (stepKeys.length === 0) return [];
  const ids = stepKeys.map(() => crypto.randomUUID());
  // A rerun resets finished steps to PENDING; they are re-queued with a job id of a new generation.
  return queryRows<QueuedStep>(
    db,
    prepared(
      'queue-steps',
      sql`
    INSERT INTO "StepRun" ("id", "tenantId", "workflowRunId", "stepKey", "status", "jobId")
    SELECT s.id, ${ref.tenantId}::uuid, ${ref.runId}::uuid, s.key, 'QUEUED', 'step-' || s.id::text || '-0'
      FROM unnest(${ids}::uuid[], ${stepKeys}::text[]) AS s(id, key)
    ON CONFLICT ("workflowRunId", "stepKey") DO UPDATE
       SET "status" = 'QUEUED', "updatedAt" = now(), "finishedAt" = NULL, "error" = NULL,
           "jobId" = 'step-' || "StepRun"."id"::text || '-' || "StepRun"."attempt"::text
     WHERE "StepRun"."status" = 'PENDING'
    RETURNING "id"::text AS "stepRunId", "stepKey", "jobId"`,
    ),
  );
}

async function skipSteps(db: SqlExecutor, ref: RunRef, skips: { key: string; reason: string }[]): Promise<void> {
  if (skips.length === 0) return;
  const errors = skips.map((skip) => JSON.stringify({ code: 'SKIPPED', message: skip.reason }));
  await execute(
    db,
    sql`
    INSERT INTO "StepRun" ("tenantId", "workflowRunId", "stepKey", "status", "error", "finishedAt")
    SELECT ${ref.tenantId}::uuid, ${ref.runId}::uuid, s.key, 'SKIPPED', s.error::jsonb, now()
      FROM unnest(${skips.map((skip) => skip.key)}::text[], ${errors}::text[]) AS s(key, error)
    ON CONFLICT ("workflowRunId", "stepKey") DO UPDATE
       SET "status" = 'SKIPPED', "error" = EXCLUDED."error", "finishedAt" = now(), "updatedAt" = now()
     WHERE "StepRun"."status" = 'PENDING'`,
  );
}

/** The run's final status, output (its leaf steps' outputs) and error, in one guarded UPDATE. */
async function finishRun(
  db: SqlExecutor,
  ref: RunRef,
  definition: WorkflowDefinition,
  outcome: RunStatus,
): Promise<RunStatus | null> {
  const count = await execute(
    db,
    prepared(
      'finish-run',
      sql`
    UPDATE "WorkflowRun" AS r
       SET "status" = ${outcome}::run_status, "updatedAt" = now(), "finishedAt" = now(),
           "output" = (SELECT COALESCE(jsonb_object_agg(s."stepKey", s."output"), '{}'::jsonb) FROM "StepRun" AS s
                        WHERE s."workflowRunId" = r."id" AND s."tenantId" = r."tenantId" AND s."stepKey" = ANY(${[...leafStepKeys(definition)]}::text[])),
           "error" = CASE WHEN ${outcome}::text = 'FAILED' THEN
                       (SELECT jsonb_build_object('code', 'STEP_FAILED',
                                 'message', 'failed steps: ' || COALESCE(string_agg(f."stepKey", ', ' ORDER BY f."stepKey"), ''),
                                 'failedSteps', COALESCE(jsonb_agg(f."stepKey" ORDER BY f."stepKey"), '[]'::jsonb))
                          FROM "StepRun" AS f
                         WHERE f."workflowRunId" = r."id" AND f."tenantId" = r."tenantId" AND f."status" = 'FAILED') END
     WHERE r."id" = ${ref.runId}::uuid AND r."tenantId" = ${ref.tenantId}::uuid AND r."status" = 'RUNNING'`,
    ),
  );
  return count === 1 ? outcome : null;
}

/** Steps no other step depends on: their outputs make the run's output. */
function leafStepKeys(definition: WorkflowDefinition): Set<string> {
  const dependedOn = new Set(definition.steps.flatMap((step) => step.dependsOn));
  return new Set(definition.steps.filter((step) => !dependedOn.has(step.key)).map((step) => step.key));
}
