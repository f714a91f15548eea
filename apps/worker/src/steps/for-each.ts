import { setTimeout as sleep } from 'node:timers/promises';
import { listStepItems, type RecordedItem, type StepError, type StepItemOutcome } from '@conveyor/db';
import { type ForEach, jsonBytes } from '@conveyor/engine';
import { ConveyorError, isConveyorError } from '@conveyor/errors';
import { redactValue } from '@conveyor/logs';
import type { Logger } from '@conveyor/observability';
import type { WorkerDeps } from '../deps/worker-deps';
import { createExpressionBudget, type ExpressionBudget } from '../expressions/expression-budget';
import { type AttemptResult, actionType, outcome, ownBudget } from './attempt-result';
import { createItemWriter } from './item-writer';
import { type KeyTemplate, resolveFieldTemplate, resolveStepInput } from './prepared-step';
import { rateLimitWait } from './rate-limit';
import { callAction, openStepConnection, type StepCall } from './step-call';
import { toStepError } from './step-errors';
import type { StepInFlight } from './step-in-flight';

/**
 * One attempt of a forEach step: its action run once per item that no attempt recorded as succeeded (or
 * as failed for good), `concurrency` at a time, in this one job; ended items recorded in batches. The
 * step succeeds with the items' outputs in item order; a failed item fails it (`failFast`: no new item
 * starts after it), or takes its place in the output as `{ error }` (`continue`). Items that failed
 * retryably make the attempt a retry while attempts are left: the next runs only what is not done.
 */
export async function runItems(
  deps: WorkerDeps,
  step: StepInFlight,
  call: StepCall,
  forEach: ForEach,
  { attemptsLeft, budget, log }: { attemptsLeft: number; budget: ExpressionBudget; log: Logger },
): Promise<AttemptResult> {
  const items = await resolveItems(deps, step, call, forEach, budget);
  const results = new Map<number, RecordedItem>((await listStepItems(deps.pool, step.ref)).map((item) => [item.index, item]));
  const todo = items.map((_, index) => index).filter((index) => !isSettled(results.get(index)));
  call.log.info(`step started (attempt ${step.ref.attempt}): ${items.length} items, ${items.length - todo.length} done before`, {
    attempt: step.ref.attempt,
    items: items.length,
  });
  await openStepConnection(deps, step, call);
  const writer = createItemWriter(deps, step.ref);
  let next = 0;
  let stopped = false;
  const lane = async () => {
    while (!stopped && !call.cancelled() && !writer.failed() && next < todo.length) {
      const index = todo[next++] as number;
      const ended = await runItem(deps, step, call, index, items[index]);
      results.set(index, ended);
      writer.add(ended);
      if (ended.status === 'FAILED') {
        call.log.warn(`item ${index} failed: ${ended.error.message}`, { index, code: ended.error.code });
        // Fail fast on a failure no later attempt would undo.
        if (forEach.onItemError === 'failFast' && (ended.error.retryable !== true || attemptsLeft === 0)) stopped = true;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(forEach.concurrency, todo.length) }, lane));
  await writer.close();
  if (call.cancelled()) return outcome({ status: 'CANCELLED', reason: (call.cancel.signal.reason as Error).message });
  log.info({ items: items.length, ran: todo.length, attempt: step.ref.attempt }, 'forEach attempt ended');
  return decide(deps, step, forEach, items.length, results, attemptsLeft);
}

/** A recorded item that no attempt runs again: succeeded, or failed for good. */
function isSettled(item: RecordedItem | undefined): boolean {
  return item !== undefined && (item.status === 'SUCCEEDED' || item.error.retryable !== true);
}

async function runItem(deps: WorkerDeps, step: StepInFlight, call: StepCall, index: number, item: unknown) {
  const definition = step.prepared.step;
  const startedAt = deps.now();
  const context = { ...call.context, item, index };
  // Each item's templates have a budget of their own, charged against its timeout.
  const budget = createExpressionBudget(deps.settings.expressionBudgetMs, definition.timeoutMs);
  try {
    await holdForRateLimit(deps, step, call, context, budget);
    const input = await resolveStepInput(deps.expressions, step.prepared, context, budget);
    const timeoutMs = definition.timeoutMs - (deps.now() - startedAt);
    const result = await callAction(deps, step, call, input, { idempotencyKey: `${step.ref.stepRunId}:${index}`, timeoutMs });
    if (result.kind !== 'output') {
      throw new ConveyorError({ code: 'VALIDATION_FAILED', message: `${actionType(definition)} waits, which an item cannot` });
    }
    return { index, status: 'SUCCEEDED', output: result.output, startedAt, finishedAt: deps.now() } satisfies StepItemOutcome;
  } catch (error) {
    if (call.cancelled()) throw error;
    const stepError = redactValue(toStepError(error, step.ref.attempt), call.secretValues) as StepError;
    return {
      index,
      status: 'FAILED',
      error: { ...stepError, index },
      startedAt,
      finishedAt: deps.now(),
    } satisfies StepItemOutcome;
  }
}

