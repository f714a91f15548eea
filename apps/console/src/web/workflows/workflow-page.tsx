import { Link, useParams } from 'react-router';
import { ApiError } from '../api/client';
import { useWorkflow } from '../api/queries';
import type { WorkflowView } from '../api/types';
import { formatTime } from '../ui/format';
import { JsonView } from '../ui/json-view';
import { ErrorBox, Loading, NotFound } from '../ui/states';
import { WorkflowHealth } from './workflow-health';

/** One workflow: its recent runs' health, its triggers and every version's definition (read-only). */
export function WorkflowPage() {
  const { workflowId = '' } = useParams();
  const workflow = useWorkflow(workflowId);
  if (workflow.isPending) return <Loading what="the workflow" />;
  if (workflow.error)
    return workflow.error instanceof ApiError && workflow.error.status === 404 ? (
      <NotFound what="workflow" />
    ) : (
      <ErrorBox error={workflow.error} />
    );
  const view = workflow.data;
  return (
    <article aria-labelledby="workflow-title">
      <h1 id="workflow-title">{view.name}</h1>
      <p>
        {view.isActive ? 'Active' : 'Inactive'}, current version {view.currentVersion ?? '—'} of {view.versions}.{' '}
        <Link to={`/runs?workflowId=${view.id}`}>Its runs</Link>
      </p>
      <WorkflowHealth workflowId={view.id} />
      <Triggers triggers={view.triggers} />
      <section aria-labelledby="versions-title">
        <h2 id="versions-title">Versions</h2>
        <ol className="versions" reversed>
          {view.versionList.map((version) => (
            <li key={version.id}>
              <h3>
                Version {version.version}
                {version.version === view.currentVersion && <span className="badge">current</span>}{' '}
                <span className="muted">published {formatTime(version.createdAt)}</span>
              </h3>
              <JsonView label="Definition" value={version.definition} />
            </li>
          ))}
        </ol>
      </section>
    </article>
  );
}

function Triggers({ triggers }: { triggers: WorkflowView['triggers'] }) {
  return (
    <section aria-labelledby="triggers-title">
      <h2 id="triggers-title">Triggers</h2>
      {triggers.length === 0 ? (
        <p className="muted">No triggers: runs start through the API.</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th scope="col">Trigger</th>
              <th scope="col">Type</th>
              <th scope="col">Active</th>
              <th scope="col">Schedule</th>
            </tr>
          </thead>
          <tbody>
            {triggers.map((trigger) => (
              <tr key={trigger.id}>
                <td>
                  <Link className="mono" to={`/runs?triggerId=${trigger.id}`}>
                    {trigger.id}
                  </Link>
                </td>
                <td>{trigger.type.toLowerCase()}</td>
                <td>{trigger.isActive ? 'yes' : 'no'}</td>
                <td className="mono">{trigger.cron ? `${trigger.cron} (${trigger.timezone ?? 'UTC'})` : '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
