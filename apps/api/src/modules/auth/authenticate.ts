import { type Caller, type JwtSettings, verifyToken } from '@conveyor/auth';
import { findMembershipRole, type PrismaClient } from '@conveyor/db';
import { ConveyorError } from '@conveyor/errors';
import type { FastifyRequest } from 'fastify';

declare module 'fastify' {
  interface FastifyRequest {
    caller: Caller | null;
  }
}

/**
 * A preHandler for app-facing routes: a valid Hasura-style JWT of a member of the token's tenant.
 * The tenant comes from the verified token only, never from the request.
 */
export function authenticate({ prisma, jwt }: { prisma: PrismaClient; jwt: JwtSettings }) {
  return async (request: FastifyRequest) => {
    request.server.authFailures.assertAllowed(request.ip);
    const header = request.headers.authorization;
    const token = header?.startsWith('Bearer ') ? header.slice('Bearer '.length) : undefined;
    const caller = token ? await verifyToken(token, jwt) : null;
    if (!caller) {
      // A missing token is a mistake, a bad one a guess: only guesses count against the address.
      if (token) request.server.authFailures.recordFailure(request.ip);
      throw new ConveyorError({
        code: 'UNAUTHORIZED',
        message: 'a valid bearer token is required (Authorization: Bearer <jwt>)',
      });
    }
    const role = await findMembershipRole(prisma, { tenantId: caller.tenantId, userId: caller.userId });
    if (!role) throw new ConveyorError({ code: 'FORBIDDEN', message: 'the caller is not a member of the token’s tenant' });
    request.caller = caller;
  };
}

/** The caller authenticate() verified; a route that forgot the preHandler fails closed. */
export function callerOf(request: FastifyRequest): Caller {
  if (!request.caller) throw new ConveyorError({ code: 'UNAUTHORIZED', message: 'a valid bearer token is required' });
  return request.caller;
}
