import type { RunFilters } from '../api/queries';
import { RUN_STATUSES, type RunStatus } from '../api/types';

/** The filters live in the address (`/runs?status=FAILED&workflowId=…`): a filtered list can be linked and reloaded. */
export function filtersFromParams(params: URLSearchParams): RunFilters {
  const status = (params.get('status') ?? '')
    .split(',')
    .filter((value): value is RunStatus => (RUN_STATUSES as readonly string[]).includes(value));
  const text = (name: string) => params.get(name)?.trim() || undefined;
  return {
    status,
    workflowId: text('workflowId'),
    triggerId: text('triggerId'),
    from: isoOf(text('from')),
    to: isoOf(text('to')),
    q: text('q'),
  };
}

/** A `datetime-local` value (the browser's local time) as an instant; what does not parse is left out. */
function isoOf(local: string | undefined): string | undefined {
  if (!local) return undefined;
  const at = new Date(local);
  return Number.isNaN(at.getTime()) ? undefined : at.toISOString();
}
