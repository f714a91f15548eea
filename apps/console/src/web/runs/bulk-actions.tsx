import { useRunCommand } from '../api/queries';
import type { BulkResults } from '../api/types';
import { shortId } from '../ui/format';
import { ErrorBox } from '../ui/states';

/** Cancel or retry the selected runs; each run's refusal (already ended, not failed…) is listed, not hidden. */
export function BulkActions({ selected, onDone }: { selected: string[]; onDone: () => void }) {
  const command = useRunCommand();
  const run = (name: 'cancel' | 'retry') =>
    command.mutate({ command: name, runIds: selected.slice(0, 100) }, { onSuccess: onDone });
  return (
    <fieldset className="bulk">
      <legend className="visually-hidden">Selected runs</legend>
      <span>{selected.length} selected</span>
      <button type="button" disabled={selected.length === 0 || command.isPending} onClick={() => run('cancel')}>
        Cancel selected
      </button>
      <button type="button" disabled={selected.length === 0 || command.isPending} onClick={() => run('retry')}>
        Retry selected
      </button>
      {command.error && <ErrorBox error={command.error} />}
      {command.data && <BulkSummary results={command.data} />}
    </fieldset>
  );
}

export function BulkSummary({ results }: { results: BulkResults }) {
  const refused = results.results.filter((result) => !result.ok);
  return (
    <output className="bulk-summary" aria-live="polite">
      {results.results.length - refused.length} done
      {refused.length > 0 && `, ${refused.length} refused: `}
      {refused.map((result) => (
        <span key={result.runId} className="refusal">
          {shortId(result.runId)} {'error' in result ? result.error.message : ''}
        </span>
      ))}
    </output>
  );
}
