import { findMembershipRole, findUserEmail, type MemberRole, type PrismaClient, tenantExists } from '@conveyor/db';
import { ConveyorError } from '@conveyor/errors';
import { z } from 'zod';

/** The caller as Hasura resolved it. The tenant is trusted only from here, never from `input`. */
export interface ActionSession {
  role: string;
  tenantId: string | undefined;
  userId: string | undefined;
}

export interface TenantCaller {
  tenantId: string;
  userId: string | undefined;
  /** The caller's membership role; Hasura's `admin` (admin secret) counts as ADMIN. */
  memberRole: MemberRole;
}

const uuid = z.string().uuid();

export function sessionFrom(variables: Record<string, string>): ActionSession {
  const session = Object.fromEntries(Object.entries(variables).map(([key, value]) => [key.toLowerCase(), value]));
  const tenantId = uuid.safeParse(session['x-hasura-tenant-id']);
  const userId = uuid.safeParse(session['x-hasura-user-id']);
  return {
    role: session['x-hasura-role'] ?? 'anonymous',
    tenantId: tenantId.success ? tenantId.data : undefined,
    userId: userId.success ? userId.data : undefined,
  };
}

/**
 * The caller's tenant and role in it, checked against the database (defence in depth: Hasura's
 * permissions checked it too). `admin: true` demands an ADMIN membership.
 */
export async function requireTenantCaller(
  prisma: PrismaClient,
  session: ActionSession,
  { admin = false }: { admin?: boolean } = {},
): Promise<TenantCaller> {
  if (!session.tenantId) {
    throw new ConveyorError({
      code: 'FORBIDDEN',
      message: 'session_variables.x-hasura-tenant-id: the caller has no tenant',
      details: { field: 'session_variables.x-hasura-tenant-id' },
    });
  }
  if (session.role === 'admin') {
    // The admin secret bypasses membership, not existence: an unknown tenant or user is a 404, not a failed insert.
    await requireExisting(prisma, session.tenantId, session.userId);
    return { tenantId: session.tenantId, userId: session.userId, memberRole: 'ADMIN' };
  }
  const role = session.userId ? await findMembershipRole(prisma, { tenantId: session.tenantId, userId: session.userId }) : null;
  if (!role) throw new ConveyorError({ code: 'FORBIDDEN', message: 'the caller is not a member of this tenant' });
  if (admin && role !== 'ADMIN') {
    throw new ConveyorError({ code: 'FORBIDDEN', message: 'this action needs the tenant_admin role (an ADMIN membership)' });
  }
  return { tenantId: session.tenantId, userId: session.userId, memberRole: role };
}

export function requireUser(session: ActionSession): string {
  if (!session.userId) {
    throw new ConveyorError({
      code: 'FORBIDDEN',
      message: 'session_variables.x-hasura-user-id: the caller is not a user',
      details: { field: 'session_variables.x-hasura-user-id' },
    });
  }
  return session.userId;
}

async function requireExisting(prisma: PrismaClient, tenantId: string, userId: string | undefined): Promise<void> {
  const missing = !(await tenantExists(prisma, tenantId))
    ? { field: 'session_variables.x-hasura-tenant-id', what: `no tenant ${tenantId}` }
    : userId && (await findUserEmail(prisma, userId)) === null
      ? { field: 'session_variables.x-hasura-user-id', what: `no user ${userId}` }
      : null;
  if (missing) {
    throw new ConveyorError({
      code: 'NOT_FOUND',
      message: `${missing.field}: ${missing.what}`,
      details: { field: missing.field },
    });
  }
}
