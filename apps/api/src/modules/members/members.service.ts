import { randomBytes } from 'node:crypto';
import { acceptInvitation, findInvitationByTokenHash, findUserEmail, insertInvitation, type PrismaClient } from '@conveyor/db';
import { ConveyorError } from '@conveyor/errors';
import { sha256Hex } from '@conveyor/secrets';
import type { TenantCaller } from '../auth/session';

const INVITATION_TTL_MS = 7 * 24 * 3_600_000;

/** Invitations: the token goes to the inviter once; only its SHA-256 is stored. */
export function createMembersService({ prisma, now = Date.now }: { prisma: PrismaClient; now?: () => number }) {
  return {
    async invite(caller: TenantCaller, { email, role }: { email: string; role: 'ADMIN' | 'MEMBER' }) {
      const token = randomBytes(32).toString('base64url');
      const { invitationId } = await insertInvitation(prisma, {
        tenantId: caller.tenantId,
        email: email.toLowerCase(),
        role,
        tokenHash: sha256Hex(token),
        invitedById: caller.userId ?? null,
        expiresAt: new Date(now() + INVITATION_TTL_MS),
      });
      return { invitationId, token };
    },

    /** The invitee (the user whose email was invited) becomes a member; a token works once. */
    async accept(userId: string, token: string) {
      const email = await findUserEmail(prisma, userId);
      const invitation = await findInvitationByTokenHash(prisma, sha256Hex(token));
      if (email === null || !invitation || invitation.acceptedAt || invitation.expiresAt.getTime() < now()) {
        throw new ConveyorError({
          code: 'NOT_FOUND',
          message: 'input.token: no open invitation for this token',
          details: { field: 'input.token' },
        });
      }
      if (invitation.email !== email.toLowerCase()) {
        throw new ConveyorError({ code: 'FORBIDDEN', message: 'this invitation was sent to another email address' });
      }
      const accepted = await acceptInvitation(prisma, { invitation, userId, acceptedAt: new Date(now()) });
      if (!accepted.applied) throw new ConveyorError({ code: 'CONFLICT', message: 'the invitation was accepted already' });
      return { tenantId: invitation.tenantId };
    },
  };
}
