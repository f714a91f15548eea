import { type FormEvent, useId } from 'react';
import { useSearchParams } from 'react-router';
import { useWorkflows } from '../api/queries';
import { RUN_STATUSES } from '../api/types';

/** Status, workflow, trigger, time range and a search on the run id or idempotency key; applied on submit. */
export function RunsFiltersForm() {
  const [params, setParams] = useSearchParams();
  const workflows = useWorkflows();
  const id = useId();
  const statuses = new Set((params.get('status') ?? '').split(','));
  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const next = new URLSearchParams();
    const status = form.getAll('status').map(String);
    if (status.length > 0) next.set('status', status.join(','));
    for (const name of ['workflowId', 'triggerId', 'from', 'to', 'q']) {
      const value = String(form.get(name) ?? '').trim();
      if (value) next.set(name, value);
    }
    setParams(next);
  };
  return (
    <form className="filters" onSubmit={submit} aria-label="Filter runs">
      <fieldset className="status-filter">
        <legend>Status</legend>
        {RUN_STATUSES.map((status) => (
          <label key={status} className="check">
            <input type="checkbox" name="status" value={status} defaultChecked={statuses.has(status)} />
            {status.toLowerCase()}
          </label>
        ))}
      </fieldset>
      <div className="field">
        <label htmlFor={`${id}-workflow`}>Workflow</label>
        <select id={`${id}-workflow`} name="workflowId" defaultValue={params.get('workflowId') ?? ''}>
          <option value="">All workflows</option>
          {workflows.data?.workflows.map((workflow) => (
            <option key={workflow.id} value={workflow.id}>
              {workflow.name}
            </option>
          ))}
        </select>
      </div>
      <div className="field">
        <label htmlFor={`${id}-trigger`}>Trigger id</label>
        <input id={`${id}-trigger`} name="triggerId" defaultValue={params.get('triggerId') ?? ''} pattern="[0-9a-fA-F-]{36}" />
      </div>
      <div className="field">
        <label htmlFor={`${id}-from`}>Created from</label>
        <input id={`${id}-from`} name="from" type="datetime-local" step={1} defaultValue={params.get('from') ?? ''} />
      </div>
      <div className="field">
        <label htmlFor={`${id}-to`}>Created before</label>
        <input id={`${id}-to`} name="to" type="datetime-local" step={1} defaultValue={params.get('to') ?? ''} />
      </div>
      <div className="field">
        <label htmlFor={`${id}-q`}>Run id or idempotency key</label>
        <input id={`${id}-q`} name="q" type="search" defaultValue={params.get('q') ?? ''} maxLength={200} />
      </div>
      <div className="filter-actions">
        <button type="submit">Apply filters</button>
        <button type="button" className="secondary" onClick={() => setParams(new URLSearchParams())}>
          Clear
        </button>
      </div>
    </form>
  );
}
