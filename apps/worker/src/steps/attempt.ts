import { type ActionContext, isActionAbortedError, isRetryableActionError, runAction, type StepLogger } from '@conveyor/actions';
import { getSealedConnection, openStoredCredentials, type StepError, type StepOutcome } from '@conveyor/db';
import { actionRefKey, branchNotTaken, type StepDefinition } from '@conveyor/engine';
import { ConveyorError, isConveyorError, isRetryableFailure } from '@conveyor/errors';
import { type BatchingWriter, type LogLevel, redactSecretValues, redactText, redactValue } from '@conveyor/logs';
import type { Logger } from '@conveyor/observability';
import { RunCancelledReason } from '../deps/abort-registry';
import type { WorkerDeps } from '../deps/worker-deps';
import { createExpressionBudget } from '../expressions/expression-budget';
import { tenantNetworks } from './network-allowlist';
import { evaluateStepCondition, resolveStepInput, templateContextOf } from './prepared-step';
import { rateLimitWait } from './rate-limit';
import { logIds, type StepInFlight } from './step-in-flight';

/** What one attempt came to, as data: the step job's processor maps it to the database and to BullMQ. */
export type AttemptResult =
  | { kind: 'outcome'; outcome: StepOutcome }
  /** A retryable failure with attempts left: the job is retried with the step's backoff. */
  | { kind: 'retry'; error: StepError; cause: unknown }
  /** The action asked to be re-entered at `untilEpochMs` (the delay action). */
  | { kind: 'wait'; untilEpochMs: number }
  /** The step's rate limit holds the attempt until `untilEpochMs`: it runs again then, its attempt not spent. */
  | { kind: 'throttled'; untilEpochMs: number };

/**
 * One attempt of a step: its `if`, its input resolved from the run input and earlier outputs, its
 * connection opened, its action run under the step's timeout and the run's cancellation. Execution
 * log lines go to the log writer; nothing here touches the step's status.
 */
export async function attempt(deps: WorkerDeps, step: StepInFlight, attemptsLeft: number, log: Logger): Promise<AttemptResult> {
  const definition = step.prepared.step;
  const started = deps.now();
  const cancel = new AbortController();
  const unregister = deps.aborts.register(step.ref.runId, cancel);
  // Filled once the connection is opened (and by the action, ctx.redact); the logger reads it on every line.
  const secretValues: string[] = [];
  // What the action marked secret (ctx.redact): redacted from the output too, where the connection's
  // other values (a header name, a scheme) may be the data a later step reads.
  const marked: string[] = [];
  const stepLog = createStepLogger({ writer: deps.logWriter, ids: logIds(step.ref), secretValues, now: deps.now });
  const context = templateContextOf(step.prepared, step.runInput, step.outputs);
  const action = actionType(definition);
  // The `if` and every input field share one budget, charged against the step's timeout.
  const budget = createExpressionBudget(deps.settings.expressionBudgetMs, definition.timeoutMs);
  try {
    const notTaken = branchNotTaken(definition, step.outputs);
    if (notTaken !== null) return outcome({ status: 'SKIPPED', reason: notTaken });
    if (!(await evaluateStepCondition(deps.expressions, step.prepared, context, budget)))
      return outcome({ status: 'SKIPPED', reason: 'condition is false' });
    const limit = definition.rateLimit;
    const throttledFor = limit
      ? await rateLimitWait(
          deps,
          { tenantId: step.ref.tenantId, limit, key: step.prepared.rateKey, owner: ownBudget(step) },
          context,
          budget,
        )
      : 0;
    if (throttledFor > 0) {
      deps.metrics.stepsThrottled.inc({ action });
      return { kind: 'throttled', untilEpochMs: deps.now() + throttledFor };
    }
    stepLog.info(`step started (attempt ${step.ref.attempt})`, { attempt: step.ref.attempt });
    const input = await resolveStepInput(deps.expressions, step.prepared, context, budget);
    const connection = definition.connectionId
      ? await openConnection(deps, step.ref.tenantId, definition.connectionId)
      : undefined;
    secretValues.push(...secretStrings(connection));
    const ctx: ActionContext = {
      signal: cancel.signal,
      log: stepLog,
      idempotencyKey: step.ref.stepRunId,
      attempt: step.ref.attempt,
      now: deps.now,
      http: { allowPrivateNetworks: tenantNetworks(deps.settings, step.tenantNetworks) },
      redact: (value) => {
        marked.push(value);
        secretValues.push(value);
      },
      ...(step.resumeAt ? { resume: { waitedUntil: step.resumeAt } } : {}),
      ...(connection ? { connection } : {}),
    };
    const timeoutMs = Math.max(1, definition.timeoutMs - (deps.now() - started));
    const result = await runAction(deps.actions.getOrThrow(definition.action), input, ctx, {
      timeoutMs,
      maxOutputBytes: deps.settings.stepOutputMaxBytes,
    });
    if (result.kind === 'wait') {
      if (!step.carried) return { kind: 'wait', untilEpochMs: result.untilEpochMs };
      throw new ConveyorError({ code: 'INTERNAL', message: `inline action ${action} asked to wait` });
    }
    const durationMs = deps.now() - started;
    deps.metrics.stepDuration.observe({ action, outcome: 'succeeded' }, durationMs / 1_000);
    log.info({ durationMs, attempt: step.ref.attempt }, 'step succeeded');
    stepLog.info(`step succeeded in ${durationMs} ms`, { attempt: step.ref.attempt, durationMs });
    // A response may echo what the connection sent: the values the action marked are not kept in the output.
    const output = marked.length > 0 ? redactSecretValues(result.output, marked) : result.output;
    return outcome({ status: 'SUCCEEDED', output });
  } catch (error) {
    if (cancel.signal.reason instanceof RunCancelledReason)
      return outcome({ status: 'CANCELLED', reason: cancel.signal.reason.message });
    // Recorded, thrown to BullMQ and logged only redacted: the connection's values never leave the attempt.
    const stepError = redactValue(toStepError(error, step.ref.attempt), secretValues) as StepError;
    const retrying = stepError.retryable === true && attemptsLeft > 0;
    deps.metrics.stepDuration.observe({ action, outcome: 'failed' }, (deps.now() - started) / 1_000);
    log.warn(
      { error: redactValue(error, secretValues), attempt: step.ref.attempt, attemptsLeft, durationMs: deps.now() - started },
      'step attempt failed',
    );
    stepLog.error(`attempt ${step.ref.attempt} failed: ${stepError.message}`, {
      code: stepError.code,
      attempt: step.ref.attempt,
      retrying,
    });
    if (!retrying) return outcome({ status: 'FAILED', error: stepError });
    deps.metrics.stepRetries.inc({ action });
    return { kind: 'retry', error: stepError, cause: redactedError(error, stepError.message, secretValues) };
  } finally {
    unregister();
  }
}

