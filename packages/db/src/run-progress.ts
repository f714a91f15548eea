import { afterSuccess, planRun, type RunStatus, type StepStatus, type WorkflowDefinition } from '@conveyor/engine';
import { finishRun, recordAndFinish, startRunStatement } from './run-transitions';
import type { RunRef } from './runs.repo';
import { prepared, queryRows, type SqlExecutor, type SqlPool, sql } from './sql';
import {
  type CarryOn,
  type QueuedStep,
  queueSteps,
  type RecordedSuccess,
  recordAndQueue,
  recordOutcome,
  type StepOutcome,
  skipSteps,
} from './step-transitions';
import type { AttemptRef } from './steps.repo';

/**
 * How a run moves on: the engine plans from every step's status, and the state statements apply
 * the plan. There is no transaction and no lock: an outcome commits first and the statuses are read
 * by a later statement, so of two steps finishing at once at least the later one sees both; and
 * applying a plan twice changes nothing (a step is queued once, a run finished once). A worker that
 * dies in between leaves its job unfinished: BullMQ hands it out again and {@link replanRun} plans.
 */
export interface Progress {
  /** False when the message was a duplicate or late: nothing changed. */
  applied: boolean;
  /** Steps this call made QUEUED (or started, for the caller to carry on with): the caller adds the jobs of the others. */
  queued: QueuedStep[];
  /** The run's final status when this change finished it. */
  finished: RunStatus | null;
}

const NOTHING: Progress = { applied: false, queued: [], finished: null };

/**
 * QUEUED → RUNNING and the first steps queued. A fresh run (no step rows yet) takes one
 * statement, which also starts the step `carryOn` names for the run job to run itself; a rerun or a
 * repeated run job plans from the steps' statuses.
 */
export async function startRun(pool: SqlPool, ref: RunRef, definition: WorkflowDefinition, carryOn?: CarryOn): Promise<Progress> {
  const { ready } = planRun(definition, {});
  const started = await startRunStatement(pool, ref, ready, carryOn);
  if (!started.applied) return NOTHING;
  if (Object.keys(started.statuses).length === 0) return { applied: true, queued: started.queued, finished: null };
  return advance(pool, ref, definition, started.statuses);
}

/**
 * Records a step's outcome, then plans the run from every step's status: the steps it unblocks are
 * queued and a run whose steps are all done is finished. A success goes through {@link finishChain}.
 */
export async function finishStep(
  pool: SqlPool,
  ref: AttemptRef,
  definition: WorkflowDefinition,
  outcome: StepOutcome,
  carryOn?: CarryOn,
): Promise<Progress> {
  if (outcome.status === 'SUCCEEDED') {
    const success = { stepRunId: ref.stepRunId, stepKey: ref.stepKey, output: JSON.stringify(outcome.output ?? null) };
    return finishChain(pool, ref, definition, [success], carryOn);
  }
  if (!(await recordOutcome(pool, ref, outcome))) return NOTHING;
  return { ...(await replanRun(pool, ref, definition)), applied: true };
}

/**
 * Records a chain of successes: the attempt `ref` and the steps its job ran after it in memory, each the
 * only step the one before unblocked (recordChain). What the last success decides on its own
 * (afterSuccess: the next steps of a chain, or the end of the run) is applied by the same statement,
 * which also starts the step `carryOn` names for the caller to run in the same job; otherwise the run is
 * planned from every step's status.
 */
export async function finishChain(
  pool: SqlPool,
  ref: AttemptRef,
  definition: WorkflowDefinition,
  successes: RecordedSuccess[],
  carryOn?: CarryOn,
): Promise<Progress> {
  const shortcut = afterSuccess(definition, successes.at(-1)?.stepKey ?? ref.stepKey);
  if (shortcut?.kind === 'finish') {
    const done = await recordAndFinish(pool, ref, successes);
    if (!done.recorded) return NOTHING;
    if (done.finished) return { applied: true, queued: [], finished: 'SUCCEEDED' };
  } else {
    const done = await recordAndQueue(pool, ref, successes, shortcut?.steps ?? [], carryOn);
    if (!done.recorded) return NOTHING;
    if (done.queued.length > 0) return { applied: true, queued: done.queued, finished: null };
  }
  // Nothing to queue or finish after all (a join, or a rerun kept the next steps' results): plan in full.
  return { ...(await replanRun(pool, ref, definition)), applied: true };
}

/** Plans a RUNNING run from its steps' statuses and applies the plan; a run in any other status is left alone. */
export async function replanRun(pool: SqlPool, ref: RunRef, definition: WorkflowDefinition): Promise<Progress> {
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
  if (run?.status !== 'RUNNING') return NOTHING;
  return advance(pool, ref, definition, run.statuses);
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
  const finished = plan.done && plan.outcome ? await finishRun(db, ref, [...leafStepKeys(definition)], plan.outcome) : null;
  return { applied: true, queued, finished };
}

/** Steps no other step depends on: their outputs make the run's output. */
function leafStepKeys(definition: WorkflowDefinition): Set<string> {
  const dependedOn = new Set(definition.steps.flatMap((step) => step.dependsOn));
  return new Set(definition.steps.filter((step) => !dependedOn.has(step.key)).map((step) => step.key));
}
