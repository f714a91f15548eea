import { type ActionContext, isActionAbortedError, isRetryableActionError, parseInput } from '@conveyor/actions';
import {
  findStepRunningUnderJob,
  finishStep,
  getRunForExecution,
  getSealedConnection,
  type RunRef,
  recordRetry,
  recordWait,
  resumeRun,
  type StepError,
  type StepOutcome,
  startStepAttempt,
} from '@conveyor/db';
import { actionRefKey, type StepDefinition, type TemplateContext, type WorkflowDefinition } from '@conveyor/engine';
import { ConveyorError, isConveyorError } from '@conveyor/errors';
import { type StepJobData, stepJob } from '@conveyor/queue';
import { DelayedError, type Job, UnrecoverableError } from 'bullmq';
import type { WorkerDeps } from '../deps';
import { RunCancelledReason, StepTimeoutReason } from '../execution/abort-registry';
import { NO_RETRY, splitContinuation } from '../execution/continuation';
import { enqueueProgress, type RunContext, runContextOf } from '../execution/enqueue-progress';
import { type PreparedStep, prepareStep, templateContextOf } from '../execution/prepared-step';
import { runActionWithTimeout } from '../execution/run-action';
import { createStepLogger, secretStrings } from '../execution/step-logger';

/**
 * A step job: QUEUED → RUNNING, resolve the input, run the action under its timeout, then record
 * the outcome and queue what it unblocks. A failed attempt that may be retried goes back to
 * QUEUED and BullMQ retries the job with the step's backoff; the last failure fails the step.
 *
 * When the step's success queues exactly one next step that is inline (a quick action that never
 * waits) and has no retries, the job carries on with it instead of queueing a job for it: a chain
 * of transforms costs one job, not one per step (see continuation.ts).
 */
export async function executeStepProcessor(deps: WorkerDeps, job: Job, token?: string): Promise<void> {
  let next: StepJobData | undefined = stepJob.schema.parse(job.data);
  let carried = false;
  while (next) {
    next = await executeStep(deps, { job, token, data: next, carried });
    carried = true;
  }
}

interface StepInJob {
  job: Job;
  token: string | undefined;
  data: StepJobData;
  /** False for the step the job was added for; true for a step this job carried on with. */
  carried: boolean;
}

/** One step in this job; returns the step the job carries on with, if any. */
async function executeStep(deps: WorkerDeps, s: StepInJob): Promise<StepJobData | undefined> {
  const { data, job } = s;
  await deps.logs.waitForCapacity(); // backpressure: no new step while the log buffer is full
  const ref = { tenantId: data.tenantId, runId: data.runId, stepRunId: data.stepRunId };
  const cached = data.workflowVersionId ? deps.definitions.peek(data.workflowVersionId) : undefined;
  const known = cached && data.stepKey ? prepareStep(cached, data.stepKey) : undefined;
  const started = await startStepAttempt(
    deps.pool,
    { ...ref, jobId: String(job.id) },
    { outputsOf: known ? known.visibleSteps : null, definition: !cached },
  );
  if (!started) return s.carried ? undefined : resumeJob(deps, ref, String(job.id), cached);
  const { run } = started;
  if (!run) return undefined;
  const definition = cached ?? deps.definitions.get(run.workflowVersionId, run.definition);
  const execution: RunExecution = { ...ref, stepKey: started.stepKey, ...runContextOf(run), definition };
  if (run.status !== 'RUNNING') {
    await finish(deps, execution, { status: 'CANCELLED', reason: `run is ${run.status}` });
    return undefined;
  }
  const prepared = known ?? prepareStep(definition, started.stepKey);
  if (!prepared) {
    await finish(deps, execution, failure('UNKNOWN_STEP', `step ${started.stepKey} is not in the definition`, started.attempt));
    return undefined;
  }
  const { step } = prepared;
  const log = deps.log.child({ ...logIds(data), jobId: job.id, stepKey: step.key, actionType: actionType(step) });
  log.info({ attempt: started.attempt, carried: s.carried }, 'step started');
  const outcome = await attempt(deps, {
    ...s,
    prepared,
    context: templateContextOf(prepared, run.input, started.outputs),
    attempt: started.attempt,
    attemptsLeft: s.carried ? 0 : (job.opts.attempts ?? 1) - job.attemptsMade - 1,
    log,
  });
  const next = await finish(deps, execution, outcome);
  if (outcome.status === 'FAILED' && !s.carried) throw new UnrecoverableError(outcome.error.message);
  return next;
}

