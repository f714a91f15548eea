import { useRunCommand } from '../api/queries';
import { isEnded, type RunView } from '../api/types';
import { BulkSummary } from '../runs/bulk-actions';
import { ErrorBox } from '../ui/states';

/** Cancel while the run is open; retry once it failed or was cancelled (the run's own rules decide, and say why not). */
export function RunActions({ run }: { run: RunView }) {
  const command = useRunCommand();
  const refused = command.data?.results.some((result) => !result.ok);
  return (
    <div className="run-actions">
      {!isEnded(run.status) && (
        <button
          type="button"
          className="danger"
          disabled={command.isPending}
          onClick={() => command.mutate({ command: 'cancel', runIds: [run.id] })}
        >
          Cancel run
        </button>
      )}
      {(run.status === 'FAILED' || run.status === 'CANCELLED') && (
        <button type="button" disabled={command.isPending} onClick={() => command.mutate({ command: 'retry', runIds: [run.id] })}>
          Retry run
        </button>
      )}
      {command.error && <ErrorBox error={command.error} />}
      {refused && command.data && <BulkSummary results={command.data} />}
    </div>
  );
}
