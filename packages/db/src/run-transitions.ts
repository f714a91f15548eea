import type { RunOutcome, RunStatus, StepStatus } from '@conveyor/engine';
import { ConveyorError, type FailureCode } from '@conveyor/errors';
import { backlogCapped, findRunByIdempotencyKey, getDispatchState, type RunRef } from './runs.repo';
import { execute, prepared, queryRows, raw, type SqlExecutor, type SqlPool, sql, transaction } from './sql';
import { runCreation, runMove, statusIn } from './status-moves';
import {
  type CarryOn,
  cancelUnfinishedSteps,
  newStepState,
  type QueuedStep,
  queuedStepColumns,
  type RecordedSuccess,
  recordChain,
  resetStepsForRerun,
} from './step-transitions';
import type { AttemptRef } from './steps.repo';

/**
 * Every statement that changes a WorkflowRun's status. Each guard and assignment comes from a move
 * checked against the engine's run table (status-moves.ts); reads live in runs.repo.ts.
 */
const moves = {
  dispatch: runMove('dispatch', ['PENDING'], 'QUEUED'),
  reject: runMove('reject', ['PENDING'], 'FAILED'),
  start: runMove('start', ['QUEUED', 'RUNNING'], 'RUNNING'),
  cancel: runMove('cancel', ['PENDING', 'QUEUED', 'RUNNING'], 'CANCELLED'),
  timeOut: runMove('time out', ['PENDING', 'QUEUED', 'RUNNING'], 'FAILED'),
  rerun: runMove('rerun', ['FAILED'], 'QUEUED'),
};
const creation = runCreation('create', 'PENDING');
const dispatchedCreation = runCreation('create dispatched', 'QUEUED');
const finishMoves = {
  SUCCEEDED: runMove('finish succeeded', ['RUNNING'], 'SUCCEEDED'),
  FAILED: runMove('finish failed', ['RUNNING'], 'FAILED'),
  CANCELLED: runMove('finish cancelled', ['RUNNING'], 'CANCELLED'),
} satisfies Record<RunOutcome, unknown>;

export interface NewRun {
  tenantId: string;
  workflowId: string;
  triggerId?: string | undefined;
  input: unknown;
  idempotencyKey?: string | undefined;
  /** A run of a debounced webhook trigger: created with its window open (see collapseIntoRun). */
  debounceOpen?: boolean | undefined;
  /** The version to run, of its workflow (a runWorkflow step's pinned version); the current one otherwise. */
  workflowVersionId?: string | undefined;
  /** A child run: its parent run and the step waiting for it (the run is one deeper than its parent). */
  parent?: { runId: string; stepRunId: string } | undefined;
}

/**
 * A created (or, by idempotency key, found) run; `refused` when the tenant's backlog was at its bound.
 * `queued`: the run was created QUEUED with its workflow's current version pinned (dispatched by the
 * insert itself); otherwise it is PENDING (its workflow cannot run, or the key named an earlier run)
 * and the caller dispatches it, which fails it with the reason or finds where it stands.
 */
export type CreatedRun =
  | { runId: string; created: boolean; queued: { priority: number } | null; refused?: never }
  | { refused: true; runId?: never; created?: never; queued?: never };

/**
 * Inserts a run: QUEUED with the workflow's current version pinned when the workflow is active and
 * published (created and dispatched in one statement), else PENDING, as an app's insert through Hasura
 * is. With an idempotency key, a second call with the same key returns the first run instead of
 * creating another (`created: false`), even past the bound. With `maxBacklog`, the insert happens only
 * while fewer of the tenant's runs are unfinished (the count, capped at the bound, is read by the insert itself).
 * Concurrent inserts may each read the same count: the bound is soft by at most the callers in flight.
 */
