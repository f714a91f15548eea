import {
  findStepRunningUnderJob,
  finishStep,
  getRunForExecution,
  type QueuedStep,
  type RunRef,
  resumeRun,
  type StepOutcome,
  startStepAttempt,
} from '@conveyor/db';
import type { WorkflowDefinition } from '@conveyor/engine';
import { type StepJobData, stepJob } from '@conveyor/queue';
import { type Job, UnrecoverableError } from 'bullmq';
import type { WorkerDeps } from '../deps';
import { carryOnAfter, NO_RETRY } from '../execution/continuation';
import { enqueueProgress, type RunContext, runContextOf } from '../execution/enqueue-progress';
import { type PreparedStep, prepareStep, templateContextOf } from '../execution/prepared-step';
import { actionType, attempt, failure, logIds, type StepInJob } from '../execution/step-attempt';

/**
 * A step job: QUEUED → RUNNING, resolve the input, run the action under its timeout, then record
 * the outcome and queue what it unblocks. A failed attempt that may be retried goes back to
 * QUEUED and BullMQ retries the job with the step's backoff; the last failure fails the step.
 *
 * When the step's success unblocks exactly one next step that is inline (a quick action that
 * never waits) and never retried, the job carries on with it: the same statement that records
 * the success starts the next step under this job's id, and its input is resolved from what this
 * job already holds. A chain of transforms costs one job, not one per step.
 */
export async function executeStepProcessor(deps: WorkerDeps, job: Job, token?: string): Promise<void> {
  const data = stepJob.schema.parse(job.data);
  let step = await startJobStep(deps, job, data);
  let carried = false;
  while (step) {
    step = await runStep(deps, { job, token, data: step.data, carried }, step);
    carried = true;
  }
}

/** A step RUNNING under this job, with what its attempt needs. */
interface ActiveStep {
  data: StepJobData;
  execution: RunExecution;
  prepared: PreparedStep;
  runInput: unknown;
  /** Outputs of succeeded steps, by key (at least those the step may read). */
  outputs: Record<string, unknown>;
  attempt: number;
}

interface RunExecution extends RunContext {
  stepRunId: string;
  stepKey: string;
}

/** QUEUED → RUNNING for the step in `data`, reading the run from the database. */
async function startJobStep(deps: WorkerDeps, job: Job, data: StepJobData): Promise<ActiveStep | undefined> {
  await deps.logs.waitForCapacity(); // backpressure: no new step while the log buffer is full
  const ref = { tenantId: data.tenantId, runId: data.runId, stepRunId: data.stepRunId };
  const cached = data.workflowVersionId ? deps.definitions.peek(data.workflowVersionId) : undefined;
  const known = cached && data.stepKey ? prepareStep(cached, data.stepKey) : undefined;
  const started = await startStepAttempt(
    deps.pool,
    { ...ref, jobId: String(job.id) },
    { outputsOf: known ? known.visibleSteps : null, definition: !cached },
  );
  if (!started) return resumeJob(deps, job, ref, cached);
  const { run } = started;
  if (!run) return undefined;
  const definition = cached ?? deps.definitions.get(run.workflowVersionId, run.definition);
  const execution: RunExecution = { ...ref, stepKey: started.stepKey, ...runContextOf(run), definition };
  if (run.status !== 'RUNNING') {
    await finishStep(deps.pool, execution, definition, { status: 'CANCELLED', reason: `run is ${run.status}` });
    return undefined;
  }
  const prepared = known ?? prepareStep(definition, started.stepKey);
  if (!prepared) {
    const unknown = failure('UNKNOWN_STEP', `step ${started.stepKey} is not in the definition`, started.attempt);
    await enqueueProgress(deps, execution, await finishStep(deps.pool, execution, definition, unknown));
    return undefined;
  }
  return { data, execution, prepared, runInput: run.input, outputs: started.outputs, attempt: started.attempt };
}

/** Runs one attempt and records it; returns the step the job carries on with, if any. */
async function runStep(deps: WorkerDeps, s: StepInJob, active: ActiveStep): Promise<ActiveStep | undefined> {
  const { prepared, execution } = active;
  const log = deps.log.child({
    ...logIds(s.data),
    jobId: s.job.id,
    stepKey: prepared.step.key,
    actionType: actionType(prepared.step),
  });
  log.info({ attempt: active.attempt, carried: s.carried }, 'step started');
  const outcome = await attempt(deps, {
    ...s,
    prepared,
    context: templateContextOf(prepared, active.runInput, active.outputs),
    attempt: active.attempt,
    attemptsLeft: s.carried ? 0 : (s.job.opts.attempts ?? 1) - s.job.attemptsMade - 1,
    log,
  });
  // Only after a success: a failed job step ends its job by throwing, which would drop a carried step.
  const carryOn =
    outcome.status === 'SUCCEEDED' ? carryOnAfter(deps.actions, execution.definition, execution.stepKey) : undefined;
  const progress = await finishStep(
    deps.pool,
    execution,
    execution.definition,
    outcome,
    carryOn && { ...carryOn, jobId: String(s.job.id) },
  );
  const next = progress.queued.find((queued) => queued.started);
  await enqueueProgress(deps, execution, { ...progress, queued: progress.queued.filter((queued) => !queued.started) });
  if (outcome.status === 'FAILED' && !s.carried) throw new UnrecoverableError(outcome.error.message);
  return next && outcome.status === 'SUCCEEDED' ? carriedStep(deps, active, outcome, next) : undefined;
}

/** The next step, already RUNNING under this job: its input comes from what this job holds. */
async function carriedStep(
  deps: WorkerDeps,
  previous: ActiveStep,
  outcome: Extract<StepOutcome, { status: 'SUCCEEDED' }>,
  next: QueuedStep,
): Promise<ActiveStep | undefined> {
  const { definition } = previous.execution;
  const prepared = prepareStep(definition, next.stepKey);
  if (!prepared) return undefined; // carryOnAfter only names steps of the definition
  await deps.logs.waitForCapacity();
  const { tenantId, runId, workflowVersionId } = previous.execution;
  return {
    data: { tenantId, runId, workflowVersionId, stepRunId: next.stepRunId, stepKey: next.stepKey, retry: NO_RETRY },
    execution: { ...previous.execution, stepRunId: next.stepRunId, stepKey: next.stepKey },
    prepared,
    runInput: previous.runInput,
    outputs: { ...previous.outputs, [previous.execution.stepKey]: outcome.output },
    attempt: 1,
  };
}

/**
 * The step is not waiting for this job: a duplicate, a late job, or this job handed out again
 * after its worker died. If that worker had carried on with a later step, that step is still
 * RUNNING under this job's id: start it again (the lost attempt is recorded). Otherwise plan the
 * run again, which finishes the work of a worker that died between recording a step and
 * planning, and changes nothing in the other cases.
 */
async function resumeJob(
  deps: WorkerDeps,
  job: Job,
  ref: RunRef,
  cached: WorkflowDefinition | undefined,
): Promise<ActiveStep | undefined> {
  const run = await getRunForExecution(deps.pool, ref);
  if (run?.status !== 'RUNNING') return undefined;
  const carried = await findStepRunningUnderJob(deps.pool, { ...ref, jobId: String(job.id) });
  if (carried) return startJobStep(deps, job, { ...ref, ...carried, workflowVersionId: run.workflowVersionId, retry: NO_RETRY });
  const definition = cached ?? deps.definitions.get(run.workflowVersionId, run.definition);
  const progress = await resumeRun(deps.pool, ref, definition);
  await enqueueProgress(deps, { ...ref, ...runContextOf(run), definition }, progress);
  return undefined;
}
