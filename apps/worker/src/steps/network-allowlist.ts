import { intersectAllowlists } from '@conveyor/actions';
import type { WorkerSettings } from '../deps/worker-deps';

/** Allowlists already intersected, by tenant list and ceiling: parsing CIDRs on every attempt cost more than the step. */
const intersected = new Map<string, readonly string[]>();
const MAX_INTERSECTED = 1_024;

/**
 * The private networks a tenant's steps may reach: its own list (set by the platform, read with the
 * step's claim) within the worker's `HTTP_ALLOW_PRIVATE_NETWORKS`, the operator's ceiling. An empty
 * ceiling allows none.
 */
export function tenantNetworks(
  settings: Pick<WorkerSettings, 'allowPrivateNetworks'>,
  tenantList: readonly string[],
): readonly string[] {
  const ceiling = settings.allowPrivateNetworks;
  if (ceiling.length === 0) return [];
  const key = JSON.stringify([tenantList, ceiling]);
  let networks = intersected.get(key);
  if (!networks) {
    if (intersected.size >= MAX_INTERSECTED) intersected.clear();
    networks = Object.freeze(intersectAllowlists(tenantList, ceiling));
    intersected.set(key, networks);
  }
  return networks;
}