/** The step's rate limit counts items: one over it waits in the job (never failing) until a token is due. */
async function holdForRateLimit(
  deps: WorkerDeps,
  step: StepInFlight,
  call: StepCall,
  context: StepCall['context'],
  budget: ExpressionBudget,
): Promise<void> {
  const limit = step.prepared.step.rateLimit;
  if (!limit) return;
  const limited = { tenantId: step.ref.tenantId, limit, key: step.prepared.rateKey, owner: ownBudget(step) };
  for (let wait = await rateLimitWait(deps, limited, context, budget); wait > 0; ) {
    deps.metrics.stepsThrottled.inc({ action: actionType(step.prepared.step) });
    await sleep(wait, undefined, { signal: call.cancel.signal });
    wait = await rateLimitWait(deps, limited, context, budget);
  }
}

/** The items to run over: an array of at most `maxItems`, else the step fails naming forEach.items. */
async function resolveItems(deps: WorkerDeps, step: StepInFlight, call: StepCall, forEach: ForEach, budget: ExpressionBudget) {
  let items: unknown;
  try {
    items = await resolveFieldTemplate(deps.expressions, step.prepared.items as KeyTemplate, call.context, budget);
  } catch (error) {
    if (!isConveyorError(error)) throw error;
    const message = `forEach.items: ${error.message.replace(/^input\.items: /, '')}`;
    throw new ConveyorError({ code: error.code, message, details: { ...error.details, path: 'forEach.items' }, cause: error });
  }
  if (!Array.isArray(items)) {
    const got = items === null ? 'null' : typeof items;
    throw new ConveyorError({
      code: 'VALIDATION_FAILED',
      message: `forEach.items: expected an array, got ${got}`,
      details: { path: 'forEach.items' },
    });
  }
  if (items.length > forEach.maxItems) {
    const message = `forEach.items: ${items.length} items, more than maxItems (${forEach.maxItems})`;
    throw new ConveyorError({ code: 'VALIDATION_FAILED', message, details: { path: 'forEach.items', items: items.length } });
  }
  return items as unknown[];
}

/** The attempt's result, from every item's: a retry while retryable failures and attempts are left, else the outcome. */
function decide(
  deps: WorkerDeps,
  step: StepInFlight,
  forEach: ForEach,
  count: number,
  results: ReadonlyMap<number, RecordedItem>,
  attemptsLeft: number,
): AttemptResult {
  const failed = [...results.values()].filter((item) => item.status === 'FAILED').sort((a, b) => a.index - b.index);
  const final = failed.find((item) => item.error.retryable !== true);
  if (final && forEach.onItemError === 'failFast') return outcome({ status: 'FAILED', error: itemFailure(final, step) });
  const retryable = failed.find((item) => item.error.retryable === true);
  if (retryable && attemptsLeft > 0) {
    const error = { ...itemFailure(retryable, step), retryable: true };
    return { kind: 'retry', error, cause: new Error(error.message) };
  }
  if (retryable && forEach.onItemError === 'failFast') return outcome({ status: 'FAILED', error: itemFailure(retryable, step) });
  const output = Array.from({ length: count }, (_, index) => {
    const item = results.get(index) as RecordedItem;
    return item.status === 'SUCCEEDED' ? item.output : { error: { code: item.error.code, message: item.error.message } };
  });
  const bytes = jsonBytes(output);
  if (bytes > deps.settings.stepOutputMaxBytes) {
    const message = `forEach: the items' outputs together are ${bytes} bytes, more than STEP_OUTPUT_MAX_BYTES (${deps.settings.stepOutputMaxBytes})`;
    return outcome({
      status: 'FAILED',
      error: { code: 'PAYLOAD_TOO_LARGE', message, attempt: step.ref.attempt, retryable: false },
    });
  }
  return outcome({ status: 'SUCCEEDED', output });
}

function itemFailure(item: Extract<RecordedItem, { status: 'FAILED' }>, step: StepInFlight): StepError {
  return {
    ...item.error,
    message: `item ${item.index} failed: ${item.error.message}`,
    attempt: step.ref.attempt,
    retryable: false,
    index: item.index,
  };
}