export async function createRun(db: SqlExecutor, run: NewRun, { maxBacklog }: { maxBacklog?: number } = {}): Promise<CreatedRun> {
  const bound = maxBacklog ?? null;
  const [inserted] = await queryRows<{ runId: string; queued: boolean; priority: number }>(
    db,
    // Prepared: every plan of it is bounded (the workflow and the tenant's open runs by their keys).
    prepared(
      'create-run',
      sql`
    INSERT INTO "WorkflowRun" ("tenantId", "workflowId", "triggerId", "input", "idempotencyKey", "status", "workflowVersionId",
                               "debounceOpen", "parentRunId", "parentStepRunId", "depth")
    SELECT ${run.tenantId}::uuid, ${run.workflowId}::uuid, ${run.triggerId ?? null}::uuid,
           ${JSON.stringify(run.input ?? {})}::jsonb, ${run.idempotencyKey ?? null},
           CASE WHEN w."version" IS NULL THEN ${creation.value} ELSE ${dispatchedCreation.value} END, w."version",
           w."version" IS NOT NULL AND ${run.debounceOpen === true}::boolean,
           ${run.parent?.runId ?? null}::uuid, ${run.parent?.stepRunId ?? null}::uuid,
           COALESCE((SELECT p."depth" + 1 FROM "WorkflowRun" AS p
                      WHERE p."id" = ${run.parent?.runId ?? null}::uuid AND p."tenantId" = ${run.tenantId}::uuid), 0)
      FROM (SELECT (SELECT COALESCE(${run.workflowVersionId ?? null}::uuid, "currentVersionId") FROM "Workflow"
                     WHERE "id" = ${run.workflowId}::uuid AND "tenantId" = ${run.tenantId}::uuid AND "isActive") AS "version") AS w
     WHERE ${bound}::int IS NULL
        OR ${backlogCapped(run.tenantId, bound)} < ${bound}::int
    ON CONFLICT ("tenantId", "idempotencyKey") DO NOTHING
    RETURNING "id"::text AS "runId", "workflowVersionId" IS NOT NULL AS "queued", "priority"`,
    ),
  );
  if (inserted) return { runId: inserted.runId, created: true, queued: inserted.queued ? { priority: inserted.priority } : null };
  const existing = run.idempotencyKey ? await findRunByIdempotencyKey(db, run.tenantId, run.idempotencyKey) : null;
  if (existing) return { runId: existing, created: false, queued: null };
  if (bound !== null) return { refused: true };
  throw new ConveyorError({
    code: 'INTERNAL',
    message: 'run insert conflicted but no run holds its idempotency key',
    details: { tenantId: run.tenantId, idempotencyKey: run.idempotencyKey },
  });
}

/** What dispatching a run did; callers enqueue the run job for `queued` and `already-dispatched` + QUEUED. */
export type DispatchOutcome =
  | { kind: 'queued'; priority: number }
  | { kind: 'already-dispatched'; status: RunStatus; priority: number }
  | { kind: 'failed'; reason: string }
  | { kind: 'missing' };

/**
 * PENDING → QUEUED in one guarded UPDATE that also pins the workflow's current version. A run
 * whose workflow is inactive or has no published version is marked FAILED with the reason, and a
 * run that is no longer PENDING is reported as already dispatched (a repeated delivery).
 */
export async function dispatchRun(db: SqlExecutor, ref: RunRef): Promise<DispatchOutcome> {
  const queued = await queryRows<{ priority: number }>(
    db,
    prepared(
      'dispatch-run',
      sql`
    UPDATE "WorkflowRun" AS r
       SET ${moves.dispatch.set}, "updatedAt" = now(),
           "workflowVersionId" = COALESCE(r."workflowVersionId", w."currentVersionId")
      FROM "Workflow" AS w
     WHERE r."id" = ${ref.runId}::uuid AND r."tenantId" = ${ref.tenantId}::uuid AND ${moves.dispatch.guard('r."status"')}
       AND w."id" = r."workflowId" AND w."tenantId" = r."tenantId" AND w."isActive"
       AND COALESCE(r."workflowVersionId", w."currentVersionId") IS NOT NULL
    RETURNING r."priority"`,
    ),
  );
  if (queued[0]) return { kind: 'queued', priority: queued[0].priority };

  const run = await getDispatchState(db, ref);
  if (!run) return { kind: 'missing' };
  if (run.status !== 'PENDING') return { kind: 'already-dispatched', status: run.status, priority: run.priority };
  const reason =
    run.isActive === null ? 'workflow not found' : !run.isActive ? 'workflow is inactive' : 'workflow has no published version';
  const failed = await execute(
    db,
    sql`
    UPDATE "WorkflowRun" SET ${moves.reject.set}, "updatedAt" = now(), "finishedAt" = now(),
           "error" = ${JSON.stringify({ code: 'WORKFLOW_UNAVAILABLE', message: reason })}::jsonb
     WHERE "id" = ${ref.runId}::uuid AND "tenantId" = ${ref.tenantId}::uuid AND ${moves.reject.guard()}`,
  );
  return failed === 1 ? { kind: 'failed', reason } : dispatchRun(db, ref);
}

/** The status of a run a debounced call may still change (its window open, too): it has not started. */
const collectingCalls = statusIn(['QUEUED']);

/**
 * A debounced webhook call collapsed into the run of its window: the run's input becomes the call's.
 * Applies only to a run of this tenant and trigger that is QUEUED with its window open, which its run
 * job closes (closeDebounceWindow) before it reads the run, and the row lock orders the two: a call
 * either changes the input the run job then reads, or finds the window closed (null: a new run is due).
 */
