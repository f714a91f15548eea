import { queryRows, type SqlExecutor, sql } from './sql';

/**
 * The private networks (CIDRs) the tenant's `http.request` steps may reach, as the platform set them;
 * the worker bounds them by its own ceiling. Empty for a tenant that has none (or does not exist).
 */
export async function getTenantNetworkAllowlist(db: SqlExecutor, tenantId: string): Promise<string[]> {
  const [row] = await queryRows<{ networks: string[] | null }>(
    db,
    sql`SELECT "allowPrivateNetworks" AS "networks" FROM "Tenant" WHERE "id" = ${tenantId}::uuid`,
  );
  return row?.networks ?? [];
}

/** Replaces the tenant's allowlist (the platform's call, never a tenant's); false when there is no such tenant. */
export async function setTenantNetworkAllowlist(
  db: SqlExecutor,
  tenantId: string,
  networks: readonly string[],
): Promise<boolean> {
  const rows = await queryRows<{ id: string }>(
    db,
    sql`UPDATE "Tenant" SET "allowPrivateNetworks" = ${[...networks]}::text[], "updatedAt" = now()
         WHERE "id" = ${tenantId}::uuid RETURNING "id"`,
  );
  return rows.length === 1;
}
