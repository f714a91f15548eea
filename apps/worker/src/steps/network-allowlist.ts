import { intersectAllowlists } from '@conveyor/actions';
import type { WorkerSettings } from '../deps/worker-deps';

/**
 * The private networks a tenant's steps may reach: its own list (set by the platform, read with the
 * step's claim) within the worker's `HTTP_ALLOW_PRIVATE_NETWORKS`, the operator's ceiling. An empty
 * ceiling allows none.
 */
export function tenantNetworks(settings: Pick<WorkerSettings, 'allowPrivateNetworks'>, tenantList: readonly string[]): string[] {
  const ceiling = settings.allowPrivateNetworks;
  if (ceiling.length === 0) return [];
  return intersectAllowlists(tenantList, ceiling);
}