interface Attempt extends StepInJob {
  prepared: PreparedStep;
  /** The run input and the outputs the step may read. */
  context: TemplateContext;
  attempt: number;
  /** Attempts after this one: BullMQ's count for the job's own step, none for a carried step. */
  attemptsLeft: number;
  log: WorkerDeps['log'];
}

/** One attempt; a retryable failure with attempts left (and a wait) ends by throwing to BullMQ. */
async function attempt(deps: WorkerDeps, a: Attempt): Promise<StepOutcome> {
  const ref = { tenantId: a.data.tenantId, stepRunId: a.data.stepRunId };
  const started = deps.now();
  const cancel = new AbortController();
  const unregister = deps.aborts.register(a.data.runId, cancel);
  // Filled once the connection is opened; the logger reads it on every line.
  const secretValues: string[] = [];
  const stepLog = createStepLogger({ writer: deps.logs, ids: logIds(a.data), secretValues, now: deps.now });
  const { step } = a.prepared;
  try {
    const condition = a.prepared.condition();
    if (condition && !(await condition.evaluate(a.context))) return { status: 'SKIPPED', reason: 'condition is false' };
    stepLog.info(`step started (attempt ${a.attempt})`, { attempt: a.attempt });
    const action = deps.actions.getOrThrow(step.action);
    const input = parseInput(action, await a.prepared.input.evaluate(a.context));
    const connection = step.connectionId ? await openConnection(deps, a.data.tenantId, step.connectionId) : undefined;
    secretValues.push(...secretStrings(connection));
    const ctx: Omit<ActionContext, 'signal'> = {
      log: stepLog,
      idempotencyKey: a.data.stepRunId,
      attempt: a.attempt,
      now: deps.now,
      http: { allowPrivateNetworks: [...deps.config.actions.allowPrivateNetworks] },
      ...(a.data.resumeAt ? { resume: { waitedUntil: a.data.resumeAt } } : {}),
      ...(connection ? { connection } : {}),
    };
    const result = await runActionWithTimeout(action, input, ctx, { timeoutMs: step.timeoutMs, cancel: cancel.signal });
    if (result.kind === 'wait') {
      if (a.carried) throw new ConveyorError({ code: 'INTERNAL', message: `inline action ${actionType(step)} asked to wait` });
      return await wait(deps, a, result.untilEpochMs);
    }
    const durationMs = deps.now() - started;
    deps.metrics.stepDuration.observe({ action: actionType(step), outcome: 'succeeded' }, durationMs / 1_000);
    a.log.info({ durationMs, attempt: a.attempt }, 'step succeeded');
    stepLog.info(`step succeeded in ${durationMs} ms`, { attempt: a.attempt, durationMs });
    return { status: 'SUCCEEDED', output: result.output };
  } catch (error) {
    if (error instanceof DelayedError) throw error;
    if (cancel.signal.reason instanceof RunCancelledReason) return { status: 'CANCELLED', reason: cancel.signal.reason.message };
    const stepError = toStepError(error, a.attempt);
    const { attemptsLeft } = a;
    deps.metrics.stepDuration.observe({ action: actionType(step), outcome: 'failed' }, (deps.now() - started) / 1_000);
    a.log.warn({ error, attempt: a.attempt, attemptsLeft, durationMs: deps.now() - started }, 'step attempt failed');
    stepLog.error(`attempt ${a.attempt} failed: ${stepError.message}`, {
      code: stepError.code,
      attempt: a.attempt,
      retrying: stepError.retryable && attemptsLeft > 0,
    });
    if (stepError.retryable && attemptsLeft > 0) {
      deps.metrics.stepRetries.inc({ action: actionType(step) });
      await recordRetry(deps.pool, ref, stepError);
      throw error; // BullMQ schedules the next attempt with the step's backoff
    }
    return { status: 'FAILED', error: stepError };
  } finally {
    unregister();
  }
}

