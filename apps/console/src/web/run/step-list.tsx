import type { RunView, StepView } from '../api/types';
import { durationBetween, formatDuration, formatTime } from '../ui/format';
import { JsonView } from '../ui/json-view';
import { StatusBadge } from '../ui/status-badge';
import { definedSteps } from './defined-steps';

/** Each step: its status and times, its input as defined, its output, error and earlier attempts' errors. */
export function StepList({ run }: { run: RunView }) {
  const inputs = new Map(definedSteps(run.definition).map((step) => [step.key, step.input]));
  return (
    <ol className="steps">
      {run.steps.map((step) => (
        <li key={step.id} id={`step-${step.stepKey}`} className="step" tabIndex={-1}>
          <h3>
            <span className="mono">{step.stepKey}</span> <StatusBadge status={step.status} />
          </h3>
          <dl className="facts">
            <dt>Attempts</dt>
            <dd>{step.attempt}</dd>
            <dt>Started</dt>
            <dd>{formatTime(step.startedAt)}</dd>
            <dt>Took</dt>
            <dd>{formatDuration(durationBetween(step.startedAt, step.finishedAt))}</dd>
            {step.items && (
              <>
                <dt>Items</dt>
                <dd>
                  {step.items.succeeded} succeeded, {step.items.failed} failed
                </dd>
              </>
            )}
            {step.wait && <WaitFacts wait={step.wait} />}
          </dl>
          <JsonView label="Input (as defined)" value={inputs.get(step.stepKey)} />
          <JsonView label="Output" value={step.output} />
          <JsonView label="Error" value={step.error} />
          <JsonView label="Earlier attempts' errors" value={hasItems(step.attemptErrors) ? step.attemptErrors : null} />
        </li>
      ))}
    </ol>
  );
}

function WaitFacts({ wait }: { wait: NonNullable<StepView['wait']> }) {
  return (
    <>
      <dt>Waits for</dt>
      <dd>
        <span className="mono">{wait.event}</span> (key <span className="mono">{wait.key}</span>)
      </dd>
      <dt>{wait.receivedAt ? 'Received' : 'Expires'}</dt>
      <dd>{formatTime(wait.receivedAt ?? wait.expiresAt)}</dd>
    </>
  );
}

function hasItems(value: unknown): boolean {
  return Array.isArray(value) && value.length > 0;
}
