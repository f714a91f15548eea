import type { StepError, StepOutcome } from '@conveyor/db';
import { actionRefKey, type StepDefinition } from '@conveyor/engine';
import type { StepInFlight } from './step-in-flight';

/** What one attempt came to, as data: the step job's processor maps it to the database and to BullMQ. */
export type AttemptResult =
  | { kind: 'outcome'; outcome: StepOutcome }
  /** A retryable failure with attempts left: the job is retried with the step's backoff. */
  | { kind: 'retry'; error: StepError; cause: unknown }
  /** The action asked to be re-entered at `untilEpochMs` (the delay action). */
  | { kind: 'wait'; untilEpochMs: number }
  /** The action waits for an event of `event` and `key`, until `untilEpochMs` at the latest (waitForEvent). */
  | { kind: 'waitForEvent'; event: string; key: string; untilEpochMs: number }
  /** The step's rate limit holds the attempt until `untilEpochMs`: it runs again then, its attempt not spent. */
  | { kind: 'throttled'; untilEpochMs: number };

export function outcome(value: StepOutcome): AttemptResult {
  return { kind: 'outcome', outcome: value };
}

/** The budget of a rate-limited step without a key: its own, in its workflow's version. */
export function ownBudget(step: StepInFlight): string {
  return `step:${step.run.workflowVersionId}/${step.ref.stepKey}`;
}

export function actionType(step: StepDefinition): string {
  return actionRefKey(step.action);
}
