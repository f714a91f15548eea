import { countQueuedRunsByTenant, findActiveRunIds } from '@conveyor/db';
import type { WorkerDeps } from '../deps/worker-deps';

/** Frees slots of runs that are no longer active, and resets each tenant's backlog counter to the truth. */
export async function freeStaleSlots(deps: WorkerDeps): Promise<number> {
  const { admission } = deps;
  let freed = 0;
  for (const { tenantId, runIds } of await admission.holders()) {
    const active = await findActiveRunIds(deps.pool, tenantId, runIds);
    for (const runId of runIds.filter((id) => !active.has(id))) {
      await admission.release(tenantId, runId);
      freed += 1;
    }
  }
  for (const { tenantId, queued } of await countQueuedRunsByTenant(deps.pool)) await admission.resetBacklog(tenantId, queued);
  return freed;
}
