import type { PrismaClient } from './client';

/** The tenant with this slug, or null. */
export async function findTenantBySlug(prisma: PrismaClient, slug: string): Promise<{ id: string; slug: string } | null> {
  return prisma.tenant.findUnique({ where: { slug }, select: { id: true, slug: true } });
}

/** Whether a tenant with this id exists. */
export async function tenantExists(prisma: PrismaClient, tenantId: string): Promise<boolean> {
  return (await prisma.tenant.count({ where: { id: tenantId } })) > 0;
}
