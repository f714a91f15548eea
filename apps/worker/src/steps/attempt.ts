import type { ActionResult } from '@conveyor/actions';
import { isDatabaseUnavailable, readEventWait, type StepError } from '@conveyor/db';
import { branchNotTaken, platformEvents } from '@conveyor/engine';
import { ConveyorError } from '@conveyor/errors';
import { redactValue } from '@conveyor/logs';
import { inSpan, type Logger, spanAttributes } from '@conveyor/observability';
import type { WorkerDeps } from '../deps/worker-deps';
import { createExpressionBudget } from '../expressions/expression-budget';
import { type AttemptResult, actionType, outcome, ownBudget } from './attempt-result';
import { runItems } from './for-each';
import { PlatformWriteFailed } from './item-writer';
import { evaluateStepCondition, resolveStepInput } from './prepared-step';
import { rateLimitWait } from './rate-limit';
import { callAction, openStepCall, openStepConnection, type StepCall } from './step-call';
import { redactedError, toStepError } from './step-errors';
import type { StepInFlight } from './step-in-flight';

export type { AttemptResult } from './attempt-result';

/**
 * One attempt of a step: its branch and `if`, its input resolved from the run input and earlier
 * outputs, its connection opened, its action run under the step's timeout and the run's cancellation
 * (once, or once per item for a forEach step). Execution log lines go to the log writer; nothing here
 * touches the step's status. Traced as `conveyor.step.attempt`, with the step's ids.
 */
export function attempt(deps: WorkerDeps, step: StepInFlight, attemptsLeft: number, log: Logger): Promise<AttemptResult> {
  const attributes = {
    [spanAttributes.tenantId]: step.ref.tenantId,
    [spanAttributes.workflowName]: step.run.workflowName,
    [spanAttributes.runId]: step.ref.runId,
    [spanAttributes.stepKey]: step.ref.stepKey,
    [spanAttributes.stepRunId]: step.ref.stepRunId,
    [spanAttributes.attempt]: step.ref.attempt,
  };
  return inSpan('conveyor.step.attempt', attributes, () => attemptStep(deps, step, attemptsLeft, log));
}

async function attemptStep(deps: WorkerDeps, step: StepInFlight, attemptsLeft: number, log: Logger): Promise<AttemptResult> {
  const definition = step.prepared.step;
  const call = openStepCall(deps, step);
  const action = actionType(definition);
  // The `if` and every input field share one budget, charged against the step's timeout.
  const budget = createExpressionBudget(deps.settings.expressionBudgetMs, definition.timeoutMs);
  try {
    const notTaken = branchNotTaken(definition, step.outputs);
    if (notTaken !== null) return outcome({ status: 'SKIPPED', reason: notTaken });
    if (!(await evaluateStepCondition(deps.expressions, step.prepared, call.context, budget)))
      return outcome({ status: 'SKIPPED', reason: 'condition is false' });
    if (definition.forEach) return await runItems(deps, step, call, definition.forEach, { attemptsLeft, budget, log });
    const limit = definition.rateLimit;
    const throttledFor = limit
      ? await rateLimitWait(
          deps,
          { tenantId: step.ref.tenantId, limit, key: step.prepared.rateKey, owner: ownBudget(step) },
          call.context,
          budget,
        )
      : 0;
    if (throttledFor > 0) {
      deps.metrics.stepsThrottled.inc({ action });
      return { kind: 'throttled', untilEpochMs: deps.now() + throttledFor };
    }
    call.log.info(`step started (attempt ${step.ref.attempt})`, { attempt: step.ref.attempt });
    const input = await resolveStepInput(deps.expressions, step.prepared, call.context, budget);
    await openStepConnection(deps, step, call);
    // A step re-entered after waiting for an event: what came (by the database, which matched it).
    const waited = step.resumeAt === undefined ? null : await readEventWait(deps.pool, step.ref);
    const timeoutMs = definition.timeoutMs - (deps.now() - call.started);
    const result = await callAction(deps, step, call, input, { idempotencyKey: step.ref.stepRunId, timeoutMs, waited });
    if (result.kind !== 'output') {
      if (step.carried) throw new ConveyorError({ code: 'INTERNAL', message: `inline action ${action} asked to wait` });
      return result.kind === 'runWorkflow' ? await waitForChild(deps, step, result) : result;
    }
    const durationMs = deps.now() - call.started;
    deps.metrics.stepDuration.observe({ action, outcome: 'succeeded' }, durationMs / 1_000);
    log.info({ durationMs, attempt: step.ref.attempt }, 'step succeeded');
    call.log.info(`step succeeded in ${durationMs} ms`, { attempt: step.ref.attempt, durationMs });
    return outcome({ status: 'SUCCEEDED', output: result.output });
  } catch (error) {
    if (error instanceof PlatformWriteFailed) throw error.cause; // PostgreSQL's outage, not the step's failure
    return failedAttempt(deps, step, call, error, { attemptsLeft, log });
  } finally {
    call.close();
  }
}

/** Starts the step's child run (once per step, whatever its attempts) and waits for its end, handed over as an event. */
async function waitForChild(
  deps: WorkerDeps,
  step: StepInFlight,
  { workflowId, version, input, untilEpochMs }: Extract<ActionResult, { kind: 'runWorkflow' }>,
): Promise<AttemptResult> {
  const parent = { tenantId: step.ref.tenantId, runId: step.ref.runId, stepRunId: step.ref.stepRunId };
  const child = await deps.runs.startChild(parent, { workflowId, version, input }).catch((error: unknown) => {
    throw isDatabaseUnavailable(error) ? new PlatformWriteFailed(error) : error;
  });
  return { kind: 'waitForEvent', event: platformEvents.childRunEnded, key: child.runId, untilEpochMs };
}

/** A failed attempt: recorded, thrown to BullMQ and logged only redacted, so the connection's values never leave it. */
function failedAttempt(
  deps: WorkerDeps,
  step: StepInFlight,
  call: StepCall,
  error: unknown,
  { attemptsLeft, log }: { attemptsLeft: number; log: Logger },
): AttemptResult {
  if (call.cancelled()) return outcome({ status: 'CANCELLED', reason: (call.cancel.signal.reason as Error).message });
  const action = actionType(step.prepared.step);
  const stepError = redactValue(toStepError(error, step.ref.attempt), call.secretValues) as StepError;
  const retrying = stepError.retryable === true && attemptsLeft > 0;
  const durationMs = deps.now() - call.started;
  deps.metrics.stepDuration.observe({ action, outcome: 'failed' }, durationMs / 1_000);
  log.warn(
    { error: redactValue(error, call.secretValues), attempt: step.ref.attempt, attemptsLeft, durationMs },
    'step attempt failed',
  );
  call.log.error(`attempt ${step.ref.attempt} failed: ${stepError.message}`, {
    code: stepError.code,
    attempt: step.ref.attempt,
    retrying,
  });
  if (!retrying) return outcome({ status: 'FAILED', error: stepError });
  deps.metrics.stepRetries.inc({ action });
  return { kind: 'retry', error: stepError, cause: redactedError(error, stepError.message, call.secretValues) };
}