/** The budget of a rate-limited step without a key: its own, in its workflow's version. */
function ownBudget(step: StepInFlight): string {
  return `step:${step.run.workflowVersionId}/${step.ref.stepKey}`;
}

export function actionType(step: StepDefinition): string {
  return actionRefKey(step.action);
}

/** A failure recorded as the step's outcome at once (no attempt ran), its retryable flag from the catalogue. */
export function finalFailure(code: StepError['code'], message: string, attempt: number): StepOutcome {
  return { status: 'FAILED', error: { code, message, attempt, retryable: isRetryableFailure(code) } };
}

function outcome(value: StepOutcome): AttemptResult {
  return { kind: 'outcome', outcome: value };
}

/** The step's connection, decrypted; a connection the tenant does not have fails the step for good. */
async function openConnection(deps: WorkerDeps, tenantId: string, connectionId: string): Promise<Record<string, unknown>> {
  const sealed = await getSealedConnection(deps.pool, { tenantId, connectionId });
  if (!sealed) {
    throw new ConveyorError({ code: 'NOT_FOUND', message: `connection ${connectionId} not found`, details: { connectionId } });
  }
  return openStoredCredentials(deps.keyring, tenantId, sealed) as Record<string, unknown>;
}

/** What an attempt's failure is recorded as; template and input errors are never retried. */
function toStepError(error: unknown, attempt: number): StepError {
  if (isActionAbortedError(error) && error.timedOut) {
    return {
      code: 'STEP_TIMEOUT',
      message: describeTimeout(error.reason),
      attempt,
      retryable: isRetryableFailure('STEP_TIMEOUT'),
    };
  }
  const message = error instanceof Error ? error.message : String(error);
  const expressionCode = expressionFailure(error);
  if (isConveyorError(error) && expressionCode) {
    return { code: expressionCode, message, attempt, retryable: isRetryableFailure(expressionCode), details: error.details };
  }
  const code = isConveyorError(error) ? error.code : 'ACTION_FAILED';
  const details = isConveyorError(error) ? error.details : {};
  return { code, message, attempt, retryable: isRetryableActionError(error), details };
}

/** What BullMQ keeps of a failed attempt (its failure reason and stack trace), redacted. */
function redactedError(error: unknown, message: string, secretValues: readonly string[]): Error {
  const copy = new Error(message);
  if (error instanceof Error) {
    copy.name = error.name;
    if (error.stack) copy.stack = redactText(error.stack, secretValues);
  }
  return copy;
}

/** A template that ran out of its time or its memory; other template problems stay VALIDATION_FAILED. */
function expressionFailure(error: unknown): 'EXPRESSION_TIMEOUT' | 'EXPRESSION_LIMIT' | undefined {
  if (!isConveyorError(error)) return undefined;
  if (error.details.timedOut === true) return 'EXPRESSION_TIMEOUT';
  return error.details.outOfMemory === true ? 'EXPRESSION_LIMIT' : undefined;
}

function describeTimeout(reason: unknown): string {
  return reason instanceof Error || reason instanceof DOMException ? reason.message : 'step timed out';
}

interface StepLogTarget {
  writer: BatchingWriter;
  ids: { tenantId: string; workflowRunId: string; stepRunId: string };
  /** Values that must never reach a log line: the step's connection credentials. */
  secretValues: string[];
  now: () => number;
}

/** Execution log lines of one step, batched into the log store; the writer redacts and bounds each line. */
function createStepLogger({ writer, ids, secretValues, now }: StepLogTarget): StepLogger {
  const write = (level: LogLevel) => (message: string, context?: Record<string, unknown>) => {
    writer.write({ ...ids, level, message, ...(context ? { context } : {}), timestamp: new Date(now()) }, { secretValues });
  };
  return { debug: write('DEBUG'), info: write('INFO'), warn: write('WARN'), error: write('ERROR') };
}

/** Every string inside a connection's credentials, for redaction. */
export function secretStrings(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(secretStrings);
  if (value && typeof value === 'object') return Object.values(value).flatMap(secretStrings);
  return [];
}
