import { type RunRef, stopRun } from '@conveyor/db';
import type { WorkflowDefinition } from '@conveyor/engine';
import { isConveyorError } from '@conveyor/errors';
import type { Logger } from '@conveyor/observability';
import type { WorkerDeps } from '../deps/worker-deps';
import { compileKeyTemplate, type KeyTemplate } from '../steps/prepared-step';

/** The key templates of a workflow read when its runs start: they read the run input only. */
export type RunKeyField = 'rateLimit' | 'concurrency';

// Keyed by the cached definition object, as prepared steps are.
const compiled = new WeakMap<WorkflowDefinition, Partial<Record<RunKeyField, KeyTemplate>>>();

/** The definition's `<field>.key`, compiled once per definition; undefined when it has none. */
export function runKeyTemplate(definition: WorkflowDefinition, field: RunKeyField): KeyTemplate | undefined {
  const source = definition[field]?.key;
  if (source === undefined) return undefined;
  let templates = compiled.get(definition);
  if (!templates) {
    templates = {};
    compiled.set(definition, templates);
  }
  templates[field] ??= compileKeyTemplate('(workflow)', source);
  return templates[field];
}

/**
 * A run key that cannot be resolved fails its run with the template's error, naming the field; the
 * run's slots are given back. Any other error (Redis unreachable: DEPENDENCY_UNAVAILABLE) is thrown on.
 */
export async function failOnRunKey(
  deps: WorkerDeps,
  ref: RunRef,
  field: RunKeyField,
  error: unknown,
  log: Logger,
): Promise<'failed'> {
  if (!isConveyorError(error) || error.code === 'DEPENDENCY_UNAVAILABLE') throw error;
  await stopRun(deps.pool, ref, { status: 'FAILED', code: error.code, message: `${field}.key: ${error.message}` });
  await deps.admission.release(ref.tenantId, ref.runId);
  log.warn({ error, field }, 'run failed: its key could not be resolved');
  return 'failed';
}
