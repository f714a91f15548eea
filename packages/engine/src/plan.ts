import { ConveyorError } from '@conveyor/errors';
import type { StepDefinition, WorkflowDefinition } from './definition.schema';
import { isTerminalStepStatus, type StepStatus } from './step-state';

/**
 * Decides what happens next in a run, from the definition and the statuses of its StepRuns (a
 * step with no StepRun yet counts as PENDING). Pure: the caller applies the plan (skips first,
 * then queues `ready`) in its own transaction. Skips propagate to a fixpoint, so one call returns
 * a whole chain of steps that can no longer run. `if` conditions are not evaluated here: the
 * worker evaluates them when a step executes and marks the step SKIPPED when false.
 */
export function planRun(definition: WorkflowDefinition, steps: Readonly<Record<string, { status: StepStatus }>>): RunPlan {
  const byKey = new Map(definition.steps.map((step) => [step.key, step]));
  assertKnownDependencies(definition, byKey);
  const status = new Map(definition.steps.map((step) => [step.key, currentStatus(steps, step.key)]));
  const skip = propagateSkips(definition, byKey, status);
  const ready = definition.steps
    .filter((step) => status.get(step.key) === 'PENDING')
    .filter((step) => dependenciesMet(step, byKey, status))
    .map((step) => step.key);
  const done = [...status.values()].every(isTerminalStepStatus);
  return { ready, skip, done, outcome: done ? runOutcome(definition, status) : null };
}

/** Marks PENDING steps that can never run as SKIPPED (in `status`) until nothing changes. */
function propagateSkips(
  definition: WorkflowDefinition,
  byKey: ReadonlyMap<string, StepDefinition>,
  status: Map<string, StepStatus>,
): StepSkip[] {
  const skip: StepSkip[] = [];
  let changed = true;
  while (changed) {
    changed = false;
    for (const step of definition.steps) {
      if (status.get(step.key) !== 'PENDING') continue;
      const reason = blockedReason(step, byKey, status);
      if (reason === null) continue;
      status.set(step.key, 'SKIPPED');
      skip.push({ key: step.key, reason });
      changed = true;
    }
  }
  return skip;
}

/**
 * The strongest reason among the step's dependencies: a failure says more than a skip. A step that
 * joins `any` is skipped by a skipped dependency only when every one of them was skipped.
 */
function blockedReason(
  step: StepDefinition,
  byKey: ReadonlyMap<string, StepDefinition>,
  status: ReadonlyMap<string, StepStatus>,
) {
  let reason: SkipReason | null = null;
  let skipped = 0;
  for (const key of step.dependsOn) {
    const candidate = blockingReason(byKey.get(key) as StepDefinition, status.get(key));
    if (candidate === 'dependency-skipped') skipped += 1;
    if (candidate !== null && (reason === null || skipReasonRank[candidate] > skipReasonRank[reason])) reason = candidate;
  }
  if (reason === 'dependency-skipped' && step.join === 'any' && skipped < step.dependsOn.length) return null;
  return reason;
}

/** Whether a PENDING step that nothing blocks can run: every dependency satisfied (`any`: ended, one satisfied). */
function dependenciesMet(
  step: StepDefinition,
  byKey: ReadonlyMap<string, StepDefinition>,
  status: ReadonlyMap<string, StepStatus>,
): boolean {
  const satisfied = (key: string) => isSatisfied(byKey.get(key) as StepDefinition, status.get(key));
  if (step.join !== 'any' || step.dependsOn.length === 0) return step.dependsOn.every(satisfied);
  return step.dependsOn.every((key) => satisfied(key) || status.get(key) === 'SKIPPED') && step.dependsOn.some(satisfied);
}

function blockingReason(dependency: StepDefinition, status: StepStatus | undefined): SkipReason | null {
  if (status === 'SKIPPED') return 'dependency-skipped';
  if (status === 'CANCELLED') return 'dependency-cancelled';
  if (status === 'FAILED' && !dependency.continueOnError) return 'dependency-failed';
  return null;
}

function isSatisfied(dependency: StepDefinition, status: StepStatus | undefined): boolean {
  return status === 'SUCCEEDED' || (status === 'FAILED' && dependency.continueOnError);
}

function runOutcome(definition: WorkflowDefinition, status: ReadonlyMap<string, StepStatus>): RunOutcome {
  const failed = definition.steps.some((step) => status.get(step.key) === 'FAILED' && !step.continueOnError);
  if (failed) return 'FAILED';
  return [...status.values()].includes('CANCELLED') ? 'CANCELLED' : 'SUCCEEDED';
}

function currentStatus(steps: Readonly<Record<string, { status: StepStatus }>>, key: string): StepStatus {
  // hasOwn: a step may legally be called "constructor" or "toString".
  return Object.hasOwn(steps, key) ? (steps[key]?.status ?? 'PENDING') : 'PENDING';
}

/** A dependency on a missing step would leave its dependents PENDING forever: refuse loudly. */
function assertKnownDependencies(definition: WorkflowDefinition, byKey: ReadonlyMap<string, StepDefinition>): void {
  definition.steps.forEach((step, index) => {
    const position = step.dependsOn.findIndex((key) => !byKey.has(key));
    if (position === -1) return;
    throw new ConveyorError({
      code: 'VALIDATION_FAILED',
      message: `step "${step.key}" depends on unknown step "${step.dependsOn[position]}"; was the definition validated?`,
      details: { stepKey: step.key, path: `steps[${index}].dependsOn[${position}]` },
    });
  });
}

const skipReasonRank: Record<SkipReason, number> = {
  'dependency-skipped': 0,
  'dependency-cancelled': 1,
  'dependency-failed': 2,
};

export type SkipReason = 'dependency-skipped' | 'dependency-failed' | 'dependency-cancelled';
export type RunOutcome = 'SUCCEEDED' | 'FAILED' | 'CANCELLED';

export interface StepSkip {
  key: string;
  reason: SkipReason;
}

export interface RunPlan {
  /** PENDING (or not yet created) steps whose dependencies are all satisfied, in definition order. */
  ready: string[];
  /** PENDING steps that can never run, in the order they were found (a chain in dependency order). */
  skip: StepSkip[];
  /** Every step terminal, once `skip` is applied. */
  done: boolean;
  /** When done: FAILED if a step failed without continueOnError, else CANCELLED if any was, else SUCCEEDED. */
  outcome: RunOutcome | null;
}
