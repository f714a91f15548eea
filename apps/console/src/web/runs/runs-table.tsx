import { Link } from 'react-router';
import type { RunSummary } from '../api/types';
import { durationBetween, formatDuration, formatTime, shortId } from '../ui/format';
import { StatusBadge } from '../ui/status-badge';

interface Props {
  runs: RunSummary[];
  selected: ReadonlySet<string>;
  onSelect: (next: ReadonlySet<string>) => void;
}

export function RunsTable({ runs, selected, onSelect }: Props) {
  const toggle = (runId: string) => {
    const next = new Set(selected);
    if (!next.delete(runId)) next.add(runId);
    onSelect(next);
  };
  const allSelected = runs.length > 0 && runs.every((run) => selected.has(run.id));
  return (
    <table className="runs">
      <caption className="visually-hidden">Runs, newest first</caption>
      <thead>
        <tr>
          <th scope="col">
            <input
              type="checkbox"
              aria-label="Select every run shown"
              checked={allSelected}
              onChange={() => onSelect(allSelected ? new Set() : new Set(runs.map((run) => run.id)))}
            />
          </th>
          <th scope="col">Run</th>
          <th scope="col">Workflow</th>
          <th scope="col">Status</th>
          <th scope="col">Created</th>
          <th scope="col">Duration</th>
          <th scope="col">Idempotency key</th>
          <th scope="col">Error</th>
        </tr>
      </thead>
      <tbody>
        {runs.map((run) => (
          <tr key={run.id} data-run-id={run.id}>
            <td>
              <input
                type="checkbox"
                aria-label={`Select run ${shortId(run.id)}`}
                checked={selected.has(run.id)}
                onChange={() => toggle(run.id)}
              />
            </td>
            <td>
              <Link to={`/runs/${run.id}`} className="mono" title={run.id}>
                {shortId(run.id)}
              </Link>
            </td>
            <td>
              <Link to={`/workflows/${run.workflowId}`}>{run.workflowName}</Link>
              {run.version !== null && <span className="muted"> v{run.version}</span>}
            </td>
            <td>
              <StatusBadge status={run.status} />
            </td>
            <td>{formatTime(run.createdAt)}</td>
            <td>{formatDuration(durationBetween(run.startedAt, run.finishedAt))}</td>
            <td className="mono truncate" title={run.idempotencyKey ?? undefined}>
              {run.idempotencyKey ?? '—'}
            </td>
            <td className="mono">{run.errorCode ?? ''}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
