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

export interface ActingMember {
  tenantId: string;
  userId: string;
  email: string;
  role: MemberRole;
}
