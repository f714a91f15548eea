import { useState } from 'react';
import { useSearchParams } from 'react-router';
import { useRuns } from '../api/queries';
import { ErrorBox, Loading } from '../ui/states';
import { BulkActions } from './bulk-actions';
import { filtersFromParams } from './run-filters';
import { RunsFiltersForm } from './runs-filters-form';
import { RunsTable } from './runs-table';

/** The tenant's runs, newest first, filtered, in keyset pages; statuses refresh while runs are moving. */
export function RunsPage() {
  const [params] = useSearchParams();
  const runs = useRuns(filtersFromParams(params));
  const [selected, setSelected] = useState<ReadonlySet<string>>(new Set());
  const loaded = runs.data?.pages.flatMap((page) => page.runs) ?? [];
  return (
    <section aria-labelledby="runs-title">
      <h1 id="runs-title">Runs</h1>
      <RunsFiltersForm key={params.toString()} />
      <BulkActions selected={[...selected]} onDone={() => setSelected(new Set())} />
      {runs.isPending ? (
        <Loading what="runs" />
      ) : runs.error ? (
        <ErrorBox error={runs.error} />
      ) : (
        <>
          <RunsTable runs={loaded} selected={selected} onSelect={setSelected} />
          <p className="list-footer" aria-live="polite">
            {loaded.length === 0 ? 'No runs match these filters.' : `${loaded.length} runs shown.`}{' '}
            {runs.hasNextPage && (
              <button
                type="button"
                className="secondary"
                onClick={() => void runs.fetchNextPage()}
                disabled={runs.isFetchingNextPage}
              >
                {runs.isFetchingNextPage ? 'Loading…' : 'Load older runs'}
              </button>
            )}
          </p>
        </>
      )}
    </section>
  );
}