export async function collapseIntoRun(
  db: SqlExecutor,
  ref: RunRef & { triggerId: string },
  input: unknown,
): Promise<{ priority: number } | null> {
  const [row] = await queryRows<{ priority: number }>(
    db,
    sql`
    UPDATE "WorkflowRun" SET "input" = ${JSON.stringify(input ?? {})}::jsonb, "updatedAt" = now()
     WHERE "id" = ${ref.runId}::uuid AND "tenantId" = ${ref.tenantId}::uuid AND "triggerId" = ${ref.triggerId}::uuid
       AND ${collectingCalls} AND "debounceOpen"
    RETURNING "priority"`,
  );
  return row ?? null;
}

/**
 * Closes a debounced run's window, before its run job reads the run: from then on no call changes its
 * input (collapseIntoRun), so the input the job reads is the one the run runs with.
 */
export async function closeDebounceWindow(db: SqlExecutor, ref: RunRef): Promise<void> {
  await execute(
    db,
    sql`UPDATE "WorkflowRun" SET "debounceOpen" = false
         WHERE "id" = ${ref.runId}::uuid AND "tenantId" = ${ref.tenantId}::uuid AND "debounceOpen"`,
  );
}

export interface StartedRun {
  applied: boolean;
  /** Every step's status before this start: empty for a fresh run, whose `ready` steps were queued. */
  statuses: Record<string, StepStatus>;
  queued: QueuedStep[];
}

/**
 * QUEUED → RUNNING (or a RUNNING run's job again) and, for a fresh run with no step rows yet, its
 * `ready` steps queued in the same statement, except the one `carryOn` names, started under the run
 * job's id for it to carry on with. A run that has step rows is left for the caller to plan.
 */
export async function startRunStatement(pool: SqlPool, ref: RunRef, ready: string[], carryOn?: CarryOn): Promise<StartedRun> {
  const ids = ready.map(() => crypto.randomUUID());
  const [row] = await queryRows<StartedRun>(
    pool,
    prepared(
      'start-run',
      sql`
    WITH run AS (
      UPDATE "WorkflowRun" SET ${moves.start.set}, "updatedAt" = now(), "startedAt" = COALESCE("startedAt", now())
       WHERE "id" = ${ref.runId}::uuid AND "tenantId" = ${ref.tenantId}::uuid AND ${moves.start.guard()}
      RETURNING "id", "tenantId"),
    existing AS (
      SELECT COALESCE(jsonb_object_agg("stepKey", "status"), '{}'::jsonb) AS "statuses" FROM "StepRun"
       WHERE "workflowRunId" = ${ref.runId}::uuid AND "tenantId" = ${ref.tenantId}::uuid),
    queued AS (
      INSERT INTO "StepRun" ("id", "tenantId", "workflowRunId", "stepKey", "status", "attempt", "startedAt", "jobId")
      SELECT s.id, run."tenantId", run."id", s.key, ${newStepState(carryOn && ready.includes(carryOn.stepKey) ? carryOn : undefined)}
        FROM run, unnest(${ids}::uuid[], ${ready}::text[]) AS s(id, key)
       WHERE (SELECT "statuses" FROM existing) = '{}'::jsonb
      ON CONFLICT ("workflowRunId", "stepKey") DO NOTHING
      RETURNING ${queuedStepColumns})
    SELECT EXISTS (SELECT 1 FROM run) AS "applied", (SELECT "statuses" FROM existing) AS "statuses",
           COALESCE((SELECT jsonb_agg(queued) FROM queued), '[]'::jsonb) AS "queued"`,
    ),
  );
  return row ?? { applied: false, statuses: {}, queued: [] };
}

/** The run's final status, output (its leaf steps' outputs) and error, in one guarded UPDATE; null if it was not RUNNING. */
export async function finishRun(db: SqlExecutor, ref: RunRef, leaves: string[], outcome: RunOutcome): Promise<RunOutcome | null> {
  const move = finishMoves[outcome];
  const error = outcome === 'FAILED' ? failedStepsError : raw('NULL');
  const count = await execute(
    db,
    prepared(
      `finish-run-${outcome.toLowerCase()}`,
      sql`
    UPDATE "WorkflowRun" AS r
       SET ${move.set}, "updatedAt" = now(), "finishedAt" = now(),
           "output" = (SELECT COALESCE(jsonb_object_agg(s."stepKey", s."output"), '{}'::jsonb) FROM "StepRun" AS s
                        WHERE s."workflowRunId" = r."id" AND s."tenantId" = r."tenantId" AND s."stepKey" = ANY(${leaves}::text[])),
           "error" = ${error}
     WHERE r."id" = ${ref.runId}::uuid AND r."tenantId" = ${ref.tenantId}::uuid AND ${move.guard('r."status"')}`,
    ),
  );
  return count === 1 ? outcome : null;
}

