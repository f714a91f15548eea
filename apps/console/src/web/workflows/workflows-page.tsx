import { Link } from 'react-router';
import { useWorkflows } from '../api/queries';
import { formatTime } from '../ui/format';
import { ErrorBox, Loading } from '../ui/states';

export function WorkflowsPage() {
  const workflows = useWorkflows();
  return (
    <section aria-labelledby="workflows-title">
      <h1 id="workflows-title">Workflows</h1>
      {workflows.isPending ? (
        <Loading what="workflows" />
      ) : workflows.error ? (
        <ErrorBox error={workflows.error} />
      ) : workflows.data.workflows.length === 0 ? (
        <p className="muted">This tenant has no workflows yet.</p>
      ) : (
        <table>
          <caption className="visually-hidden">Workflows, by name</caption>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Active</th>
              <th scope="col">Current version</th>
              <th scope="col">Versions</th>
              <th scope="col">Created</th>
            </tr>
          </thead>
          <tbody>
            {workflows.data.workflows.map((workflow) => (
              <tr key={workflow.id}>
                <td>
                  <Link to={`/workflows/${workflow.id}`}>{workflow.name}</Link>
                </td>
                <td>{workflow.isActive ? 'yes' : 'no'}</td>
                <td>{workflow.currentVersion ?? '—'}</td>
                <td>{workflow.versions}</td>
                <td>{formatTime(workflow.createdAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
