import { stepJob } from '@conveyor/queue';
import type { RunRef } from './runs.repo';
import { execute, prepared, queryRows, raw, type SqlExecutor, type Statement, sql } from './sql';
import { statusIn, stepCreation, stepMove } from './status-moves';
import type { AttemptRef, StepError, StepRunContext } from './steps.repo';

/**
 * Every statement that changes a StepRun's status. Each guard and assignment comes from a move
 * checked against the engine's step table (status-moves.ts); reads live in steps.repo.ts.
 */
const moves = {
  claim: stepMove('claim', ['QUEUED'], 'RUNNING'),
  /** The same job handed out again after its worker died: the lost attempt is counted and run again. */
  reclaim: stepMove('reclaim', ['RUNNING'], 'RUNNING'),
  retry: stepMove('retry', ['RUNNING'], 'QUEUED'),
  /** The attempt's job ended (or vanished) with the step still RUNNING: its worker was lost; retried under a new job. */
  retryLost: stepMove('retry lost', ['RUNNING'], 'QUEUED'),
  wait: stepMove('wait', ['RUNNING'], 'QUEUED'),
  succeed: stepMove('succeed', ['RUNNING'], 'SUCCEEDED'),
  fail: stepMove('fail', ['RUNNING'], 'FAILED'),
  /** The step's `if` was false when its attempt started. */
  skipByCondition: stepMove('skip by condition', ['RUNNING'], 'SKIPPED'),
  /** The step was claimed, or waiting, after its run had ended. */
  cancel: stepMove('cancel', ['QUEUED', 'RUNNING'], 'CANCELLED'),
  requeue: stepMove('requeue', ['PENDING'], 'QUEUED'),
  skip: stepMove('skip', ['PENDING'], 'SKIPPED'),
  stop: stepMove('stop', ['PENDING', 'QUEUED', 'RUNNING'], 'CANCELLED'),
  rerun: stepMove('rerun', ['FAILED', 'SKIPPED', 'CANCELLED'], 'PENDING'),
};
/** A step row created QUEUED, for the run job or the step before it to add its job. */
const queuedCreation = stepCreation('queue', 'QUEUED');
const carriedCreation = stepCreation('carry on', 'RUNNING');
/** A step its job ran in memory after the one it recorded, in the same chain. */
const chainedCreation = stepCreation('chain', 'SUCCEEDED');
const skippedCreation = stepCreation('skip', 'SKIPPED');
/** Reads, not moves: the outputs an attempt may see, and the run a success may queue steps of. */
const isSucceededOutput = statusIn(['SUCCEEDED'], 'o."status"');
const isRunningRun = statusIn(['RUNNING']);
/** A step waiting (QUEUED with a due time): what an event makes due now. */
const isWaiting = statusIn(['QUEUED']);

export interface QueuedStep {
  stepRunId: string;
  stepKey: string;
  jobId: string;
  /** True when it was started at once (RUNNING, attempt 1) for the caller's job to carry on with. */
  started?: boolean;
  /** Attempts its job may make, when fewer than the step's policy (attempts already spent). */
  attempts?: number;
  /** Set for a step waiting (the delay action) until then, epoch ms: its job is added delayed to that time. */
  resumeAt?: number;
}

/** How a step ended: what `recordOutcome` writes. */
export type StepOutcome =
  | { status: 'SUCCEEDED'; output: unknown }
  | { status: 'FAILED'; error: StepError }
  | { status: 'SKIPPED'; reason: string }
  | { status: 'CANCELLED'; reason: string };

/** `step-<id>-<generation>` as SQL, from the queue's own step job id prefix. */
export function stepJobIdOf(idColumn: string, generationColumn: string): Statement {
  return raw(`'${stepJob.idPrefix}' || ${idColumn}::text || '-' || ${generationColumn}::text`);
}

/** What an attempt reads besides its step row; by default the definition and every succeeded output. */
export interface AttemptReads {
  /** Only these steps' outputs (the step's dependencies); null for all succeeded steps. */
  outputsOf: string[] | null;
  /** False when the caller already holds the pinned definition (`run.definition` is then null). */
  definition: boolean;
}

export interface ClaimedStep {
  runId: string;
  stepKey: string;
  /** 1-based number of this attempt. */
  attempt: number;
  /** The run the step belongs to, with its pinned definition; null if the run is gone. */
  run: StepRunContext | null;
  /** Outputs of the run's succeeded steps, by step key, for resolving this step's input. */
  outputs: Record<string, unknown>;
}

