import { invalidNetworks } from '@conveyor/actions';
import { loadCommonConfig } from '@conveyor/config';
import { getTenantNetworkAllowlist, setTenantNetworkAllowlist } from '@conveyor/db';
import { type Command, parseCommand, UsageError } from '../args';
import { createOutput } from '../output';
import { DEFAULT_TENANT, findTenant, withDatabase } from '../resources';

const spec = {
  positionals: [],
  options: {
    tenant: { type: 'string', default: DEFAULT_TENANT },
    set: { type: 'string' },
    clear: { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
  },
} as const;

/**
 * `conveyor tenants networks`: shows or replaces the private networks a tenant's `http.request`
 * steps may reach. The platform's setting, written here and never through Hasura; the workers
 * still bound it by their HTTP_ALLOW_PRIVATE_NETWORKS.
 */
export const tenantsNetworksCommand: Command = {
  name: 'tenants networks',
  usage: `Usage: conveyor tenants networks [--tenant <slug>] [--set <cidr,cidr…> | --clear] [--json]

Shows the private networks (CIDRs) the tenant's http.request steps may reach, or replaces them.
A worker allows a tenant only what is both in this list and in its own HTTP_ALLOW_PRIVATE_NETWORKS.

Options:
  --tenant <slug>       tenant (default: ${DEFAULT_TENANT})
  --set <cidr,cidr…>    replace the list, e.g. 10.1.0.0/16,127.0.0.1/32
  --clear               empty the list (public addresses only)
  --json                print {"tenant", "allowPrivateNetworks"}

Exit codes: 0 ok, 1 no such tenant or a service down, 2 bad arguments (an entry that is not a CIDR).`,

  async run(argv) {
    const { values } = parseCommand(argv, spec);
    if (values.set !== undefined && values.clear) throw new UsageError('--set and --clear exclude each other');
    const networks = values.clear ? [] : parseNetworks(values.set);
    const out = createOutput({ json: values.json });
    const result = await withDatabase(loadCommonConfig(), async ({ prisma, pool }) => {
      const tenant = await findTenant(prisma, values.tenant);
      if (networks) await setTenantNetworkAllowlist(pool, tenant.id, networks);
      return { tenant: tenant.slug, allowPrivateNetworks: await getTenantNetworkAllowlist(pool, tenant.id) };
    });
    if (out.json) out.data(result);
    else {
      const list = result.allowPrivateNetworks.length ? result.allowPrivateNetworks.join(', ') : '(none: public addresses only)';
      out.text(`tenant ${result.tenant}: private networks ${list}`);
    }
    return 0;
  },
};

function parseNetworks(value: string | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  const entries = value
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
  const invalid = invalidNetworks(entries);
  if (entries.length === 0 || invalid.length > 0) {
    throw new UsageError(`--set: not an IP address or CIDR: ${JSON.stringify(invalid[0] ?? value)}`);
  }
  return [...new Set(entries)];
}
