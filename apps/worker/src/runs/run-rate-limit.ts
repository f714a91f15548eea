import type { RunForExecution, RunRef } from '@conveyor/db';
import type { WorkflowDefinition } from '@conveyor/engine';
import type { Logger } from '@conveyor/observability';
import type { WorkerDeps } from '../deps/worker-deps';
import { createExpressionBudget } from '../expressions/expression-budget';
import { rateLimitWait } from '../steps/rate-limit';
import { failOnRunKey, runKeyTemplate } from './run-keys';

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
    const key = runKeyTemplate(definition, 'rateLimit');
    const budget = createExpressionBudget(deps.settings.expressionBudgetMs, deps.settings.expressionBudgetMs);
    wait = await rateLimitWait(deps, { tenantId: ref.tenantId, limit, key, owner }, { input: run.input, steps: {} }, budget);
  } catch (error) {
    return failOnRunKey(deps, ref, 'rateLimit', error, log);
  }
  if (wait > 0) await deps.admission.release(ref.tenantId, ref.runId);
  return wait;
}