/**
 * QUEUED → RUNNING for one attempt under `jobId` (its own job, or a job that carries on with it),
 * counting it, and everything the attempt needs (the run, its definition, earlier outputs, the
 * tenant's private-network allowlist) in the same round trip; null when the step is not waiting for
 * this job (a duplicate or late job). A step still RUNNING under the same job id is a job BullMQ handed out again after its worker died: the
 * lost attempt is recorded and the step runs again.
 */
export async function claimStep(
  db: SqlExecutor,
  { tenantId, stepRunId, jobId }: { tenantId: string; stepRunId: string; jobId: string },
  reads: AttemptReads = { outputsOf: null, definition: true },
): Promise<ClaimedStep | null> {
  const lost = JSON.stringify({ code: 'WORKER_LOST', message: 'the worker running this attempt stopped before it finished' });
  const [row] = await queryRows<Omit<ClaimedStep, 'run'> & Partial<StepRunContext>>(
    db,
    prepared(
      'claim-step',
      sql`
    WITH claimed AS (
      UPDATE "StepRun"
         SET "attemptErrors" = CASE WHEN ${moves.reclaim.guard()}
                                    THEN "attemptErrors" || jsonb_build_array(${lost}::jsonb || jsonb_build_object('attempt', "attempt"))
                                    ELSE "attemptErrors" END,
             ${moves.claim.set}, "attempt" = "attempt" + 1, "updatedAt" = now(), "startedAt" = COALESCE("startedAt", now()),
             "jobId" = ${jobId}::text
       WHERE "id" = ${stepRunId}::uuid AND "tenantId" = ${tenantId}::uuid
         AND (${moves.claim.guard()} OR (${moves.reclaim.guard()} AND "jobId" = ${jobId}::text))
      RETURNING "workflowRunId", "stepKey", "attempt")
    SELECT s."workflowRunId"::text AS "runId", s."stepKey", s."attempt",
           r."status", r."input", r."workflowVersionId"::text AS "workflowVersionId",
           CASE WHEN ${reads.definition}::boolean THEN v."definition" END AS "definition",
           w."name" AS "workflowName", t."allowPrivateNetworks", r."parentStepRunId"::text AS "parentStepRunId",
           (SELECT COALESCE(jsonb_object_agg(o."stepKey", o."output"), '{}'::jsonb) FROM "StepRun" AS o
             WHERE o."workflowRunId" = s."workflowRunId" AND o."tenantId" = ${tenantId}::uuid AND ${isSucceededOutput}
               AND (${reads.outputsOf}::text[] IS NULL OR o."stepKey" = ANY(${reads.outputsOf}::text[]))) AS "outputs"
      FROM claimed AS s
      LEFT JOIN "WorkflowRun" AS r ON r."id" = s."workflowRunId" AND r."tenantId" = ${tenantId}::uuid
      LEFT JOIN "WorkflowVersion" AS v ON v."id" = r."workflowVersionId"
      LEFT JOIN "Workflow" AS w ON w."id" = r."workflowId"
      LEFT JOIN "Tenant" AS t ON t."id" = r."tenantId"`,
    ),
  );
  if (!row) return null;
  const { runId, stepKey, attempt, outputs, ...run } = row;
  return { runId, stepKey, attempt, outputs, run: run.status ? (run as StepRunContext) : null };
}

/** RUNNING → QUEUED after a failed attempt that will be retried; the attempt's error is kept. */
export async function recordRetry(db: SqlExecutor, ref: AttemptRef, error: StepError): Promise<boolean> {
  const count = await execute(
    db,
    sql`
    UPDATE "StepRun"
       SET ${moves.retry.set}, "updatedAt" = now(),
           "attemptErrors" = "attemptErrors" || jsonb_build_array(${JSON.stringify(error)}::jsonb)
     WHERE ${attemptIs(ref)} AND ${moves.retry.guard()}`,
  );
  return count === 1;
}

/**
 * RUNNING → QUEUED for an attempt whose job ended or vanished while the step was RUNNING (its worker
 * was lost): the lost attempt is recorded, and the step is queued again under a job of a new generation
 * (the attempt count), since the old job id is spent. Returns the new job id; null if the attempt had moved on.
 */
