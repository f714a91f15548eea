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
    return advance(tx, ref, definition);
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
    const [run] = await tx.$queryRaw<{ status: RunStatus }[]>`
      SELECT "status" FROM "WorkflowRun" WHERE "id" = ${ref.runId}::uuid AND "tenantId" = ${ref.tenantId}::uuid FOR UPDATE`;
    const from: StepStatus[] =
      outcome.status === 'SKIPPED' || outcome.status === 'CANCELLED' ? ['QUEUED', 'RUNNING'] : ['RUNNING'];
    const recorded = await recordOutcome(tx, ref, outcome, from);
    if (!recorded || run?.status !== 'RUNNING') return { applied: recorded, queued: [], finished: null };
    return advance(tx, ref, definition);
  });
}

async function recordOutcome(tx: Tx, ref: RunRef & { stepRunId: string }, outcome: StepOutcome, from: StepStatus[]) {
  const output = outcome.status === 'SUCCEEDED' ? JSON.stringify(outcome.output ?? null) : null;
  const error =
    outcome.status === 'FAILED'
      ? JSON.stringify(outcome.error)
      : outcome.status === 'SUCCEEDED'
        ? null
        : JSON.stringify({ code: outcome.status, message: outcome.reason });
  const count = await tx.$executeRaw`
    UPDATE "StepRun"
       SET "status" = ${outcome.status}::step_status, "updatedAt" = now(), "finishedAt" = now(),
           "output" = ${output}::jsonb, "error" = ${error}::jsonb
     WHERE "id" = ${ref.stepRunId}::uuid AND "tenantId" = ${ref.tenantId}::uuid AND "status"::text = ANY(${from}::text[])`;
  return count === 1;
}

async function advance(tx: Tx, ref: RunRef, definition: WorkflowDefinition): Promise<Progress> {
  const rows = await tx.$queryRaw<{ stepKey: string; status: StepStatus }[]>`
    SELECT "stepKey", "status" FROM "StepRun" WHERE "workflowRunId" = ${ref.runId}::uuid AND "tenantId" = ${ref.tenantId}::uuid`;
  const plan = planRun(definition, Object.fromEntries(rows.map((row) => [row.stepKey, { status: row.status }])));
  const queued = await queueSteps(tx, ref, plan.ready);
  for (const skip of plan.skip) await skipStep(tx, ref, skip.key, skip.reason);
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

async function skipStep(tx: Tx, ref: RunRef, stepKey: string, reason: string): Promise<void> {
  const error = JSON.stringify({ code: 'SKIPPED', message: reason });
  await tx.$executeRaw`
    INSERT INTO "StepRun" ("tenantId", "workflowRunId", "stepKey", "status", "error", "finishedAt")
    VALUES (${ref.tenantId}::uuid, ${ref.runId}::uuid, ${stepKey}, 'SKIPPED', ${error}::jsonb, now())
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
