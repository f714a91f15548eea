import { useEffect, useState } from 'react';
import { Link, useParams } from 'react-router';
import { ApiError } from '../api/client';
import { useRun } from '../api/queries';
import { isEnded, type RunView } from '../api/types';
import { durationBetween, formatDuration, formatTime } from '../ui/format';
import { JsonView } from '../ui/json-view';
import { ErrorBox, Loading, NotFound } from '../ui/states';
import { StatusBadge } from '../ui/status-badge';
import { DagGraph } from './dag-graph';
import { LogPanel } from './log-panel';
import { RunActions } from './run-actions';
import { StepList } from './step-list';
import { Timeline } from './timeline';
import { useLogTail } from './use-log-tail';

export function RunPage() {
  const { runId = '' } = useParams();
  const run = useRun(runId);
  if (run.isPending) return <Loading what="the run" />;
  if (run.error)
    return run.error instanceof ApiError && run.error.status === 404 ? <NotFound what="run" /> : <ErrorBox error={run.error} />;
  // A retried run streams its log again from the start.
  return <RunDetails key={isEnded(run.data.status) ? 'ended' : 'open'} run={run.data} />;
}

function RunDetails({ run }: { run: RunView }) {
  const tail = useLogTail(run.id);
  const now = useNow(!isEnded(run.status));
  return (
    <article aria-labelledby="run-title" className="run">
      <header className="run-header">
        <h1 id="run-title">
          Run <span className="mono">{run.id}</span> <StatusBadge status={run.status} />
        </h1>
        <RunActions run={run} />
      </header>
      <dl className="facts">
        <dt>Workflow</dt>
        <dd>
          <Link to={`/workflows/${run.workflowId}`}>{run.workflowName}</Link>
          {run.version !== null && ` (pinned version ${run.version})`}
        </dd>
        <dt>Created</dt>
        <dd>{formatTime(run.createdAt)}</dd>
        <dt>Duration</dt>
        <dd>{formatDuration(durationBetween(run.startedAt, run.finishedAt))}</dd>
        {run.idempotencyKey && (
          <>
            <dt>Idempotency key</dt>
            <dd className="mono">{run.idempotencyKey}</dd>
          </>
        )}
        {run.parentRunId && (
          <>
            <dt>Parent run</dt>
            <dd>
              <Link to={`/runs/${run.parentRunId}`} className="mono">
                {run.parentRunId}
              </Link>
            </dd>
          </>
        )}
      </dl>
      <JsonView label="Run input" value={run.input} />
      <JsonView label="Run output" value={run.output} />
      <JsonView label="Run error" value={run.error} />
      <section aria-labelledby="graph-title">
        <h2 id="graph-title">Graph</h2>
        <div className="dag-scroll">
          <DagGraph definition={run.definition} steps={run.steps} />
        </div>
      </section>
      <section aria-labelledby="timeline-title">
        <h2 id="timeline-title">Timeline</h2>
        <Timeline run={run} lines={tail.lines} now={now} />
      </section>
      <LogPanel run={run} tail={tail} />
      <section aria-labelledby="steps-title">
        <h2 id="steps-title">Steps</h2>
        <StepList run={run} />
      </section>
      <section aria-labelledby="definition-title">
        <h2 id="definition-title">Pinned definition{run.version !== null && ` (version ${run.version})`}</h2>
        <JsonView label="Definition" value={run.definition} />
      </section>
    </article>
  );
}

/** The clock, ticking each second while `live` (a running bar grows), still otherwise. */
function useNow(live: boolean): number {
  const [now, setNow] = useState(Date.now);
  useEffect(() => {
    if (!live) return;
    const timer = setInterval(() => setNow(Date.now()), 1_000);
    return () => clearInterval(timer);
  }, [live]);
  return now;
}
