import { intersectAllowlists } from '@conveyor/actions';
import { getTenantNetworkAllowlist } from '@conveyor/db';
import type { WorkerDeps } from '../deps/worker-deps';

/**
 * The private networks a tenant's steps may reach: its own list (set by the platform) within the
 * worker's `HTTP_ALLOW_PRIVATE_NETWORKS`, the operator's ceiling. An empty ceiling allows none, unread.
 */
export async function tenantNetworks(deps: WorkerDeps, tenantId: string): Promise<string[]> {
  const ceiling = deps.settings.allowPrivateNetworks;
  if (ceiling.length === 0) return [];
  return intersectAllowlists(await getTenantNetworkAllowlist(deps.pool, tenantId), ceiling);
}