export async function recordLostAttempt(db: SqlExecutor, ref: AttemptRef, error: StepError): Promise<string | null> {
  const [row] = await queryRows<{ jobId: string }>(
    db,
    sql`
    UPDATE "StepRun"
       SET ${moves.retryLost.set}, "updatedAt" = now(), "jobId" = ${stepJobIdOf('"id"', '"attempt"')},
           "attemptErrors" = "attemptErrors" || jsonb_build_array(${JSON.stringify(error)}::jsonb)
     WHERE ${attemptIs(ref)} AND ${moves.retryLost.guard()}
    RETURNING "jobId"`,
  );
  return row?.jobId ?? null;
}

/**
 * RUNNING → QUEUED for a step that asked to wait (the delay action) until `resumeAt` (epoch ms): not
 * a failure, so the attempt it used is given back. The due time is kept on the row, so a job Redis
 * loses meanwhile is re-armed for the time left.
 */
export async function recordWait(db: SqlExecutor, ref: AttemptRef, resumeAt: number): Promise<boolean> {
  const count = await execute(
    db,
    sql`
    UPDATE "StepRun" SET ${moves.wait.set}, "updatedAt" = now(), "attempt" = GREATEST("attempt" - 1, 0),
           "resumeAt" = to_timestamp(${resumeAt}::float8 / 1000)
     WHERE ${attemptIs(ref)} AND ${moves.wait.guard()}`,
  );
  return count === 1;
}

/**
 * A waiting step made due now (an event came for it; no move: it stays QUEUED): its job, to wake, or
 * null when the step is not waiting (its job is running it).
 */
export async function markWaitDue(db: SqlExecutor, { tenantId, stepRunId }: Pick<AttemptRef, 'tenantId' | 'stepRunId'>) {
  const [row] = await queryRows<{ jobId: string | null }>(
    db,
    sql`UPDATE "StepRun" SET "resumeAt" = now()
         WHERE "id" = ${stepRunId}::uuid AND "tenantId" = ${tenantId}::uuid AND ${isWaiting}
        RETURNING "jobId"`,
  );
  return row ?? null;
}

const outcomeMoves = {
  SUCCEEDED: moves.succeed,
  FAILED: moves.fail,
  SKIPPED: moves.skipByCondition,
  CANCELLED: moves.cancel,
} as const;

/** Records how an attempt ended; false for a duplicate or late report (the step was not in the move's states). */
export async function recordOutcome(db: SqlExecutor, ref: AttemptRef, outcome: StepOutcome): Promise<boolean> {
  const move = outcomeMoves[outcome.status];
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
      `record-${outcome.status.toLowerCase()}`,
      sql`
    UPDATE "StepRun"
       SET ${move.set}, "updatedAt" = now(), "finishedAt" = now(), "output" = ${output}::jsonb, "error" = ${error}::jsonb
     WHERE ${attemptIs(ref)} AND ${move.guard()}`,
    ),
  );
  return count === 1;
}

/**
 * A success a chain statement records: the step's row and key, its output (JSON text) and, when its
 * job ran it in a chain, the attempt's start and end (epoch ms, the worker's clock).
 */
export interface RecordedSuccess {
  stepRunId: string;
  stepKey: string;
  output: string;
  startedAt?: number | undefined;
  finishedAt?: number | undefined;
}

/**
 * The CTEs `recorded` and `chained` (each RETURNING "stepKey", "output") of a statement that records a
 * chain of successes: the first is the attempt `ref`, RUNNING → SUCCEEDED; the others are steps its job
 * ran after it in memory (each the only step the one before unblocked), created SUCCEEDED under the
 * job's id while the run is RUNNING. Their rows cannot exist yet: a step's row is created by its
 * dependency's success, and the first step's row was new when it started (`QueuedStep.started`).
 */
