import { planRun, type RunStatus, type StepStatus, type WorkflowDefinition } from '@conveyor/engine';
import type { PrismaClient } from './client';
import type { RunRef } from './runs.repo';
import type { StepError } from './steps.repo';

type Tx = Pick<PrismaClient, '$queryRaw' | '$executeRaw'>;

export interface QueuedStep {
  stepRunId: string;
  stepKey: string;
  jobId: string;
}

export interface Progress {
  /** False when the message was a duplicate or late: nothing changed. */
  applied: boolean;
  /** Steps made QUEUED in this transaction: enqueue their jobs after commit. */
  queued: QueuedStep[];
  /** The run's final status when this change finished it. */
  finished: RunStatus | null;
}

export type StepOutcome =
  | { status: 'SUCCEEDED'; output: unknown }
  | { status: 'FAILED'; error: StepError }
  | { status: 'SKIPPED'; reason: string }
  | { status: 'CANCELLED'; reason: string };

/** QUEUED → RUNNING, then queue the steps that have no dependencies, in one transaction. */
export async function startRun(prisma: PrismaClient, ref: RunRef, definition: WorkflowDefinition): Promise<Progress> {
  return prisma.$transaction(async (tx) => {
    const [run] = await tx.$queryRaw<{ status: RunStatus }[]>`
      UPDATE "WorkflowRun" SET "status" = 'RUNNING', "updatedAt" = now(), "startedAt" = COALESCE("startedAt", now())
       WHERE "id" = ${ref.runId}::uuid AND "tenantId" = ${ref.tenantId}::uuid AND "status" IN ('QUEUED', 'RUNNING')
      RETURNING "status"`;
    if (!run) return { applied: false, queued: [], finished: null };
    const rows = await tx.$queryRaw<{ stepKey: string; status: StepStatus }[]>`
      SELECT "stepKey", "status" FROM "StepRun" WHERE "workflowRunId" = ${ref.runId}::uuid AND "tenantId" = ${ref.tenantId}::uuid`;
    return advance(tx, ref, definition, Object.fromEntries(rows.map((row) => [row.stepKey, row.status])));
  });
}

/**
 * Records a step's outcome, plans the steps it unblocks and finishes the run when every step is
 * terminal — one transaction with the run row locked, so two steps finishing at once plan in turn.
 */
export async function finishStep(
  prisma: PrismaClient,
  ref: RunRef & { stepRunId: string },
  definition: WorkflowDefinition,
  outcome: StepOutcome,
): Promise<Progress> {
  return prisma.$transaction(async (tx) => {
    // The lock is its own statement: what follows then reads a snapshot taken after it was granted.
    const [run] = await tx.$queryRaw<{ status: RunStatus }[]>`
      SELECT "status" FROM "WorkflowRun" WHERE "id" = ${ref.runId}::uuid AND "tenantId" = ${ref.tenantId}::uuid FOR UPDATE`;
    const from: StepStatus[] =
      outcome.status === 'SKIPPED' || outcome.status === 'CANCELLED' ? ['QUEUED', 'RUNNING'] : ['RUNNING'];
    const statuses = await recordOutcome(tx, ref, outcome, from);
    if (!statuses || run?.status !== 'RUNNING') return { applied: statuses !== null, queued: [], finished: null };
    return advance(tx, ref, definition, statuses);
  });
}

/**
 * Records the outcome and reads every step's status in one statement; null when the step was not
 * in a `from` state (a duplicate or late report). The statement's snapshot predates its own
 * update, so the recorded step's new status is filled in here.
 */
async function recordOutcome(
  tx: Tx,
  ref: RunRef & { stepRunId: string },
  outcome: StepOutcome,
  from: StepStatus[],
): Promise<Record<string, StepStatus> | null> {
  const output = outcome.status === 'SUCCEEDED' ? JSON.stringify(outcome.output ?? null) : null;
  const error =
    outcome.status === 'FAILED'
      ? JSON.stringify(outcome.error)
      : outcome.status === 'SUCCEEDED'
        ? null
        : JSON.stringify({ code: outcome.status, message: outcome.reason });
  const [row] = await tx.$queryRaw<{ stepKey: string | null; statuses: Record<string, StepStatus> }[]>`
    WITH recorded AS (
      UPDATE "StepRun"
         SET "status" = ${outcome.status}::step_status, "updatedAt" = now(), "finishedAt" = now(),
             "output" = ${output}::jsonb, "error" = ${error}::jsonb
       WHERE "id" = ${ref.stepRunId}::uuid AND "tenantId" = ${ref.tenantId}::uuid AND "status"::text = ANY(${from}::text[])
      RETURNING "stepKey")
    SELECT (SELECT "stepKey" FROM recorded) AS "stepKey",
           COALESCE((SELECT jsonb_object_agg("stepKey", "status") FROM "StepRun"
                      WHERE "workflowRunId" = ${ref.runId}::uuid AND "tenantId" = ${ref.tenantId}::uuid), '{}'::jsonb) AS "statuses"`;
  if (!row?.stepKey) return null;
  return { ...row.statuses, [row.stepKey]: outcome.status };
}

