import {
  canTransitionRun,
  canTransitionStep,
  isTerminalRunStatus,
  isTerminalStepStatus,
  type RunStatus,
  type StepStatus,
} from '@conveyor/engine';
import { ConveyorError } from '@conveyor/errors';
import { execute, type SqlExecutor, sql } from './sql';

export interface TransitionResult {
  /** False when the row was not in the expected state (or not the tenant's): a duplicate or late message. */
  applied: boolean;
}

export interface RunTransition {
  tenantId: string;
  runId: string;
  from: RunStatus;
  to: RunStatus;
}

export interface StepTransition {
  tenantId: string;
  stepRunId: string;
  from: StepStatus;
  to: StepStatus;
}

/**
 * Moves a run from one status to the next in one guarded UPDATE: it applies only when the row is
 * the tenant's and still in `from`, so a repeated or late message changes nothing.
 * On the bare pool because this is the hot path: a Prisma model update costs several times more CPU here.
 */
export async function transitionRun(db: SqlExecutor, t: RunTransition): Promise<TransitionResult> {
  assertLegal('run', t.from, t.to, canTransitionRun(t.from, t.to));
  const finished = isTerminalRunStatus(t.to);
  const count = await execute(
    db,
    sql`
    UPDATE "WorkflowRun"
       SET "status" = ${t.to}::run_status,
           "updatedAt" = now(),
           "startedAt" = CASE WHEN ${t.to} = 'RUNNING' THEN COALESCE("startedAt", now()) ELSE "startedAt" END,
           "finishedAt" = CASE WHEN ${finished} THEN now() ELSE NULL END
     WHERE "id" = ${t.runId}::uuid AND "tenantId" = ${t.tenantId}::uuid AND "status" = ${t.from}::run_status`,
  );
  return { applied: count === 1 };
}

/** The StepRun counterpart of {@link transitionRun}. */
export async function transitionStep(db: SqlExecutor, t: StepTransition): Promise<TransitionResult> {
  assertLegal('step', t.from, t.to, canTransitionStep(t.from, t.to));
  const finished = isTerminalStepStatus(t.to);
  const count = await execute(
    db,
    sql`
    UPDATE "StepRun"
       SET "status" = ${t.to}::step_status,
           "updatedAt" = now(),
           "startedAt" = CASE WHEN ${t.to} = 'RUNNING' THEN COALESCE("startedAt", now()) ELSE "startedAt" END,
           "finishedAt" = CASE WHEN ${finished} THEN now() ELSE NULL END
     WHERE "id" = ${t.stepRunId}::uuid AND "tenantId" = ${t.tenantId}::uuid AND "status" = ${t.from}::step_status`,
  );
  return { applied: count === 1 };
}

function assertLegal(kind: 'run' | 'step', from: string, to: string, legal: boolean): void {
  if (!legal) {
    throw new ConveyorError({ code: 'INTERNAL', message: `illegal ${kind} transition ${from} → ${to}`, details: { from, to } });
  }
}
