import { type ActionContext, isActionAbortedError, isRetryableActionError, parseInput } from '@conveyor/actions';
import { getSealedConnection, recordRetry, recordWait, type StepError, type StepOutcome } from '@conveyor/db';
import { actionRefKey, type StepDefinition, type TemplateContext } from '@conveyor/engine';
import { ConveyorError, isConveyorError } from '@conveyor/errors';
import type { StepJobData } from '@conveyor/queue';
import { DelayedError, type Job } from 'bullmq';
import type { WorkerDeps } from '../deps';
import { RunCancelledReason, StepTimeoutReason } from './abort-registry';
import type { PreparedStep } from './prepared-step';
import { runActionWithTimeout } from './run-action';
import { createStepLogger, secretStrings } from './step-logger';

/** A step being executed by a job: the step the job was added for, or one it carried on with. */
export interface StepInJob {
  job: Job;
  token: string | undefined;
  data: StepJobData;
  /** False for the step the job was added for; true for a step this job carried on with. */
  carried: boolean;
}

export interface Attempt extends StepInJob {
  prepared: PreparedStep;
  /** The run input and the outputs the step may read. */
  context: TemplateContext;
  attempt: number;
  /** Attempts after this one: BullMQ's count for the job's own step, none for a carried step. */
  attemptsLeft: number;
  log: WorkerDeps['log'];
}

/** One attempt; a retryable failure with attempts left (and a wait) ends by throwing to BullMQ. */
export async function attempt(deps: WorkerDeps, a: Attempt): Promise<StepOutcome> {
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

export function actionType(step: StepDefinition): string {
  return actionRefKey(step.action);
}

export function logIds(data: StepJobData) {
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

export function failure(code: string, message: string, attempt: number): StepOutcome {
  return { status: 'FAILED', error: { code, message, attempt, retryable: false } };
}
