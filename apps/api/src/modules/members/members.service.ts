import { randomBytes } from 'node:crypto';
import type { PrismaClient } from '@conveyor/db';
import { ConveyorError } from '@conveyor/errors';
import { sha256Hex } from '@conveyor/secrets';
import type { TenantCaller } from '../hasura-actions/session';

const INVITATION_TTL_MS = 7 * 24 * 3_600_000;

/** Invitations: the token goes to the inviter once; only its SHA-256 is stored. */
export function createMembersService({ prisma, now = Date.now }: { prisma: PrismaClient; now?: () => number }) {
  return {
    async invite(caller: TenantCaller, { email, role }: { email: string; role: 'ADMIN' | 'MEMBER' }) {
      const token = randomBytes(32).toString('base64url');
      const invitation = await prisma.invitation.create({
        data: {
          tenantId: caller.tenantId,
          email: email.toLowerCase(),
          role,
          tokenHash: sha256Hex(token),
          invitedById: caller.userId ?? null,
          expiresAt: new Date(now() + INVITATION_TTL_MS),
        },
        select: { id: true },
      });
      return { invitationId: invitation.id, token };
    },

    /** The invitee (the user whose email was invited) becomes a member; a token works once. */
    async accept(userId: string, token: string) {
      const user = await prisma.user.findUnique({ where: { id: userId }, select: { email: true } });
      const invitation = await prisma.invitation.findUnique({ where: { tokenHash: sha256Hex(token) } });
      if (!user || !invitation || invitation.acceptedAt || invitation.expiresAt.getTime() < now()) {
        throw new ConveyorError({
          code: 'NOT_FOUND',
          message: 'input.token: no open invitation for this token',
          details: { field: 'input.token' },
        });
      }
      if (invitation.email !== user.email.toLowerCase()) {
        throw new ConveyorError({ code: 'FORBIDDEN', message: 'this invitation was sent to another email address' });
      }
      await prisma.$transaction(async (tx) => {
        const claimed = await tx.invitation.updateMany({
          where: { id: invitation.id, acceptedAt: null },
          data: { acceptedAt: new Date(now()) },
        });
        if (claimed.count !== 1) throw new ConveyorError({ code: 'CONFLICT', message: 'the invitation was accepted already' });
        await tx.membership.upsert({
          where: { tenantId_userId: { tenantId: invitation.tenantId, userId } },
          create: { tenantId: invitation.tenantId, userId, role: invitation.role },
          update: {},
        });
      });
      return { tenantId: invitation.tenantId };
    },
  };
}