/**
 * The run's only leaf succeeded, every other step being done: a chain of successes ending with it
 * recorded (recordChain) and the run SUCCEEDED with its output, in one statement.
 */
export async function recordAndFinish(
  db: SqlExecutor,
  ref: AttemptRef,
  successes: RecordedSuccess[],
): Promise<{ recorded: boolean; finished: boolean }> {
  const move = finishMoves.SUCCEEDED;
  const leaf = successes.at(-1)?.stepKey ?? ref.stepKey;
  const [row] = await queryRows<{ recorded: boolean; finished: boolean }>(
    db,
    prepared(
      'record-and-finish',
      sql`
    WITH ${recordChain(ref, successes)},
    finished AS (
      UPDATE "WorkflowRun"
         SET ${move.set}, "updatedAt" = now(), "finishedAt" = now(), "error" = NULL,
             "output" = (SELECT jsonb_build_object("stepKey", "output")
                           FROM (SELECT * FROM recorded UNION ALL SELECT * FROM chained) AS leaf WHERE "stepKey" = ${leaf}::text)
       WHERE "id" = ${ref.runId}::uuid AND "tenantId" = ${ref.tenantId}::uuid AND ${move.guard()}
         AND EXISTS (SELECT 1 FROM recorded)
      RETURNING "id")
    SELECT EXISTS (SELECT 1 FROM recorded) AS "recorded", EXISTS (SELECT 1 FROM finished) AS "finished"`,
    ),
  );
  return row ?? { recorded: false, finished: false };
}

/** The error of a run that failed: the keys of its failed steps. */
const isFailedStep = statusIn(['FAILED'], 'f."status"');
const failedStepsError = sql`
  (SELECT jsonb_build_object('code', 'STEP_FAILED',
            'message', 'failed steps: ' || COALESCE(string_agg(f."stepKey", ', ' ORDER BY f."stepKey"), ''),
            'failedSteps', COALESCE(jsonb_agg(f."stepKey" ORDER BY f."stepKey"), '[]'::jsonb))
     FROM "StepRun" AS f
    WHERE f."workflowRunId" = r."id" AND f."tenantId" = r."tenantId" AND ${isFailedStep})`;

export interface StopResult {
  applied: boolean;
  /** Jobs of the steps that were waiting: the caller removes them from the queue. */
  stepJobIds: string[];
}

/**
 * Ends an unfinished run (cancelled by a user, or FAILED by its run-level timeout) and every step
 * that had not finished, in one transaction. Running steps are marked too, so the worker that
 * still executes one finds its later report refused; the caller also aborts it.
 */
export async function stopRun(
  pool: SqlPool,
  ref: RunRef,
  stop: { status: 'CANCELLED' | 'FAILED'; code: FailureCode; message: string },
): Promise<StopResult> {
  const move = stop.status === 'CANCELLED' ? moves.cancel : moves.timeOut;
  const error = JSON.stringify({ code: stop.code, message: stop.message });
  return transaction(pool, async (tx) => {
    const stopped = await execute(
      tx,
      sql`
      UPDATE "WorkflowRun" SET ${move.set}, "updatedAt" = now(), "finishedAt" = now(), "error" = ${error}::jsonb
       WHERE "id" = ${ref.runId}::uuid AND "tenantId" = ${ref.tenantId}::uuid AND ${move.guard()}`,
    );
    if (stopped !== 1) return { applied: false, stepJobIds: [] };
    return { applied: true, stepJobIds: await cancelUnfinishedSteps(tx, ref, error) };
  });
}

/**
 * FAILED → QUEUED for a rerun from the failure: steps that succeeded keep their outputs, every
 * other step goes back to PENDING and runs again when the run job plans it.
 */
export async function rerunRun(pool: SqlPool, ref: RunRef): Promise<{ applied: boolean }> {
  return transaction(pool, async (tx) => {
    const requeued = await execute(
      tx,
      sql`
      UPDATE "WorkflowRun" SET ${moves.rerun.set}, "updatedAt" = now(), "finishedAt" = NULL, "error" = NULL, "output" = NULL,
             "debounceOpen" = false
       WHERE "id" = ${ref.runId}::uuid AND "tenantId" = ${ref.tenantId}::uuid AND ${moves.rerun.guard()}`,
    );
    if (requeued !== 1) return { applied: false };
    await resetStepsForRerun(tx, ref);
    return { applied: true };
  });
}
