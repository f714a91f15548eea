import type { RunForExecution, RunRef } from '@conveyor/db';
import type { WorkflowDefinition } from '@conveyor/engine';
import type { Logger } from '@conveyor/observability';
import type { ConcurrencyGroup } from '@conveyor/queue';
import type { WorkerDeps } from '../deps/worker-deps';
import { createExpressionBudget } from '../expressions/expression-budget';
import { resolveKeyTemplate } from '../steps/prepared-step';
import { failOnRunKey, runKeyTemplate } from './run-keys';

/**
 * The concurrency group a run of `definition` takes a slot of: its workflow's, or with a key, its
 * workflow's for the key's value (resolved from the run input); undefined without `concurrency`. A key
 * that cannot be resolved fails the run with the template's error (`'failed'`).
 */
export async function concurrencyGroupOf(
  deps: WorkerDeps,
  ref: RunRef,
  run: Pick<RunForExecution, 'input' | 'workflowId'>,
  definition: WorkflowDefinition,
  log: Logger,
): Promise<ConcurrencyGroup | undefined | 'failed'> {
  const concurrency = definition.concurrency;
  if (!concurrency) return undefined;
  const template = runKeyTemplate(definition, 'concurrency');
  if (!template) return { name: run.workflowId, limit: concurrency.limit };
  try {
    const budget = createExpressionBudget(deps.settings.expressionBudgetMs, deps.settings.expressionBudgetMs);
    const key = await resolveKeyTemplate(deps.expressions, template, { input: run.input, steps: {} }, budget);
    return { name: `${run.workflowId}\n${key}`, limit: concurrency.limit };
  } catch (error) {
    return failOnRunKey(deps, ref, 'concurrency', error, log);
  }
}