export function recordChain(ref: AttemptRef, [first, ...rest]: RecordedSuccess[]): Statement {
  const started = first?.startedAt ?? null;
  return sql`
    recorded AS (
      UPDATE "StepRun"
         SET ${moves.succeed.set}, "updatedAt" = now(), "output" = ${first?.output ?? 'null'}::jsonb, "error" = NULL,
             "startedAt" = CASE WHEN "attempt" = 1 AND ${started}::float8 IS NOT NULL
                                THEN to_timestamp(${started}::float8 / 1000) ELSE "startedAt" END,
             "finishedAt" = COALESCE(to_timestamp(${first?.finishedAt ?? null}::float8 / 1000), now())
       WHERE ${attemptIs(ref)} AND ${moves.succeed.guard()}
      RETURNING "stepKey", "output"),
    chained AS (
      INSERT INTO "StepRun" ("id", "tenantId", "workflowRunId", "stepKey", "status", "attempt", "jobId", "startedAt", "finishedAt", "output")
      SELECT c.id, ${ref.tenantId}::uuid, ${ref.runId}::uuid, c.key, ${chainedCreation.value}, 1, ${ref.jobId}::text,
             to_timestamp(c.started / 1000), to_timestamp(c.finished / 1000), c.output::jsonb
        FROM unnest(${rest.map((step) => step.stepRunId)}::uuid[], ${rest.map((step) => step.stepKey)}::text[],
                    ${rest.map((step) => step.startedAt ?? null)}::float8[], ${rest.map((step) => step.finishedAt ?? null)}::float8[],
                    ${rest.map((step) => step.output)}::text[]) AS c(id, key, started, finished, output)
       WHERE EXISTS (SELECT 1 FROM recorded) AND ${runIsRunning(ref)}
      RETURNING "stepKey", "output")`;
}

/** The run of `ref` is RUNNING: the condition of every row a success creates. */
function runIsRunning(ref: RunRef): Statement {
  return sql`EXISTS (SELECT 1 FROM "WorkflowRun" WHERE "id" = ${ref.runId}::uuid AND "tenantId" = ${ref.tenantId}::uuid AND ${isRunningRun})`;
}

/** The row of this attempt, and only while this attempt (number and job) holds it: the fence of every outcome write. */
function attemptIs(ref: AttemptRef): Statement {
  return sql`"id" = ${ref.stepRunId}::uuid AND "tenantId" = ${ref.tenantId}::uuid AND "attempt" = ${ref.attempt}::int AND "jobId" = ${ref.jobId}::text`;
}

/** The next step the caller's job carries on with: started at once under the job's id. */
export interface CarryOn {
  stepKey: string;
  jobId: string;
  /** The id its row is created with, when the job already ran it under that id (a chain's step that did not succeed). */
  stepRunId?: string | undefined;
}

/**
 * The status, attempt, start and job of a new step row `s(id, key)` (the columns after its key): the step
 * `carried` names is started (RUNNING, attempt 1) under the carrying job's id; any other is QUEUED with a
 * job of its own.
 */
export function newStepState(carried: CarryOn | undefined): Statement {
  const { stepKey, jobId } = carried ?? { stepKey: null, jobId: null };
  return sql`CASE WHEN s.key = ${stepKey}::text THEN ${carriedCreation.value} ELSE ${queuedCreation.value} END,
             CASE WHEN s.key = ${stepKey}::text THEN 1 ELSE 0 END,
             CASE WHEN s.key = ${stepKey}::text THEN now() END,
             CASE WHEN s.key = ${stepKey}::text THEN ${jobId}::text ELSE ${stepJobIdOf('s.id', '0')} END`;
}

/** What a statement that queues steps returns of each: a {@link QueuedStep}. */
export const queuedStepColumns = sql`"id"::text AS "stepRunId", "stepKey", "jobId", "status" = ${carriedCreation.value} AS "started"`;

/**
 * A chain of successes recorded (recordChain) and, while the run is RUNNING, the steps that waited for
 * its last one alone queued; the one the caller carries on with is started instead, under the id it
 * names if any (a rerun's existing row is only queued).
 */
export async function recordAndQueue(
  db: SqlExecutor,
  ref: AttemptRef,
  successes: RecordedSuccess[],
  next: string[],
  carryOn: CarryOn | undefined,
): Promise<{ recorded: boolean; queued: QueuedStep[] }> {
  const carried = carryOn && next.includes(carryOn.stepKey) ? carryOn : undefined;
  const ids = next.map((key) => (key === carried?.stepKey && carried.stepRunId) || crypto.randomUUID());
  const [row] = await queryRows<{ recorded: boolean; queued: QueuedStep[] }>(
    db,
    prepared(
      'record-and-queue',
      sql`
    WITH ${recordChain(ref, successes)},
    queued AS (
      INSERT INTO "StepRun" ("id", "tenantId", "workflowRunId", "stepKey", "status", "attempt", "startedAt", "jobId")
      SELECT s.id, ${ref.tenantId}::uuid, ${ref.runId}::uuid, s.key, ${newStepState(carried)}
        FROM unnest(${ids}::uuid[], ${next}::text[]) AS s(id, key)
       WHERE EXISTS (SELECT 1 FROM recorded) AND ${runIsRunning(ref)}
      ON CONFLICT ("workflowRunId", "stepKey") DO UPDATE
         SET ${moves.requeue.set}, "updatedAt" = now(), "finishedAt" = NULL, "error" = NULL,
             "jobId" = ${stepJobIdOf('"StepRun"."id"', '"StepRun"."attempt"')}
       WHERE ${moves.requeue.guard('"StepRun"."status"')}
      RETURNING ${queuedStepColumns})
    SELECT EXISTS (SELECT 1 FROM recorded) AS "recorded", COALESCE((SELECT jsonb_agg(queued) FROM queued), '[]'::jsonb) AS "queued"`,
    ),
  );
  return { recorded: row?.recorded ?? false, queued: row?.queued ?? [] };
}