/** The delay action: park the job as a delayed job (never a sleep) and re-enter it when due. */
async function wait(deps: WorkerDeps, a: Attempt, untilEpochMs: number): Promise<never> {
  await recordWait(deps.pool, { tenantId: a.data.tenantId, stepRunId: a.data.stepRunId });
  await a.job.updateData({ ...a.data, resumeAt: untilEpochMs });
  await a.job.moveToDelayed(untilEpochMs, a.token);
  a.log.info({ resumeAt: new Date(untilEpochMs).toISOString() }, 'step waiting');
  throw new DelayedError();
}

function actionType(step: StepDefinition): string {
  return actionRefKey(step.action);
}

function logIds(data: StepJobData) {
  return { tenantId: data.tenantId, workflowRunId: data.runId, stepRunId: data.stepRunId };
}

/** The step's connection, decrypted; a connection the tenant does not have fails the step for good. */
async function openConnection(deps: WorkerDeps, tenantId: string, connectionId: string): Promise<Record<string, unknown>> {
  const sealed = await getSealedConnection(deps.pool, { tenantId, connectionId });
  if (!sealed) {
    throw new ConveyorError({ code: 'NOT_FOUND', message: `connection ${connectionId} not found`, details: { connectionId } });
  }
  return deps.keyring.open(sealed) as Record<string, unknown>;
}

/** What an attempt's failure is recorded as; template and input errors are never retried. */
function toStepError(error: unknown, attempt: number): StepError {
  if (error instanceof StepTimeoutReason || (isActionAbortedError(error) && error.timedOut)) {
    return { code: 'STEP_TIMEOUT', message: error instanceof Error ? error.message : 'step timed out', attempt, retryable: true };
  }
  const message = error instanceof Error ? error.message : String(error);
  const code = isConveyorError(error) ? error.code : 'ACTION_FAILED';
  const details = isConveyorError(error) ? error.details : {};
  return { code, message, attempt, retryable: isRetryableActionError(error), details };
}

function failure(code: string, message: string, attempt: number): StepOutcome {
  return { status: 'FAILED', error: { code, message, attempt, retryable: false } };
}

/**
 * The step is not waiting for this job: a duplicate, a late job, or this job handed out again
 * after its worker died. If that worker had carried on with a later step, that step is still
 * RUNNING under this job's id: carry on with it again. Otherwise plan the run again, which
 * finishes the work of a worker that died between recording a step and planning, and changes
 * nothing in the other cases.
 */
async function resumeJob(
  deps: WorkerDeps,
  ref: RunRef,
  jobId: string,
  cached: WorkflowDefinition | undefined,
): Promise<StepJobData | undefined> {
  const run = await getRunForExecution(deps.pool, ref);
  if (run?.status !== 'RUNNING') return undefined;
  const carried = await findStepRunningUnderJob(deps.pool, { ...ref, jobId });
  if (carried) return { ...ref, ...carried, workflowVersionId: run.workflowVersionId, retry: NO_RETRY };
  const definition = cached ?? deps.definitions.get(run.workflowVersionId, run.definition);
  const progress = await resumeRun(deps.pool, ref, definition);
  await enqueueProgress(deps, { ...ref, ...runContextOf(run), definition }, progress);
  return undefined;
}

interface RunExecution extends RunContext {
  stepRunId: string;
  stepKey: string;
}

/** Records the outcome and queues what it unblocks; returns the step this job carries on with, if any. */
async function finish(deps: WorkerDeps, execution: RunExecution, outcome: StepOutcome): Promise<StepJobData | undefined> {
  const progress = await finishStep(deps.pool, execution, execution.definition, outcome);
  // Only after a success: a failed job step ends its job by throwing, which would drop the carried step.
  const { carryOn, rest } =
    outcome.status === 'SUCCEEDED'
      ? splitContinuation(deps.actions, execution.definition, progress)
      : { carryOn: undefined, rest: progress };
  await enqueueProgress(deps, execution, rest);
  if (!carryOn) return undefined;
  const { tenantId, runId, workflowVersionId } = execution;
  return { tenantId, runId, workflowVersionId, stepRunId: carryOn.stepRunId, stepKey: carryOn.stepKey, retry: NO_RETRY };
}
