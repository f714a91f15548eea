import { type RunForExecution, type RunRef, stopRun } from '@conveyor/db';
import type { WorkflowDefinition } from '@conveyor/engine';
import { isConveyorError } from '@conveyor/errors';
import type { Logger } from '@conveyor/observability';
import type { WorkerDeps } from '../deps/worker-deps';
import { createExpressionBudget } from '../expressions/expression-budget';
import { compileRateKey, type RateKeyTemplate } from '../steps/prepared-step';
import { rateLimitWait } from '../steps/rate-limit';

// Keyed by the cached definition object, as prepared steps are.
const runKeys = new WeakMap<WorkflowDefinition, RateKeyTemplate>();

/**
 * A QUEUED run of a rate-limited workflow, holding one of its tenant's slots: 0 when it may start (its
 * token taken); otherwise how long it waits, its slot given back. A key that cannot be resolved fails
 * the run with the template's error (`'failed'`).
 */
export async function holdForRateLimit(
  deps: WorkerDeps,
  ref: RunRef,
  run: Pick<RunForExecution, 'input' | 'workflowVersionId'>,
  definition: WorkflowDefinition,
  log: Logger,
): Promise<number | 'failed'> {
  const limit = definition.rateLimit;
  if (!limit) return 0;
  let wait: number;
  try {
    const owner = `workflow:${run.workflowVersionId}`;
    const key = limit.key === undefined ? undefined : keyOf(definition, limit.key);
    const budget = createExpressionBudget(deps.settings.expressionBudgetMs, deps.settings.expressionBudgetMs);
    wait = await rateLimitWait(deps, { tenantId: ref.tenantId, limit, key, owner }, { input: run.input, steps: {} }, budget);
  } catch (error) {
    if (!isConveyorError(error) || error.code === 'DEPENDENCY_UNAVAILABLE') throw error;
    await stopRun(deps.pool, ref, { status: 'FAILED', code: error.code, message: `rateLimit.key: ${error.message}` });
    await deps.admission.release(ref.tenantId, ref.runId);
    log.warn({ error }, 'run failed: its rate limit key could not be resolved');
    return 'failed';
  }
  if (wait > 0) await deps.admission.release(ref.tenantId, ref.runId);
  return wait;
}

function keyOf(definition: WorkflowDefinition, source: string): RateKeyTemplate {
  let key = runKeys.get(definition);
  if (!key) {
    key = compileRateKey('(workflow)', source);
    runKeys.set(definition, key);
  }
  return key;
}