async function advance(
  tx: Tx,
  ref: RunRef,
  definition: WorkflowDefinition,
  statuses: Record<string, StepStatus>,
): Promise<Progress> {
  const plan = planRun(definition, Object.fromEntries(Object.entries(statuses).map(([key, status]) => [key, { status }])));
  const queued = await queueSteps(tx, ref, plan.ready);
  await skipSteps(tx, ref, plan.skip);
  const finished = plan.done && plan.outcome ? await finishRun(tx, ref, definition, plan.outcome) : null;
  return { applied: true, queued, finished };
}

async function queueSteps(tx: Tx, ref: RunRef, stepKeys: string[]): Promise<QueuedStep[]> {
  if (stepKeys.length === 0) return [];
  const ids = stepKeys.map(() => crypto.randomUUID());
  // A rerun resets finished steps to PENDING; they are re-queued with a job id of a new generation.
  return tx.$queryRaw<QueuedStep[]>`
    INSERT INTO "StepRun" ("id", "tenantId", "workflowRunId", "stepKey", "status", "jobId")
    SELECT s.id, ${ref.tenantId}::uuid, ${ref.runId}::uuid, s.key, 'QUEUED', 'step-' || s.id::text || '-0'
      FROM unnest(${ids}::uuid[], ${stepKeys}::text[]) AS s(id, key)
    ON CONFLICT ("workflowRunId", "stepKey") DO UPDATE
       SET "status" = 'QUEUED', "updatedAt" = now(), "finishedAt" = NULL, "error" = NULL,
           "jobId" = 'step-' || "StepRun"."id"::text || '-' || "StepRun"."attempt"::text
     WHERE "StepRun"."status" = 'PENDING'
    RETURNING "id"::text AS "stepRunId", "stepKey", "jobId"`;
}

async function skipSteps(tx: Tx, ref: RunRef, skips: { key: string; reason: string }[]): Promise<void> {
  if (skips.length === 0) return;
  const errors = skips.map((skip) => JSON.stringify({ code: 'SKIPPED', message: skip.reason }));
  await tx.$executeRaw`
    INSERT INTO "StepRun" ("tenantId", "workflowRunId", "stepKey", "status", "error", "finishedAt")
    SELECT ${ref.tenantId}::uuid, ${ref.runId}::uuid, s.key, 'SKIPPED', s.error::jsonb, now()
      FROM unnest(${skips.map((skip) => skip.key)}::text[], ${errors}::text[]) AS s(key, error)
    ON CONFLICT ("workflowRunId", "stepKey") DO UPDATE
       SET "status" = 'SKIPPED', "error" = EXCLUDED."error", "finishedAt" = now(), "updatedAt" = now()
     WHERE "StepRun"."status" = 'PENDING'`;
}

async function finishRun(tx: Tx, ref: RunRef, definition: WorkflowDefinition, outcome: RunStatus): Promise<RunStatus | null> {
  const leaves = leafStepKeys(definition);
  const rows = await tx.$queryRaw<{ stepKey: string; status: StepStatus; output: unknown }[]>`
    SELECT "stepKey", "status", "output" FROM "StepRun"
     WHERE "workflowRunId" = ${ref.runId}::uuid AND "tenantId" = ${ref.tenantId}::uuid`;
  const output = Object.fromEntries(rows.filter((row) => leaves.has(row.stepKey)).map((row) => [row.stepKey, row.output]));
  const failedSteps = rows.filter((row) => row.status === 'FAILED').map((row) => row.stepKey);
  const error =
    outcome === 'FAILED'
      ? JSON.stringify({ code: 'STEP_FAILED', message: `failed steps: ${failedSteps.join(', ')}`, failedSteps })
      : null;
  const count = await tx.$executeRaw`
    UPDATE "WorkflowRun"
       SET "status" = ${outcome}::run_status, "updatedAt" = now(), "finishedAt" = now(),
           "output" = ${JSON.stringify(output)}::jsonb, "error" = ${error}::jsonb
     WHERE "id" = ${ref.runId}::uuid AND "tenantId" = ${ref.tenantId}::uuid AND "status" = 'RUNNING'`;
  return count === 1 ? outcome : null;
}

/** Steps no other step depends on: their outputs make the run's output. */
function leafStepKeys(definition: WorkflowDefinition): Set<string> {
  const dependedOn = new Set(definition.steps.flatMap((step) => step.dependsOn));
  return new Set(definition.steps.filter((step) => !dependedOn.has(step.key)).map((step) => step.key));
}
