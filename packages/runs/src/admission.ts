import { countBacklog } from '@conveyor/db';
import { ConveyorError } from '@conveyor/errors';
import type { RunsDeps } from './deps';

/** Admission at the door: how many of a tenant's runs may be unfinished, and when a refused caller should retry. */
export interface BacklogBound {
  maxBacklog: number;
  retryAfterSeconds: number;
}

/**
 * The refusal of runs past their tenant's backlog bound (only a bounded insert is refused, so `bound` is
 * there whenever this is called): counted, and RATE_LIMITED with when to retry.
 */
export function backlogRefusal(
  { metrics }: Pick<RunsDeps, 'metrics'>,
  bound: BacklogBound | undefined,
  refused = 1,
): ConveyorError {
  metrics.runsRefused.inc({ reason: 'backlog' }, refused);
  return new ConveyorError({
    code: 'RATE_LIMITED',
    message: `the tenant has ${bound?.maxBacklog} runs not yet finished (TENANT_MAX_BACKLOG); retry in ${bound?.retryAfterSeconds} s`,
    details: { maxBacklog: bound?.maxBacklog, retryAfterSeconds: bound?.retryAfterSeconds },
  });
}

/**
 * Whether `adding` more runs fit under the tenant's backlog bound, for runs the platform does not insert
 * itself (an app's insert through Hasura, checked by its input validation): throws the refusal when the
 * tenant's unfinished runs plus these would pass it. Concurrent callers may each read the same count, so
 * the bound is soft by at most the rows in flight, as it is for `start`.
 */
export async function admit(
  deps: Pick<RunsDeps, 'pool' | 'metrics'>,
  tenantId: string,
  adding: number,
  bound: BacklogBound,
): Promise<void> {
  const open = await countBacklog(deps.pool, tenantId, bound.maxBacklog);
  if (open + adding > bound.maxBacklog) throw backlogRefusal(deps, bound, adding);
}
