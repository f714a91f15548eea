import { getRunStatus, type RunRef, type SqlPool } from '@conveyor/db';
import { ConveyorError } from '@conveyor/errors';

/** Why a user's cancel or retry did not apply: the tenant has no such run (404), or it is in another status (409). */
export async function notChangeable(pool: SqlPool, ref: RunRef, what: string): Promise<ConveyorError> {
  const status = (await getRunStatus(pool, ref))?.status;
  if (!status)
    return new ConveyorError({ code: 'NOT_FOUND', message: `run ${ref.runId} not found`, details: { runId: ref.runId } });
  return new ConveyorError({
    code: 'CONFLICT',
    message: `run ${ref.runId} is ${status} and cannot be ${what}`,
    details: { runId: ref.runId, status },
  });
}
