import { useId, useState } from 'react';
import type { LogLevel, RunView } from '../api/types';
import { type LogTail, MAX_LINES } from './use-log-tail';

const LEVELS: LogLevel[] = ['DEBUG', 'INFO', 'WARN', 'ERROR'];

/** The execution log, live, filtered by minimum level and by step. */
export function LogPanel({ run, tail }: { run: RunView; tail: LogTail }) {
  const id = useId();
  const [level, setLevel] = useState<LogLevel>('DEBUG');
  const [stepRunId, setStepRunId] = useState('');
  const keyOf = new Map(run.steps.map((step) => [step.id, step.stepKey]));
  const shown = tail.lines.filter(
    (line) => LEVELS.indexOf(line.level) >= LEVELS.indexOf(level) && (!stepRunId || line.stepRunId === stepRunId),
  );
  return (
    <section aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>
        Logs <span className={`tail-state ${tail.state}`}>{TAIL_STATES[tail.state]}</span>
      </h2>
      <div className="log-filters">
        <label htmlFor={`${id}-level`}>Minimum level</label>
        <select id={`${id}-level`} value={level} onChange={(event) => setLevel(event.target.value as LogLevel)}>
          {LEVELS.map((value) => (
            <option key={value}>{value}</option>
          ))}
        </select>
        <label htmlFor={`${id}-step`}>Step</label>
        <select id={`${id}-step`} value={stepRunId} onChange={(event) => setStepRunId(event.target.value)}>
          <option value="">All steps</option>
          {run.steps.map((step) => (
            <option key={step.id} value={step.id}>
              {step.stepKey}
            </option>
          ))}
        </select>
      </div>
      {tail.error && tail.state === 'error' && (
        <p className="error-text" role="alert">
          The log stream stopped ({tail.error}); reconnecting…
        </p>
      )}
      {/* biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling region must take focus to be scrolled from the keyboard */}
      <div className="log-lines" role="log" aria-live="polite" tabIndex={0} aria-label="Execution log">
        {shown.length === 0 && <p className="muted">No lines{tail.lines.length > 0 ? ' match these filters' : ' yet'}.</p>}
        {shown.map((line) => (
          <div key={line.id} className={`log-line level-${line.level.toLowerCase()}`}>
            <time dateTime={line.timestamp}>{line.timestamp.slice(11, 23)}</time>
            <span className="level">{line.level}</span>
            <span className="mono log-step">{line.stepRunId ? (keyOf.get(line.stepRunId) ?? '') : 'run'}</span>
            <span className="message">{line.message}</span>
          </div>
        ))}
      </div>
      {tail.lines.length >= MAX_LINES && <p className="muted">Showing the latest {MAX_LINES} lines.</p>}
    </section>
  );
}

const TAIL_STATES: Record<LogTail['state'], string> = {
  connecting: 'connecting…',
  live: 'live',
  ended: 'complete',
  error: 'reconnecting…',
};
