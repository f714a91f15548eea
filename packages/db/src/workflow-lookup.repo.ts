import type { PrismaClient } from './client';
import { scopeToTenant } from './tenant-scope';

/** The tenant's workflow named `name`, or (when `id` is given) the one with that id or that name: the first match. */
export async function findWorkflowByNameOrId(
  prisma: PrismaClient,
  tenantId: string,
  { name, id }: { name: string; id?: string | undefined },
): Promise<{ id: string; name: string } | null> {
  return scopeToTenant(prisma, tenantId).workflow.findFirst({
    where: id === undefined ? { name } : { OR: [{ id }, { name }] },
    select: { id: true, name: true },
  });
}
