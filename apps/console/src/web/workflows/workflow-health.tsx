import { Link } from 'react-router';
import { useWorkflowStats } from '../api/queries';
import type { WorkflowStats } from '../api/types';
import { formatDuration, formatTime, shortId } from '../ui/format';
import { ErrorBox, Loading } from '../ui/states';
import { StatusBadge } from '../ui/status-badge';

const BUCKETS = 20;

/** Success rate and p50/p95 duration of the workflow's recent runs, with the success rate over them as a sparkline. */
export function WorkflowHealth({ workflowId }: { workflowId: string }) {
  const stats = useWorkflowStats(workflowId);
  if (stats.isPending) return <Loading what="recent runs" />;
  if (stats.error) return <ErrorBox error={stats.error} />;
  const { data } = stats;
  const rate = data.successRate === null ? '—' : `${Math.round(data.successRate * 100)} %`;
  return (
    <section aria-labelledby="health-title" className="health">
      <h2 id="health-title">Recent runs</h2>
      <dl className="facts">
        <dt>Runs sampled</dt>
        <dd>{data.sample}</dd>
        <dt>Success rate</dt>
        <dd>{rate}</dd>
        <dt>p50 duration</dt>
        <dd>{formatDuration(data.p50Ms)}</dd>
        <dt>p95 duration</dt>
        <dd>{formatDuration(data.p95Ms)}</dd>
        <dt>Still open</dt>
        <dd>{data.open}</dd>
      </dl>
      <Sparkline recent={data.recent} rateLabel={rate} />
      <RecentRuns recent={data.recent.slice(0, 10)} />
    </section>
  );
}

function RecentRuns({ recent }: { recent: WorkflowStats['recent'] }) {
  if (recent.length === 0) return <p className="muted">No runs yet.</p>;
  return (
    <table>
      <caption className="visually-hidden">The latest runs</caption>
      <thead>
        <tr>
          <th scope="col">Run</th>
          <th scope="col">Status</th>
          <th scope="col">Created</th>
          <th scope="col">Duration</th>
        </tr>
      </thead>
      <tbody>
        {recent.map((run) => (
          <tr key={run.id}>
            <td>
              <Link className="mono" to={`/runs/${run.id}`} title={run.id}>
                {shortId(run.id)}
              </Link>
            </td>
            <td>
              <StatusBadge status={run.status} />
            </td>
            <td>{formatTime(run.createdAt)}</td>
            <td>{formatDuration(run.durationMs)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** Oldest to newest, the share of ended runs that succeeded in each of up to 20 groups of the sample. */
function Sparkline({ recent, rateLabel }: { recent: WorkflowStats['recent']; rateLabel: string }) {
  const ended = [...recent].reverse().filter((run) => run.status === 'SUCCEEDED' || run.status === 'FAILED');
  if (ended.length < 2) return null;
  const size = Math.ceil(ended.length / BUCKETS);
  const rates: number[] = [];
  for (let at = 0; at < ended.length; at += size) {
    const group = ended.slice(at, at + size);
    rates.push(group.filter((run) => run.status === 'SUCCEEDED').length / group.length);
  }
  const width = 160;
  const height = 32;
  const points = rates.map(
    (rate, index) => `${(index / Math.max(1, rates.length - 1)) * width},${height - 2 - rate * (height - 4)}`,
  );
  return (
    <svg
      className="sparkline"
      width={width}
      height={height}
      role="img"
      aria-label={`Success rate over the last ${ended.length} ended runs, ${rateLabel} overall`}
    >
      <polyline points={points.join(' ')} />
    </svg>
  );
}
