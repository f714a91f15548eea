import type { PrismaClient } from './client';
import type { MemberRole } from './memberships.repo';

export async function insertInvitation(
  prisma: PrismaClient,
  invitation: {
    tenantId: string;
    email: string;
    role: MemberRole;
    tokenHash: string;
    invitedById: string | null;
    expiresAt: Date;
  },
): Promise<{ invitationId: string }> {
  const row = await prisma.invitation.create({ data: invitation, select: { id: true } });
  return { invitationId: row.id };
}

export async function findInvitationByTokenHash(prisma: PrismaClient, tokenHash: string): Promise<InvitationRecord | null> {
  return prisma.invitation.findUnique({
    where: { tokenHash },
    select: { id: true, tenantId: true, email: true, role: true, acceptedAt: true, expiresAt: true },
  });
}

/**
 * Claims the invitation (a guarded update: it applies once) and makes the user a member of its
 * tenant with its role, in one transaction. An invitation accepted already is not applied.
 */
export async function acceptInvitation(
  prisma: PrismaClient,
  {
    invitation,
    userId,
    acceptedAt,
  }: { invitation: Pick<InvitationRecord, 'id' | 'tenantId' | 'role'>; userId: string; acceptedAt: Date },
): Promise<{ applied: boolean }> {
  return prisma.$transaction(async (tx) => {
    const claimed = await tx.invitation.updateMany({ where: { id: invitation.id, acceptedAt: null }, data: { acceptedAt } });
    if (claimed.count !== 1) return { applied: false };
    await tx.membership.upsert({
      where: { tenantId_userId: { tenantId: invitation.tenantId, userId } },
      create: { tenantId: invitation.tenantId, userId, role: invitation.role },
      update: {},
    });
    return { applied: true };
  });
}

export interface InvitationRecord {
  id: string;
  tenantId: string;
  email: string;
  role: MemberRole;
  acceptedAt: Date | null;
  expiresAt: Date;
}