/** Queues steps planning found ready: new rows, or a rerun's PENDING rows with a job id of a new generation. */
export async function queueSteps(db: SqlExecutor, ref: RunRef, stepKeys: string[]): Promise<QueuedStep[]> {
  if (stepKeys.length === 0) return [];
  const ids = stepKeys.map(() => crypto.randomUUID());
  return queryRows<QueuedStep>(
    db,
    prepared(
      'queue-steps',
      sql`
    INSERT INTO "StepRun" ("id", "tenantId", "workflowRunId", "stepKey", "status", "jobId")
    SELECT s.id, ${ref.tenantId}::uuid, ${ref.runId}::uuid, s.key, ${queuedCreation.value}, ${stepJobIdOf('s.id', '0')}
      FROM unnest(${ids}::uuid[], ${stepKeys}::text[]) AS s(id, key)
    ON CONFLICT ("workflowRunId", "stepKey") DO UPDATE
       SET ${moves.requeue.set}, "updatedAt" = now(), "finishedAt" = NULL, "error" = NULL,
           "jobId" = ${stepJobIdOf('"StepRun"."id"', '"StepRun"."attempt"')}
     WHERE ${moves.requeue.guard('"StepRun"."status"')}
    RETURNING "id"::text AS "stepRunId", "stepKey", "jobId"`,
    ),
  );
}

/** Skips steps planning found unreachable: new rows, or a rerun's PENDING rows. */
export async function skipSteps(db: SqlExecutor, ref: RunRef, skips: { key: string; reason: string }[]): Promise<void> {
  if (skips.length === 0) return;
  const errors = skips.map((skip) => JSON.stringify({ code: 'SKIPPED', message: skip.reason }));
  await execute(
    db,
    sql`
    INSERT INTO "StepRun" ("tenantId", "workflowRunId", "stepKey", "status", "error", "finishedAt")
    SELECT ${ref.tenantId}::uuid, ${ref.runId}::uuid, s.key, ${skippedCreation.value}, s.error::jsonb, now()
      FROM unnest(${skips.map((skip) => skip.key)}::text[], ${errors}::text[]) AS s(key, error)
    ON CONFLICT ("workflowRunId", "stepKey") DO UPDATE
       SET ${moves.skip.set}, "error" = EXCLUDED."error", "finishedAt" = now(), "updatedAt" = now()
     WHERE ${moves.skip.guard('"StepRun"."status"')}`,
  );
}

/** Every unfinished step of a stopped run CANCELLED (inside stopRun's transaction); returns their job ids. */
export async function cancelUnfinishedSteps(db: SqlExecutor, ref: RunRef, error: string): Promise<string[]> {
  const steps = await queryRows<{ jobId: string | null }>(
    db,
    sql`
    UPDATE "StepRun" SET ${moves.stop.set}, "updatedAt" = now(), "finishedAt" = now(), "error" = ${error}::jsonb
     WHERE "workflowRunId" = ${ref.runId}::uuid AND "tenantId" = ${ref.tenantId}::uuid AND ${moves.stop.guard()}
    RETURNING "jobId"`,
  );
  return steps.flatMap((step) => (step.jobId ? [step.jobId] : []));
}

/** A rerun's steps that did not succeed back to PENDING (inside rerunRun's transaction). */
export async function resetStepsForRerun(db: SqlExecutor, ref: RunRef): Promise<void> {
  await execute(
    db,
    sql`
    UPDATE "StepRun" SET ${moves.rerun.set}, "updatedAt" = now(), "finishedAt" = NULL, "error" = NULL, "output" = NULL
     WHERE "workflowRunId" = ${ref.runId}::uuid AND "tenantId" = ${ref.tenantId}::uuid AND ${moves.rerun.guard()}`,
  );
}
