import { mintToken, verifyToken } from '@conveyor/auth';
import { findMembershipRole, findUserEmail, listMemberships } from '@conveyor/db';
import { ConveyorError } from '@conveyor/errors';
import type { ConveyorApp } from '../../types';
import { type AuthDeps, authenticate, memberOf } from '../auth/authenticate';
import { sessionSchema, switchedTenantSchema, switchTenantBodySchema } from './session.schemas';

/** The most memberships `GET /v1/session` lists. */
const MAX_MEMBERSHIPS = 100;
/** A token with less left than this is not exchanged: the console signs in again instead. */
const MIN_REMAINING_SECONDS = 30;

/**
 * The console's session, for members only (a JWT; API keys are refused with 403):
 * - `GET /v1/session`: who the caller is, their role in the token's tenant and their memberships (by tenant name);
 * - `POST /v1/session/tenant` `{ tenantId }`: the tenant picker's token exchange, a token for another tenant of the
 *   caller's that expires no later than the one presented. A tenant the caller is not a member of is refused with
 *   403 whether it exists or not.
 */
export async function sessionModule(app: ConveyorApp, opts: { auth: AuthDeps }) {
  const { prisma, jwt } = opts.auth;
  app.addHook('preHandler', authenticate(opts.auth));

  app.get('/v1/session', { schema: { response: { 200: sessionSchema } } }, async (request) => {
    const { tenantId, userId } = memberOf(request);
    const [email, [current], memberships] = await Promise.all([
      findUserEmail(prisma, userId),
      listMemberships(prisma, { userId, tenantId, limit: 1 }),
      listMemberships(prisma, { userId, limit: MAX_MEMBERSHIPS }),
    ]);
    // Left the tenant since authenticate() looked: as it would have answered.
    if (email === null || !current) {
      throw new ConveyorError({ code: 'FORBIDDEN', message: 'the caller is not a member of the token’s tenant' });
    }
    return { userId, email, tenantId, role: current.role, tenantName: current.name, memberships };
  });

  app.post(
    '/v1/session/tenant',
    { schema: { body: switchTenantBodySchema, response: { 200: switchedTenantSchema } } },
    async (request) => {
      const caller = memberOf(request);
      const { tenantId } = request.body;
      if (!(await findMembershipRole(prisma, { tenantId, userId: caller.userId }))) {
        throw new ConveyorError({
          code: 'FORBIDDEN',
          message: 'body.tenantId: the caller is not a member of this tenant',
          details: { field: 'body.tenantId' },
        });
      }
      // Whole seconds that surely remain: the new token's `exp` (its `iat` + ttl) is then at most the presented one's.
      const remaining = Math.floor(caller.expiresAt.getTime() / 1_000) - Math.ceil(Date.now() / 1_000);
      if (remaining < MIN_REMAINING_SECONDS) {
        throw new ConveyorError({
          code: 'UNAUTHORIZED',
          message: `the token expires in under ${MIN_REMAINING_SECONDS} s and is not exchanged; sign in again`,
        });
      }
      const token = await mintToken({ tenantId, userId: caller.userId }, jwt, Math.min(remaining, jwt.maxAgeSeconds));
      // Its own expiry, read back: the console renews on the token's clock, not on an estimate of it.
      const minted = await verifyToken(token, jwt);
      if (!minted) throw new ConveyorError({ code: 'INTERNAL', message: 'a token minted here did not verify' });
      return { token, tenantId, expiresAt: minted.expiresAt };
    },
  );
}
