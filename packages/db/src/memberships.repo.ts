import type { PrismaClient } from './client';

export type MemberRole = 'ADMIN' | 'MEMBER';

/** The user's role in the tenant, or null when they are not a member of it. */
export async function findMembershipRole(
  prisma: PrismaClient,
  { tenantId, userId }: { tenantId: string; userId: string },
): Promise<MemberRole | null> {
  const membership = await prisma.membership.findFirst({ where: { tenantId, userId }, select: { role: true } });
  return membership?.role ?? null;
}

/**
 * A member to act as in the tenant: the user with `email`, or without one the tenant's first ADMIN
 * member (the oldest membership); null when there is none.
 */
export async function findActingMember(
  prisma: PrismaClient,
  tenantId: string,
  email: string | undefined,
): Promise<ActingMember | null> {
  const membership = await prisma.membership.findFirst({
    where: { tenantId, ...(email === undefined ? { role: 'ADMIN' } : { user: { email } }) },
    orderBy: { createdAt: 'asc' },
    select: { tenantId: true, userId: true, role: true, user: { select: { email: true } } },
  });
  if (!membership) return null;
  return { tenantId: membership.tenantId, userId: membership.userId, email: membership.user.email, role: membership.role };
}

/**
 * The user's memberships with their tenants, by tenant name (then id), at most `limit`; only the one in
 * `tenantId` when it is given (none when the user is not a member there).
 */
export async function listMemberships(
  prisma: PrismaClient,
  { userId, tenantId, limit }: { userId: string; tenantId?: string | undefined; limit: number },
): Promise<MembershipView[]> {
  const rows = await prisma.membership.findMany({
    where: { userId, ...(tenantId === undefined ? {} : { tenantId }) },
    orderBy: [{ tenant: { name: 'asc' } }, { tenantId: 'asc' }],
    take: limit,
    select: { tenantId: true, role: true, tenant: { select: { name: true, slug: true } } },
  });
  return rows.map((row) => ({ tenantId: row.tenantId, name: row.tenant.name, slug: row.tenant.slug, role: row.role }));
}

export interface MembershipView {
  tenantId: string;
  name: string;
  slug: string;
  role: MemberRole;
}

export interface ActingMember {
  tenantId: string;
  userId: string;
  email: string;
  role: MemberRole;
}
