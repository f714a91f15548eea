import type { WorkflowDefinition } from './definition.schema';
import { transitiveDependencies } from './dependency-graph';

/**
 * What one step's success decides on its own, without the statuses of the run's other steps:
 * - `queue`: every step that depends on it depends on it alone, so they become ready now;
 * - `finish`: every other step is one of its (transitive) dependencies, so they all finished
 *   before it started and it is the run's only leaf: the run has SUCCEEDED;
 * - null: other steps' statuses matter (a join, a parallel branch): plan with planRun.
 * Agrees with planRun for a run whose steps are all PENDING, SUCCEEDED or FAILED with
 * continueOnError, which is every run in which this step got to run and succeed.
 */
export type SuccessShortcut = { kind: 'queue'; steps: string[] } | { kind: 'finish' } | null;

const cache = new WeakMap<WorkflowDefinition, Map<string, SuccessShortcut>>();

export function afterSuccess(definition: WorkflowDefinition, key: string): SuccessShortcut {
  let byKey = cache.get(definition);
  if (!byKey) {
    byKey = new Map();
    cache.set(definition, byKey);
  }
  if (!byKey.has(key)) byKey.set(key, decide(definition, key));
  return byKey.get(key) ?? null;
}

function decide(definition: WorkflowDefinition, key: string): SuccessShortcut {
  if (!definition.steps.some((step) => step.key === key)) return null;
  const dependents = definition.steps.filter((step) => step.dependsOn.includes(key));
  if (dependents.length > 0) {
    const alone = dependents.every((step) => step.dependsOn.every((dependency) => dependency === key));
    return alone ? { kind: 'queue', steps: dependents.map((step) => step.key) } : null;
  }
  const dependencies = new Map(definition.steps.map((step) => [step.key, step.dependsOn]));
  const before = transitiveDependencies(key, dependencies);
  return definition.steps.every((step) => step.key === key || before.has(step.key)) ? { kind: 'finish' } : null;
}
