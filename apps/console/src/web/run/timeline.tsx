import type { LogLine, RunView } from '../api/types';
import { formatDuration } from '../ui/format';
import { type Span, stepSpans } from './attempt-spans';

/**
 * A Gantt chart of the run's steps on one time axis (from the run's creation to its end, or now):
 * time queued (planned, or waiting out a retry's backoff), each attempt (failed ones marked), and
 * waits for an event, a child run or an approval. Every bar says what it is in words as well.
 */
export function Timeline({ run, lines, now }: { run: RunView; lines: LogLine[]; now: number }) {
  const rows = run.steps.map((step) => ({ step, spans: stepSpans(step, lines, now) }));
  const start = Date.parse(run.createdAt);
  const end = Math.max(
    start + 1,
    run.finishedAt ? Date.parse(run.finishedAt) : now,
    ...rows.flatMap((row) => row.spans.map((s) => s.end)),
  );
  const place = (span: Span) => ({
    left: `${((span.start - start) / (end - start)) * 100}%`,
    width: `${Math.max(0.4, ((span.end - span.start) / (end - start)) * 100)}%`,
  });
  if (rows.length === 0) return <p className="muted">No step has been planned yet.</p>;
  return (
    <figure className="timeline" aria-labelledby="timeline-caption">
      <figcaption id="timeline-caption">
        Step attempts over {formatDuration(end - start)}, from the run's creation
        <span className="legend">
          <span className="bar queued" /> queued <span className="bar attempt status-succeeded" /> attempt{' '}
          <span className="bar attempt status-failed" /> failed attempt <span className="bar wait" /> waiting
        </span>
      </figcaption>
      <ol className="timeline-rows">
        {rows.map(({ step, spans }) => (
          <li key={step.id} className="timeline-row">
            <a className="timeline-key mono" href={`#step-${step.stepKey}`}>
              {step.stepKey}
            </a>
            <ul className="timeline-track" aria-label={`${step.stepKey}: ${step.status.toLowerCase()}`}>
              {spans.map((span) => (
                <li
                  key={`${span.kind}-${span.start}`}
                  className={`bar ${span.kind} status-${span.outcome.toLowerCase()}`}
                  style={place(span)}
                  title={describe(span)}
                >
                  <span className="visually-hidden">{describe(span)}</span>
                </li>
              ))}
            </ul>
          </li>
        ))}
      </ol>
    </figure>
  );
}

function describe(span: Span): string {
  const took = formatDuration(span.end - span.start);
  if (span.kind === 'attempt') return `attempt ${span.attempt}: ${span.outcome.toLowerCase()}, ${took}`;
  if (span.kind === 'wait') return `waiting (${span.outcome}), ${took}`;
  return `queued, ${took}`;
}
